"""AWS errors translated into one exception type that says whether retrying can heal it."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, EndpointConnectionError, ReadTimeoutError

# Errors that heal by themselves: throttling, concurrent writers, transient service faults.
# https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ConcurrentModificationException",
        "InternalServiceException",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "OperationTimeoutException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
    }
)


class AwsError(Exception):
    def __init__(
        self,
        *,
        code: str,
        message: str,
        operation: str,
        retryable: bool,
        http_status: int | None = None,
        account_id: str = "",
    ):
        super().__init__(f"{operation}: {code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation
        self.retryable = retryable
        self.http_status = http_status
        self.account_id = account_id  # where the call was made, when known (to tell people where it failed)

    @classmethod
    def from_exception(cls, exc: Exception, operation: str) -> AwsError:
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            code = err.get("Code", "Unknown")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return cls(
                code=code,
                message=err.get("Message", str(exc)),
                operation=operation,
                retryable=code in RETRYABLE_CODES or (status or 0) >= 500,
                http_status=status,
            )
        if isinstance(exc, (EndpointConnectionError, ConnectionError, ReadTimeoutError)):
            return cls(code="EndpointUnreachable", message=str(exc), operation=operation, retryable=True)
        if isinstance(exc, BotoCoreError):
            return cls(code=type(exc).__name__, message=str(exc), operation=operation, retryable=False)
        raise TypeError(f"not an AWS error: {exc!r}")
