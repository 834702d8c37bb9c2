"""Opaque offset tokens for the list operations the emulator pages itself.

Like AWS tokens they are opaque strings, valid only for the same listing; callers must not parse them.
"""

from __future__ import annotations

import base64
import binascii
import json

from .errors import InvalidInputError


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise InvalidInputError("Invalid NextToken.") from error
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError("Invalid NextToken.")
    return offset


def paginate[T](items: list[T], *, max_results: int, next_token: str | None) -> tuple[list[T], str | None]:
    start = decode_token(next_token) if next_token else 0
    end = start + max_results
    return items[start:end], (encode_token(end) if end < len(items) else None)
