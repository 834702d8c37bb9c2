"""The two process-wide patches the emulator applies to moto: credentials keep their account.

moto maps an access key to its account by searching the IAM backends, and STS ``AssumeRole`` into
``arn:aws:iam::<acct>:role/X`` creates its key in account ``<acct>``'s IAM backend. A reset wipes those
backends, after which a cached boto3 session silently lands in the default account 123456789012.
The emulator records every key STS issues and falls back to that record, so a key keeps its account
across resets and restarts (as real STS credentials stay valid until they expire).
"""

from __future__ import annotations

import functools
from typing import Any

import moto.iam.models as iam_models
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sts.models import STSBackend

from .state import MESH

_MARKER = "_meshportal_emulator"


def install() -> None:
    """Idempotent; called by the server before it serves."""
    if getattr(iam_models.get_account_id_from, _MARKER, False):
        return
    original_lookup = iam_models.get_account_id_from

    @functools.wraps(original_lookup)
    def get_account_id_from(access_key: str) -> str:
        account = original_lookup(access_key)
        if account == DEFAULT_ACCOUNT_ID:
            return MESH.credentials.get(access_key, account)
        return account

    original_assume_role = STSBackend.assume_role

    @functools.wraps(original_assume_role)
    def assume_role(self: STSBackend, *args: Any, **kwargs: Any) -> Any:
        role = original_assume_role(self, *args, **kwargs)
        MESH.credentials[role.access_key_id] = role.account_id
        return role

    setattr(get_account_id_from, _MARKER, True)
    # moto.core.responses imports get_account_id_from inside get_current_account, at call time.
    iam_models.get_account_id_from = get_account_id_from
    STSBackend.assume_role = assume_role  # type: ignore[method-assign]
