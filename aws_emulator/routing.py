"""Builds moto's per-service Flask apps and points Glue, Lake Formation and RAM at the emulator's handlers.

moto builds one Flask app per service from its ``urls.py``; the emulator reuses that app, swaps the
view functions of the three services for its response subclasses, and adds RAM's missing routes.
Nothing in moto's modules is modified, so in-process ``mock_aws`` users see plain moto.
"""

from __future__ import annotations

from flask import Flask
from moto.core.utils import convert_to_flask_response
from moto.glue.responses import GlueResponse
from moto.lakeformation.responses import LakeFormationResponse
from moto.moto_server.werkzeug_app import HTTP_METHODS, create_backend_app
from moto.ram.responses import ResourceAccessManagerResponse

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
