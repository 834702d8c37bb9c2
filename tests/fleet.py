"""A small fleet for integration tests and benchmarks: a private Redis, the AWS emulator in its own
process, and real Celery worker processes against a given database. Everything on loopback, bounded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kombu import pools as kombu_pools

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on a free port, so a test can restart its broker without touching
    anybody else's Redis."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if not self.binary:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # no save: queued messages are lost, as in a crash
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


class Workers:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, *, concurrency: int = 2, pool: str = "prefork") -> subprocess.Popen:
        full_env = {
            **os.environ,
            **self.env,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.dev",
            "LOG_LEVEL": "WARNING",
        }
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "meshportal",
                "worker",
                "-P",
                pool,
                "-c",
                str(concurrency),
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"w{len(self.procs)}@%h",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool children: no cleanup, no acks."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def use_broker(url: str) -> dict[str, Any]:
    """Point this process's Celery app at ``url`` and stop running tasks eagerly; returns what to restore."""
    from meshportal.celery import app

    saved = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "broker_transport_options": app.conf.broker_transport_options,
    }
    _drop_pool(app)
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    return saved


def _drop_pool(app: Any) -> None:
    # Pooled producer connections still point at the previous broker: close them and start afresh.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None  # built on the old connection pool
    # kombu keeps producer pools in a process-wide registry keyed by broker: the one made for the broker
    # restored later would still hold the connection pool closed above ("Acquire on closed pool" on the
    # next real commit that sends a task, e.g. a live-server test).
    kombu_pools.reset()


def restore_broker(saved: dict[str, Any]) -> None:
    from meshportal.celery import app

    _drop_pool(app)
    for key, value in saved.items():
        setattr(app.conf, key, value)
