from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.production",
            "DJANGO_SECRET_KEY": "h8Gk2#pLq9zR!vX4mN7wT1yB6cD3fJ0sE5uA_Kx%ZtQ@Wr-test-only-value",
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            "MESHPORTAL_VAR_DIR": str(tmp_path),
        }
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.production",
            "DJANGO_ALLOWED_HOSTS": "x.example.com",
            "MESHPORTAL_VAR_DIR": str(tmp_path),
        }
    )
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_database_url_selects_postgresql():
    import dj_database_url

    parsed = dj_database_url.parse("postgres://u:p@db.example.com:5432/mesh")
    assert parsed["ENGINE"] == "django.db.backends.postgresql" and parsed["HOST"] == "db.example.com"


def test_defaults_are_embedded(settings):
    # With no configuration: SQLite, a server-less broker, and the local AWS emulator.
    from meshportal.settings import base

    assert base.CELERY_BROKER_URL.startswith("filesystem://") or os.environ.get("CELERY_BROKER_URL")
    assert base.MESHPORTAL_AWS_MODE == "emulator" or os.environ.get("MESHPORTAL_AWS_MODE")
    assert base.CELERY_TASK_ALWAYS_EAGER is False


def _signed_in_client():  # type: ignore[no-untyped-def]
    """The schema and Swagger UI are for signed-in users (tests/platform/test_exposure.py)."""
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="schema-reader"))
    return client


def test_openapi_schema_is_valid_openapi_3(db):
    from openapi_spec_validator import validate

    response = _signed_in_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/auth/token/" in spec["paths"]


def test_swagger_ui_is_served_locally(db):
    client = _signed_in_client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")  # the start-up script, a file of its own (CSP)
    assert script.status_code == 200 and "cdn" not in script.content.decode().lower()


def _sqs_settings(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MESHPORTAL_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.dev",
            "MESHPORTAL_VAR_DIR": str(tmp_path),
            "CELERY_BROKER_URL": "sqs://",
            **extra,
        }
    )
    code = "import json; from django.conf import settings; print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"
    return _manage("shell", "-c", code, env=env)


def test_sqs_broker_options_come_from_the_environment(tmp_path):
    import json

    result = _sqs_settings(
        tmp_path,
        AWS_DEFAULT_REGION="eu-central-1",
        MESHPORTAL_SQS_VISIBILITY_TIMEOUT="9000",
        MESHPORTAL_SQS_QUEUE_URLS="celery=https://sqs.eu-central-1.amazonaws.com/444455556666/meshportal-celery",
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["region"] == "eu-central-1"
    assert options["queue_name_prefix"] == "meshportal-"
    assert options["visibility_timeout"] == 9000
    assert options["wait_time_seconds"] == 10
    assert options["predefined_queues"] == {
        "celery": {"url": "https://sqs.eu-central-1.amazonaws.com/444455556666/meshportal-celery"}
    }


def test_sqs_visibility_timeout_shorter_than_the_job_lease_is_refused(tmp_path):
    result = _sqs_settings(tmp_path, MESHPORTAL_SQS_VISIBILITY_TIMEOUT="120", MESHPORTAL_JOB_LEASE_SECONDS="300")
    assert result.returncode != 0
    assert "MESHPORTAL_SQS_VISIBILITY_TIMEOUT must be longer" in result.stderr


def test_sqs_visibility_timeout_must_outlast_every_outbox_kind(tmp_path):
    # 4,000 s covers provisioning and webhooks by default, but not a harvest leased for 5,000 s.
    result = _sqs_settings(tmp_path, MESHPORTAL_SQS_VISIBILITY_TIMEOUT="4000", MESHPORTAL_HARVEST_LEASE_SECONDS="5000")
    assert result.returncode != 0
    assert "every outbox lease and retry cap (5000 s" in result.stderr
