"""AWS error shapes raised by the emulator's handlers.

All of them are moto ``JsonRESTError`` subclasses, so moto's own wire handling turns them into the
JSON error body (``{"__type": ..., "message": ...}``) that botocore parses into ``ClientError`` codes.
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class InvalidInputError(JsonRESTError):
    """Lake Formation / Glue ``InvalidInputException`` (HTTP 400)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidInputException", message)


class EntityNotFoundError(JsonRESTError):
    """Lake Formation / Glue ``EntityNotFoundException`` (HTTP 400)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("EntityNotFoundException", message)


class AccessDeniedError(JsonRESTError):
    """``AccessDeniedException`` (HTTP 400, as Lake Formation and Glue answer it)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("AccessDeniedException", message)


class RamError(JsonRESTError):
    """A RAM error; RAM names its error codes after the exception, e.g. ``UnknownResourceException``.

    https://docs.aws.amazon.com/ram/latest/APIReference/CommonErrors.html
    """

    code = 400

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(error_type, message)
