"""Builds moto's per-service Flask apps and points Glue, Lake Formation and RAM at the emulator's handlers.

moto builds one Flask app per service from its ``urls.py``; the emulator reuses that app, swaps the
view functions of the three services for its response subclasses, and adds RAM's missing routes.
Nothing in moto's modules is modified, so in-process ``mock_aws`` users see plain moto.

Every app also answers what moto leaves to Flask's HTML error pages in the service's own AWS error shape
(``wire.error_response``): a path no route knows (an operation moto has no handler for) or a handler moto
raises ``NotImplementedError`` in is ``UnknownOperationException`` (HTTP 400, the code AWS's JSON and
REST-JSON services give an operation they do not know); any other uncaught exception is ``InternalFailure``
(HTTP 500, https://docs.aws.amazon.com/lake-formation/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

from flask import Flask, request
from moto.core.utils import convert_to_flask_response
from moto.glue.responses import GlueResponse
from moto.lakeformation.responses import LakeFormationResponse
from moto.moto_server.werkzeug_app import HTTP_METHODS, create_backend_app
from moto.ram.responses import ResourceAccessManagerResponse
from werkzeug.exceptions import InternalServerError, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from . import wire
from .glue_responses import EmulatorGlueResponse
from .lf_responses import EmulatorLakeFormationResponse
from .ram_responses import EXTRA_PATHS, EmulatorRamResponse

# service -> (moto's response class, the emulator's subclass)
OVERRIDES: dict[str, tuple[type, type]] = {
    "glue": (GlueResponse, EmulatorGlueResponse),
    "lakeformation": (LakeFormationResponse, EmulatorLakeFormationResponse),
    "ram": (ResourceAccessManagerResponse, EmulatorRamResponse),
}


def create_app(service: str) -> Flask:
    app = create_backend_app(service)  # type: ignore[arg-type]
    _answer_errors_as_aws(app, service)
    override = OVERRIDES.get(service)
    if override is None:
        return app
    base, replacement = override
    view = convert_to_flask_response(replacement.dispatch)  # type: ignore[attr-defined]
    replaced = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{base.__name__}.dispatch"):
            app.view_functions[rule.endpoint] = view
            replaced += 1
    if not replaced:
        raise RuntimeError(f"moto's {service} app has no {base.__name__}.dispatch route to extend")
    if service == "ram":
        for path in EXTRA_PATHS:
            app.add_url_rule(
                path, endpoint=f"emulator{path}", view_func=view, methods=HTTP_METHODS, strict_slashes=False
            )
    return app


def _operation_name(service: str) -> str:
    operation = wire.identify(request.environ)
    return (
        operation.name if operation is not None and operation.name != "Unknown" else f"{request.method} {request.path}"
    )


def _answer_errors_as_aws(app: Flask, service: str) -> None:
    def unknown_operation(error: Exception) -> Response:
        return wire.error_response(
            service,
            "UnknownOperationException",
            f"The AWS emulator does not implement {service}:{_operation_name(service)} (docs/emulator.md).",
            400,
        )

    def internal_failure(error: InternalServerError) -> Response:
        original = error.original_exception
        if isinstance(original, NotImplementedError):
            return unknown_operation(original)
        detail = f"{type(original).__name__}: {original}" if original is not None else "internal error"
        return wire.error_response(
            service, "InternalFailure", f"The AWS emulator failed on {_operation_name(service)}: {detail}", 500
        )

    # moto's apps propagate exceptions (werkzeug then writes an HTML 500); handle them here instead.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # Registered by class, not by status code: moto's own errors (``RESTError``) are HTTPExceptions with
    # these status codes too, and must keep their own bodies.
    app.register_error_handler(NotFound, unknown_operation)
    app.register_error_handler(MethodNotAllowed, unknown_operation)
    app.register_error_handler(InternalServerError, internal_failure)
