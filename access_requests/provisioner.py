"""The seam between access decisions and the AWS work that carries them out.

Access requests sit below provisioning: they decide *that* a grant is made or ended, provisioning decides
*how*. The services here call ``grant_provisioner()`` inside their own transaction; the provisioning app
registers its implementation in ``ProvisioningConfig.ready()`` (it records a durable job, the outbox, that a
worker carries out after commit). Nothing in this app imports provisioning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from access_requests.models import Grant


class GrantProvisioner(Protocol):
    def apply(self, *, grant: Grant) -> None:
        """Record the work that makes ``grant`` effective in AWS, in the caller's transaction. May raise a
        ``DomainError`` (e.g. no grantor account for the governance model): nothing is then written."""

    def revoke(self, *, grant: Grant) -> None:
        """Record the work that removes ``grant`` from AWS, in the caller's transaction."""


_registered: GrantProvisioner | None = None


def register_grant_provisioner(provisioner: GrantProvisioner) -> None:
    global _registered  # noqa: PLW0603 - one registration per process, from AppConfig.ready()
    _registered = provisioner


def grant_provisioner() -> GrantProvisioner:
    if _registered is None:
        raise ImproperlyConfigured(
            "No grant provisioner is registered: add 'provisioning' to INSTALLED_APPS (its AppConfig registers one)."
        )
    return _registered
