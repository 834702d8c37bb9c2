"""AWS failures in plain words, for the people who see a failed grant; the AWS code is kept beside it for experts.

Each sentence says what went wrong in the domain's words (table, account, invitation, resource link), where,
and what happens next. Whether a person's Retry can help follows from the error: throttling, timeouts and
concurrent modification heal by themselves (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
a missing table, a denied call or invalid input do not, until someone fixes the cause.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshportal.aws.gateway import AwsError
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import ProvisioningJob

DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException"})


@dataclass(frozen=True)
class Explanation:
    text: str  # for people
    code: str  # for experts: AWS's own code, or ours
    retryable: bool  # whether a person's Retry can heal it


def _api(operation: str) -> str:
    service, _, name = operation.partition(":")
    camel = "".join(part.capitalize() for part in name.split("_")) if "_" in name else name
    return f"{service}:{camel}" if camel else operation


def explain(error: AwsError, *, job: ProvisioningJob) -> Explanation:
    grant = job.grant
    port = grant.port
    account = error.account_id or job.grantor_account_id
    consumer = str(grant.consumer_account.account_id)
    owners = "the product's owners have been told"
    code = str(error.code)
    if (
        code == "EntityNotFoundException"
        and error.operation.startswith("lakeformation")
        and account in (port.catalog_id, job.grantor_account_id)
    ):
        text = (
            f"The table {port.database_name}.{port.table_name} does not exist in account {port.catalog_id}; {owners}."
        )
        return Explanation(text, code, retryable=False)
    if code == "EntityNotFoundException":
        text = f"Something the grant relies on does not exist in account {account} ({error.message}); {owners}."
        return Explanation(text, code, retryable=False)
    if code in DENIED:
        text = (
            f"MeshPortal's role in account {account} is not allowed to call {_api(error.operation)}; a platform "
            f"admin must grant it that permission (Lake Formation data lake admin), and {owners}."
        )
        return Explanation(text, code, retryable=False)
    if code == "InvalidInputException":
        text = (
            f"AWS refused the grant as invalid in account {account} ({error.message}); trying again will not help "
            f"until the port is corrected, and {owners}."
        )
        return Explanation(text, code, retryable=False)
    if code == ProvisioningErrorCode.INVITATION_NOT_YET_VISIBLE:
        text = (
            f"The AWS RAM invitation from account {job.grantor_account_id} never reached account {consumer} after "
            f"{job.attempts} tries; retry later."
        )
        return Explanation(text, code, retryable=True)
    if code == ProvisioningErrorCode.NOT_YET_EFFECTIVE:
        text = (
            f"The access was set up, but AWS still did not show it in effect after {job.attempts} tries "
            f"({error.message}); retry later."
        )
        return Explanation(text, code, retryable=True)
    if error.retryable:
        text = (
            f"AWS was busy or changing in account {account} ({code}) and MeshPortal gave up after {job.attempts} "
            f"tries; retry later."
        )
        return Explanation(text, code, retryable=True)
    text = f"AWS refused {_api(error.operation)} in account {account}: {error.message}; {owners}."
    return Explanation(text, code, retryable=False)
