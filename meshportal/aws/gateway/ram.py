"""AWS RAM: the invitations a consumer account receives when a resource is shared with it from outside its
organization, and accepting them (https://docs.aws.amazon.com/ram/latest/userguide/working-with-shared-invitations.html)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshportal.aws.gateway.calls import CallObserver, call
from meshportal.aws.gateway.errors import AwsError


def iter_invitations(client: Any, *, account_id: str, observer: CallObserver | None = None) -> Iterator[dict[str, Any]]:
    """Every resource share invitation of this account, following nextToken."""
    token: str | None = None
    while True:
        params: dict[str, Any] = {"maxResults": 100}
        if token:
            params["nextToken"] = token
        page = call(client, "get_resource_share_invitations", account_id=account_id, observer=observer, **params)
        yield from page.get("resourceShareInvitations", [])
        token = page.get("nextToken")
        if not token:
            return


def accept_invitation(
    client: Any, *, account_id: str, invitation_arn: str, observer: CallObserver | None = None
) -> None:
    """Accept; an invitation accepted meanwhile (by another worker, or a person) is the goal state too."""
    try:
        call(
            client,
            "accept_resource_share_invitation",
            account_id=account_id,
            observer=observer,
            resourceShareInvitationArn=invitation_arn,
        )
    except AwsError as error:
        if error.code != "ResourceShareInvitationAlreadyAcceptedException":
            raise


def accept_pending_from(
    client: Any, *, account_id: str, senders: set[str], observer: CallObserver | None = None
) -> set[str]:
    """Accept the pending invitations sent by ``senders``; returns the senders whose share is now accepted."""
    accepted: set[str] = set()
    for invitation in iter_invitations(client, account_id=account_id, observer=observer):
        sender = invitation.get("senderAccountId")
        if sender not in senders:
            continue
        if invitation.get("status") == "PENDING":
            accept_invitation(
                client,
                account_id=account_id,
                invitation_arn=invitation["resourceShareInvitationArn"],
                observer=observer,
            )
            accepted.add(sender)
        elif invitation.get("status") == "ACCEPTED":
            accepted.add(sender)
    return accepted


def iter_share_principals(
    client: Any, *, account_id: str, principals: list[str], observer: CallObserver | None = None
) -> Iterator[dict[str, Any]]:
    """The principals this account's own resource shares are associated with (ListPrincipals, resourceOwner
    SELF), narrowed to ``principals``, following nextToken
    (https://docs.aws.amazon.com/ram/latest/APIReference/API_ListPrincipals.html)."""
    token: str | None = None
    while True:
        params: dict[str, Any] = {"resourceOwner": "SELF", "principals": principals, "maxResults": 100}
        if token:
            params["nextToken"] = token
        page = call(client, "list_principals", account_id=account_id, observer=observer, **params)
        yield from page.get("principals", [])
        token = page.get("nextToken")
        if not token:
            return
