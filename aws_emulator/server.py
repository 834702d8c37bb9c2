"""The emulator's WSGI app and HTTP server: moto server plus the control endpoints and fault injection."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from moto.moto_api._internal import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request

from . import control, patches, wire
from .faults import FaultInjector
from .persistence import load_state, save_state
from .routing import create_app
from .state import DISPATCH_LOCK, MESH
from .stats import CallStats

logger = logging.getLogger(__name__)


class EmulatorApp:
    """WSGI app: control endpoints, then call counting and faults, then moto (one call at a time)."""

    def __init__(self, *, state_path: str | None = None) -> None:
        self.state_path = state_path
        self.faults = FaultInjector()
        self.stats = CallStats()
        self.moto = DomainDispatcherApplication(create_app)  # type: ignore[arg-type]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if control.handles(path, str(environ.get("REQUEST_METHOD", "GET"))):
            return control.dispatch(self, Request(environ))(environ, start_response)
        operation = wire.identify(environ)
        if operation is not None:
            self.stats.record(operation)
            delay, rule = self.faults.decide(operation)
            if delay:
                time.sleep(delay)
            if rule is not None and rule.error is not None:
                response = wire.error_response(operation.service, rule.error, rule.message, rule.status)
                return response(environ, start_response)
        if operation is not None:
            start_response = wire.json_content_type(operation.service, start_response)
        with DISPATCH_LOCK:
            return self.moto(environ, start_response)

    def reset(self) -> None:
        with DISPATCH_LOCK:
            moto_api_backend.reset()
            MESH.reset()
        self.faults.clear()
        self.stats.reset()


class _RequestHandler(MotoRequestHandler):
    log_requests = False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.log_requests:
            super().log_request(code, size)


class EmulatorServer:
    """Serves the emulator on ``host:port`` (port 0 picks a free one), in a thread or the foreground."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        *,
        state_path: str | os.PathLike[str] | None = None,
        organizations: dict[str, set[str]] | None = None,
        log_requests: bool = False,
    ) -> None:
        patches.install()
        self.state_path = str(state_path) if state_path else None
        MESH.startup_organizations = {org: set(accounts) for org, accounts in (organizations or {}).items()}
        MESH.set_organizations(MESH.startup_organizations)
        if self.state_path and Path(self.state_path).exists():
            load_state(self.state_path)
            # Organizations given now win over the saved ones of the same id.
            MESH.organizations.update({org: set(accounts) for org, accounts in MESH.startup_organizations.items()})
            logger.info("loaded emulator state from %s", self.state_path)
        self.app = EmulatorApp(state_path=self.state_path)
        handler = type("RequestHandler", (_RequestHandler,), {"log_requests": log_requests})
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a daemon thread; returns once the socket accepts connections."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulator", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self, *, save: bool = True) -> None:
        """Stop serving; a clean stop writes the state file when one was configured."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if save and self.state_path:
            save_state(self.state_path)
            logger.info("saved emulator state to %s", self.state_path)
