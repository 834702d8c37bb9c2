"""Command line: ``python -m aws_emulator`` and ``python manage.py aws_emulator`` share it."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .persistence import StateFileError
from .seed import apply_seed, load_seed_file
from .server import EmulatorServer


def parse_organization(value: str) -> tuple[str, set[str]]:
    """``ORG_ID=111111111111,222222222222`` -> ("ORG_ID", {...})."""
    org_id, _, accounts = value.partition("=")
    members = {account.strip() for account in accounts.split(",") if account.strip()}
    if not org_id or not members or not all(account.isdigit() and len(account) == 12 for account in members):
        raise argparse.ArgumentTypeError(f"expected ORG_ID=ACCOUNT,ACCOUNT (12-digit ids), got {value!r}")
    return org_id, members


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on, 0 for any (default 5000)")
    parser.add_argument("--state", metavar="PATH", help="load state from PATH at start, save it there on exit")
    parser.add_argument("--seed", metavar="FILE", help="JSON/YAML seed document to apply at start")
    parser.add_argument(
        "--org",
        action="append",
        default=[],
        type=parse_organization,
        metavar="ORG_ID=ACCT,ACCT",
        help="an organization whose accounts share without RAM invitations (repeatable)",
    )
    parser.add_argument("--log-requests", action="store_true", help="log every HTTP request")


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    state: str | None = None,
    seed: str | None = None,
    org: Sequence[tuple[str, set[str]]] = (),
    log_requests: bool = False,
    **_: Any,
) -> int:
    """Serve in the foreground until SIGINT/SIGTERM, then save the state file (if any) and return 0."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        server = EmulatorServer(host, port, state_path=state, organizations=dict(org), log_requests=log_requests)
    except StateFileError as error:
        sys.stderr.write(f"aws emulator: {error}\n")
        return 2
    if seed:
        created = apply_seed(load_seed_file(seed))
        logging.getLogger(__name__).info("seeded from %s: %s", seed, created)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopping.set())
    server.start()
    sys.stdout.write(f"AWS emulator listening on {server.endpoint_url}\n")
    sys.stdout.flush()
    while not stopping.wait(0.5):
        pass
    server.stop(save=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aws_emulator",
        description="Local AWS emulator (moto + Lake Formation cross-account sharing) for MeshPortal.",
    )
    add_arguments(parser)
    return serve(**vars(parser.parse_args(argv)))
