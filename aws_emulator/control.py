"""The ``/_emulator/*`` control endpoints (JSON in, JSON out).

=========================  ======  ==============================================================
path                       method  does
=========================  ======  ==============================================================
/_emulator/health          GET     liveness, moto version, state file
/_emulator/faults          GET     fault rules with their counters
/_emulator/faults          POST    add a rule (see ``faults``); answers the rule
/_emulator/faults          DELETE  remove every rule
/_emulator/stats           GET     AWS calls per service and operation
/_emulator/stats           DELETE  zero the counters
/_emulator/reset           POST    full reset: moto, shares, invitations, faults, stats
/_emulator/save            POST    write the state file (``{"path": ...}`` or the --state path)
/_emulator/seed            POST    apply a seed document (see ``seed``)
/_emulator/organizations   GET     configured organizations
/_emulator/organizations   PUT     replace them: ``{"o-id": ["111111111111", ...]}``
/moto-api/reset            POST    same as /_emulator/reset, so moto's own reset keeps us consistent
=========================  ======  ==============================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import moto
from werkzeug.wrappers import Request, Response

from .faults import FaultSpecError
from .persistence import save_state
from .seed import SeedError, apply_seed
from .state import DISPATCH_LOCK, MESH

if TYPE_CHECKING:
    from .server import EmulatorApp

Handler = Callable[["EmulatorApp", Request], Response]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=sorted), status=status, content_type="application/json")


def _body(request: Request) -> Any:
    if not request.get_data():
        return {}
    try:
        return json.loads(request.get_data())
    except ValueError as error:
        raise BadRequestError(f"body is not JSON: {error}") from error


class BadRequestError(Exception):
    pass


def health(app: EmulatorApp, request: Request) -> Response:
    return _json({"status": "ok", "moto_version": moto.__version__, "state_path": app.state_path})


def get_faults(app: EmulatorApp, request: Request) -> Response:
    return _json(app.faults.describe())


def add_fault(app: EmulatorApp, request: Request) -> Response:
    spec = _body(request)
    if not isinstance(spec, dict):
        raise BadRequestError("a fault rule is a JSON object")
    try:
        rule = app.faults.add(spec)
    except FaultSpecError as error:
        raise BadRequestError(str(error)) from error
    return _json(rule.describe(), status=201)


def clear_faults(app: EmulatorApp, request: Request) -> Response:
    app.faults.clear()
    return _json({"rules": []})


def get_stats(app: EmulatorApp, request: Request) -> Response:
    return _json(app.stats.describe())


def reset_stats(app: EmulatorApp, request: Request) -> Response:
    app.stats.reset()
    return _json(app.stats.describe())


def reset(app: EmulatorApp, request: Request) -> Response:
    app.reset()
    return _json({"status": "reset"})


def save(app: EmulatorApp, request: Request) -> Response:
    path = _body(request).get("path") or app.state_path
    if not path:
        raise BadRequestError('no state path: start with --state PATH or POST {"path": ...}')
    return _json({"saved": str(save_state(path))})


def seed(app: EmulatorApp, request: Request) -> Response:
    try:
        return _json({"created": apply_seed(_body(request))})
    except (SeedError, KeyError, TypeError) as error:
        raise BadRequestError(f"invalid seed document: {error!r}") from error


def get_organizations(app: EmulatorApp, request: Request) -> Response:
    return _json({org: sorted(accounts) for org, accounts in MESH.organizations.items()})


def put_organizations(app: EmulatorApp, request: Request) -> Response:
    body = _body(request)
    if not isinstance(body, dict) or not all(isinstance(accounts, list) for accounts in body.values()):
        raise BadRequestError('organizations are {"o-id": ["111111111111", ...]}')
    with DISPATCH_LOCK:
        MESH.set_organizations({str(org): {str(account) for account in accounts} for org, accounts in body.items()})
    return get_organizations(app, request)


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/_emulator/health"): health,
    ("GET", "/_emulator/faults"): get_faults,
    ("POST", "/_emulator/faults"): add_fault,
    ("DELETE", "/_emulator/faults"): clear_faults,
    ("GET", "/_emulator/stats"): get_stats,
    ("DELETE", "/_emulator/stats"): reset_stats,
    ("POST", "/_emulator/reset"): reset,
    ("POST", "/moto-api/reset"): reset,
    ("POST", "/_emulator/save"): save,
    ("POST", "/_emulator/seed"): seed,
    ("GET", "/_emulator/organizations"): get_organizations,
    ("PUT", "/_emulator/organizations"): put_organizations,
}


def handles(path: str, method: str) -> bool:
    return path.startswith("/_emulator/") or (method, path) in ROUTES


def dispatch(app: EmulatorApp, request: Request) -> Response:
    handler = ROUTES.get((request.method, request.path.rstrip("/")))
    if handler is None:
        return _json({"error": f"no control endpoint {request.method} {request.path}"}, status=404)
    try:
        return handler(app, request)
    except BadRequestError as error:
        return _json({"error": str(error)}, status=400)
