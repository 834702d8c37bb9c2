"""docker-compose.yml: there is no Docker engine here, so check what can be checked — the file parses, has
every service with healthchecks and a database volume, and every command it runs works outside Docker
against local PostgreSQL, Redis and the emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import REDIS_URL, _free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_has_the_full_stack_with_healthchecks_and_a_volume():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "aws-emulator", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "aws-emulator"):
        assert "healthcheck" in services[name], name
    assert any(v.startswith("pgdata:/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert "pgdata" in COMPOSE["volumes"]
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "meshportal.settings.production"
    assert services["worker"]["environment"]["CELERY_BROKER_URL"].startswith("redis://")


def _dockerfile_stages() -> dict[str, str]:
    """Dockerfile stage name -> its text; an unnamed stage is "<default>"."""
    stages: dict[str, str] = {}
    name = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            words = line.split()
            name = words[3] if len(words) >= 4 and words[2].upper() == "AS" else "<default>"
            stages[name] = ""
        if name:
            stages[name] += line + "\n"
    return stages


def test_only_the_emulator_image_installs_moto():
    services = COMPOSE["services"]
    stages = _dockerfile_stages()
    assert list(stages)[-1] == "<default>" and stages["<default>"].startswith("FROM portal")
    assert "requirements/base.txt" in stages["portal"] and "emulator.txt" not in stages["portal"]
    assert "requirements/emulator.txt" in stages["aws-emulator"]
    assert services["aws-emulator"]["build"]["target"] == "aws-emulator"
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["build"]["target"] == "portal", name


def _env(tmp_path: Path, emulator_port: int, db_name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "MESHPORTAL_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.production",
            "DJANGO_SECRET_KEY": "compose-test-" + "k7Qz!pL2#vR9wX4m" * 4,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}",
            "CELERY_BROKER_URL": REDIS_URL,
            "MESHPORTAL_AWS_MODE": "emulator",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{emulator_port}",
            "MESHPORTAL_VAR_DIR": str(tmp_path),
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            # the image's python, gunicorn and celery are this virtualenv's
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def _command(service: str, replacements: dict[str, str]) -> list[str]:
    command = list(COMPOSE["services"][service]["command"])
    return [replacements.get(part, part).replace("/data/", replacements["/data/"]) for part in command]


def _wait_http(url: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.status
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_every_compose_command_runs_outside_docker(tmp_path):
    import psycopg2

    db_name = f"meshportal_compose_{os.getpid()}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db_name}"')
    admin.cursor().execute(f'CREATE DATABASE "{db_name}"')
    emulator_port, web_port = _free_port(), _free_port()
    env = _env(tmp_path, emulator_port, db_name)
    subs = {
        "/data/": f"{tmp_path}/",
        "5005": str(emulator_port),
        "0.0.0.0:8000": f"127.0.0.1:{web_port}",
        "0.0.0.0": "127.0.0.1",
    }
    procs: list[subprocess.Popen] = []

    def start(service: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            _command(service, subs),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        migrate = subprocess.run(
            _command("migrate", subs), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert migrate.returncode == 0, migrate.stderr
        start("aws-emulator")
        assert _wait_http(f"http://127.0.0.1:{emulator_port}/_emulator/health") == 200
        web = start("web")
        worker = start("worker")
        beat = start("beat")
        assert _wait_http(f"http://127.0.0.1:{web_port}/healthz") == 200
        time.sleep(3)
        for proc in (web, worker, beat):
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        ping = subprocess.run(
            [*_command("worker", subs)[:3], "inspect", "ping", "--timeout", "10"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert "pong" in ping.stdout, ping.stdout + ping.stderr
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()


def test_gunicorn_workers_freeze_what_loading_the_application_created():
    import gc

    from meshportal import gunicorn_conf

    assert "python:meshportal.gunicorn_conf" in COMPOSE["services"]["web"]["command"]
    before = gc.get_freeze_count()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
