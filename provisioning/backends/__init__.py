"""Grant backends: the AWS work behind a grant, behind one typed interface (``GrantBackend``). The job engine
(``provisioning/engine.py``) and the reconciler know only that interface; a new backend (Redshift data
shares, S3 Access Grants) is a new package here, registered in ``ProvisioningConfig.ready()``."""

from provisioning.backends.base import (
    GrantBackend,
    HeldPermission,
    PlanStep,
    backend_for,
    backends,
    register_backend,
    step_from_json,
    steps_from_json,
)

__all__ = [
    "GrantBackend",
    "HeldPermission",
    "PlanStep",
    "backend_for",
    "backends",
    "register_backend",
    "step_from_json",
    "steps_from_json",
]
