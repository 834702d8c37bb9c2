"""Test helpers: run the emulator once per test session and talk to it like any AWS endpoint.

    from aws_emulator.testing import running_emulator

    @pytest.fixture(scope="session")
    def aws_emulator():
        with running_emulator() as emulator:
            yield emulator

    @pytest.fixture
    def aws(aws_emulator):
        aws_emulator.reset()          # every test starts empty, faults and counters cleared
        return aws_emulator

    def test_grant(aws):
        glue = aws.client("glue", account_id="111111111111")

``mode="thread"`` (default) serves from a daemon thread of the test process; do not combine it with
moto's in-process ``mock_aws`` in the same process, which resets the same global backends and
intercepts botocore. ``mode="subprocess"`` runs ``python -m aws_emulator`` instead.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
DEFAULT_ROLE = "MeshPortal"
DEFAULT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3})
# Credentials for the bootstrap STS client; moto accepts any.
_BOOTSTRAP_KEY, _BOOTSTRAP_SECRET = "AKIAMESHPORTALTEST00", "emulator-secret"


class EmulatorHandle:
    """A running emulator: its endpoint, control calls, and boto3 clients per account."""

    def __init__(self, endpoint_url: str, *, region: str = DEFAULT_REGION) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._credentials: dict[tuple[str, str], dict[str, str]] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.RLock()

    # -- control endpoints
    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        url = f"{self.endpoint_url}/_emulator/{path}"
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http to our server
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our loopback server
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise EmulatorControlError(f"{method} {path}: {error.code} {error.read().decode()}") from error

    def health(self) -> dict[str, Any]:
        return self.control("GET", "health")

    def reset(self) -> None:
        """Full reset: moto state, shares, invitations, faults and counters. Clients stay valid."""
        self.control("POST", "reset")

    def inject_fault(
        self,
        *,
        service: str,
        operation: str = "*",
        error: str | None = None,
        count: int | None = None,
        rate: float | None = None,
        latency_ms: int | None = None,
        status: int | None = None,
        message: str | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        spec = {
            "service": service,
            "operation": operation,
            "error": error,
            "count": count,
            "rate": rate,
            "latency_ms": latency_ms,
            "status": status,
            "message": message,
            "seed": seed,
        }
        return self.control("POST", "faults", {key: value for key, value in spec.items() if value is not None})

    def faults(self) -> dict[str, Any]:
        return self.control("GET", "faults")

    def clear_faults(self) -> None:
        self.control("DELETE", "faults")

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")

    def reset_stats(self) -> None:
        self.control("DELETE", "stats")

    def calls(self, service: str, operation: str) -> int:
        return int(self.stats()["services"].get(service, {}).get(operation, 0))

    def save(self, path: str | os.PathLike[str] | None = None) -> str:
        return str(self.control("POST", "save", {"path": str(path)} if path else {})["saved"])

    def seed(self, document: dict[str, Any]) -> dict[str, int]:
        return self.control("POST", "seed", document)["created"]

    def set_organizations(self, organizations: dict[str, list[str]]) -> None:
        self.control("PUT", "organizations", organizations)

    # -- boto3
    def credentials(self, account_id: str, role_name: str = DEFAULT_ROLE) -> dict[str, str]:
        """Assumed-role credentials for ``arn:aws:iam::<account_id>:role/<role_name>`` (cached)."""
        with self._lock:
            cached = self._credentials.get((account_id, role_name))
            if cached is None:
                sts = boto3.client(
                    "sts",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id=_BOOTSTRAP_KEY,
                    aws_secret_access_key=_BOOTSTRAP_SECRET,
                )
                issued = sts.assume_role(
                    RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="meshportal-tests"
                )["Credentials"]
                cached = {
                    "aws_access_key_id": issued["AccessKeyId"],
                    "aws_secret_access_key": issued["SecretAccessKey"],
                    "aws_session_token": issued["SessionToken"],
                }
                self._credentials[(account_id, role_name)] = cached
            return dict(cached)

    def session(self, account_id: str, role_name: str = DEFAULT_ROLE) -> boto3.Session:
        credentials = self.credentials(account_id, role_name)
        return boto3.Session(
            aws_access_key_id=credentials["aws_access_key_id"],
            aws_secret_access_key=credentials["aws_secret_access_key"],
            aws_session_token=credentials["aws_session_token"],
            region_name=self.region,
        )

    def client(
        self, service: str, account_id: str, *, role_name: str = DEFAULT_ROLE, config: Config | None = None
    ) -> Any:
        """A boto3 client acting in ``account_id``; retries default to standard mode, 3 attempts in all.

        Clients with the default config are cached (boto3 clients are thread-safe and building one costs
        ~0.1 s); they stay valid across ``reset()``.
        """
        key = (service, account_id, role_name)
        with self._lock:
            if config is None and key in self._clients:
                return self._clients[key]
            session = self.session(account_id, role_name)
            make_client: Any = session.client  # boto3-stubs overloads want a literal service name
            client = make_client(service, endpoint_url=self.endpoint_url, config=config or DEFAULT_CONFIG)
            if config is None:
                self._clients[key] = client
            return client


class EmulatorControlError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_emulator(
    *,
    mode: str = "thread",
    state_path: str | os.PathLike[str] | None = None,
    organizations: dict[str, list[str]] | None = None,
    seed_path: str | os.PathLike[str] | None = None,
    region: str = DEFAULT_REGION,
) -> Iterator[EmulatorHandle]:
    """Start the emulator on a free loopback port; stop it (saving state if configured) on exit."""
    if mode == "thread":
        with _thread_emulator(state_path, organizations, seed_path, region) as handle:
            yield handle
    elif mode == "subprocess":
        with _subprocess_emulator(state_path, organizations, seed_path, region) as handle:
            yield handle
    else:
        raise ValueError(f"mode must be 'thread' or 'subprocess', not {mode!r}")


@contextmanager
def _thread_emulator(state_path: Any, organizations: Any, seed_path: Any, region: str) -> Iterator[EmulatorHandle]:
    from .seed import apply_seed, load_seed_file
    from .server import EmulatorServer

    orgs = {org: set(accounts) for org, accounts in (organizations or {}).items()}
    server = EmulatorServer("127.0.0.1", 0, state_path=state_path, organizations=orgs)
    if seed_path:
        apply_seed(load_seed_file(seed_path))
    server.start()
    try:
        yield EmulatorHandle(server.endpoint_url, region=region)
    finally:
        server.stop(save=True)


@contextmanager
def _subprocess_emulator(state_path: Any, organizations: Any, seed_path: Any, region: str) -> Iterator[EmulatorHandle]:
    port = free_port()
    command = [sys.executable, "-m", "aws_emulator", "--port", str(port)]
    if state_path:
        command += ["--state", str(state_path)]
    if seed_path:
        command += ["--seed", str(seed_path)]
    for org, accounts in (organizations or {}).items():
        command += ["--org", f"{org}={','.join(accounts)}"]
    root = Path(__file__).resolve().parents[1]
    # Output goes to a file, not a pipe nobody reads (a full pipe would block the server).
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command, cwd=root, stdout=output, stderr=subprocess.STDOUT, text=True
        )
        handle = EmulatorHandle(f"http://127.0.0.1:{port}", region=region)
        try:
            _wait_until_healthy(handle, process, output)
            yield handle
        finally:
            stop_subprocess(process)


def _wait_until_healthy(
    handle: EmulatorHandle, process: subprocess.Popen[str], output: Any, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise EmulatorControlError(f"emulator exited with {process.returncode}: {output.read()}")
        try:
            handle.health()
            return
        except (OSError, EmulatorControlError):
            time.sleep(0.1)
    raise EmulatorControlError(f"emulator not healthy after {timeout}s")


def stop_subprocess(process: subprocess.Popen[str], timeout: float = 15) -> int:
    """SIGTERM (a clean stop: the emulator saves its state), then wait; kill if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return int(process.returncode)
