"""What the job engine and the reconciler know of a grant backend: typed plan steps, and the interface every
backend (Lake Formation today; Redshift data shares or S3 Access Grants later) implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from meshportal.aws.gateway import AwsError
    from provisioning.models import ProvisioningJob


@dataclass(frozen=True, kw_only=True)
class PlanStep:
    """One AWS step of a grant or revoke job, computed before the job runs and shown to people while it does.
    Stored on the job as JSON (``to_json``) and read back typed (``step_from_json``)."""

    KIND: ClassVar[str]
    account_id: str  # where the step acts
    summary: str  # what it does, in words

    def to_json(self) -> dict[str, Any]:
        return {"step": self.KIND, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanStep:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


_STEP_TYPES: dict[str, type[PlanStep]] = {}


def plan_step[S: PlanStep](cls: type[S]) -> type[S]:
    """Class decorator: make a step type readable from its JSON form."""
    if cls.KIND in _STEP_TYPES:
        raise ValueError(f"plan step kind {cls.KIND!r} is declared twice")
    _STEP_TYPES[cls.KIND] = cls
    return cls


def step_from_json(data: dict[str, Any]) -> PlanStep:
    try:
        step_type = _STEP_TYPES[data["step"]]
    except KeyError as exc:
        raise ValueError(f"unknown plan step {data.get('step')!r}") from exc
    return step_type.from_json(data)


def steps_from_json(plan: Sequence[dict[str, Any]]) -> list[PlanStep]:
    return [step_from_json(data) for data in plan]


@dataclass(frozen=True)
class HeldPermission:
    """Access as the reconciler compares it: who holds which permissions on which resource, in which account.
    ``resource_key`` is how the backend tells two resources apart (the same key means the same resource)."""

    account_id: str
    principal: str
    resource_key: str
    resource: dict[str, Any]
    permissions: frozenset[str]


class GrantBackend(Protocol):
    """One way of carrying grants into AWS. The engine claims jobs, batches them per backend and grantor
    account, and records outcomes; the backend plans, applies, revokes and reads the live state."""

    name: ClassVar[str]

    def plan(
        self, grant: Any, *, grantor_account_id: str, action: str, applied: Sequence[PlanStep] | None = None
    ) -> list[PlanStep]:
        """The steps of a grant or revoke job. A revoke passes the steps that were ``applied`` so that it removes
        exactly those, wherever they were applied, even if the port or the governance model changed since."""
        ...

    def apply(self, jobs: Sequence[ProvisioningJob]) -> dict[int, AwsError]:
        """Apply the plans of grant jobs that share a grantor account, as one batch where AWS allows. Returns the
        failures by job id; a job not in it succeeded. Idempotent: what is already in place is not applied again."""
        ...

    def verify(self, jobs: Sequence[ProvisioningJob]) -> tuple[dict[int, dict[str, Any]], dict[int, AwsError]]:
        """Read back from AWS that applied grant jobs are effective end to end. Returns the evidence of the
        settled jobs and the failures (retryable while AWS does not show it yet) of the others, by job id."""
        ...

    def revoke(self, job: ProvisioningJob) -> dict[str, Any]:
        """Remove what the job's plan applied, keeping what other live grants still need, and read back that it
        is gone. Returns the evidence; raises ``AwsError`` (retryable while access is still visible)."""
        ...

    def undo(self, job: ProvisioningJob) -> dict[str, Any]:
        """Remove what a grant job that cannot complete may have applied, keeping what other grants holding
        access still need, and read back that it is gone. Raises ``AwsError`` when something is left."""
        ...

    def expected(self, grant: Any, *, grantor_account_id: str) -> list[HeldPermission]:
        """What an active grant should hold in AWS."""
        ...

    def observe(self, *, account_id: str, managed: set[tuple[str, str]]) -> Iterator[HeldPermission]:
        """What the account holds now on portal-managed resources (paged reads). Raises ``AwsError``."""
        ...


_BACKENDS: dict[str, GrantBackend] = {}


def register_backend(backend: GrantBackend) -> None:
    _BACKENDS[backend.name] = backend


def backend_for(name: str) -> GrantBackend:
    try:
        return _BACKENDS[name]
    except KeyError as exc:
        raise LookupError(f"no grant backend named {name!r} is registered") from exc


def backends() -> list[GrantBackend]:
    return list(_BACKENDS.values())
