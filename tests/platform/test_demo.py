"""The README's first command: scripts/demo sets up, loads the demo mesh, serves the portal with a real
worker, beat and the AWS emulator, answers /healthz, shows the catalog, and Ctrl-C stops everything.

It runs in what a clean clone gets: its own virtualenv (.venv-demo) holding requirements/base.txt and
emulator.txt only, as scripts/demo installs them; never in the dev virtualenv that runs the tests."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.fleet import free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO_VENV = ROOT / ".venv-demo"  # scripts/test builds it before the suite; scripts/demo builds it when missing
pytestmark = pytest.mark.slow


def _session_processes(sid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6 of /proc/<pid>/stat: the session id
            pids.append(int(entry.name))
    return pids


def _get(opener: urllib.request.OpenerDirector, url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def _api(base: str, path: str, token: str = "", body: dict | None = None) -> dict:
    import json

    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode() if body else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _request_is_granted(base: str) -> None:
    import datetime

    token = _api(base, "/api/v1/auth/token/", body={"username": "carol", "password": "meshportal-demo"})["token"]
    product = _api(base, "/api/v1/products/sales-orders/", token)
    port = (product.get("ports") or product["output_ports"])[0]["id"]
    until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    created = _api(
        base,
        "/api/v1/access-requests/",
        token,
        {
            "port": port,
            "principal_arn": "arn:aws:iam::333333333333:role/Analyst",
            "permissions": ["SELECT"],
            "columns": [],
            "purpose": "demo check",
            "requested_until": until,
            "accept_terms": True,
        },
    )
    assert created["status"] == "approved", created
    deadline = time.monotonic() + 60
    status = created["status"]
    while time.monotonic() < deadline and status not in ("granted", "failed"):
        time.sleep(0.5)
        status = _api(base, f"/api/v1/access-requests/{created['id']}/", token)["status"]
    assert status == "granted"


@pytest.mark.timeout(900)  # the first run in a checkout also builds .venv-demo
def test_demo_command_serves_the_demo_mesh_and_stops_on_ctrl_c(tmp_path):
    port, emulator_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "MESHPORTAL_", "AWS_"))
    }
    env.update(
        {
            "PORT": str(port),
            "MESHPORTAL_EMULATOR_PORT": str(emulator_port),
            "MESHPORTAL_VAR_DIR": str(tmp_path),
            "MESHPORTAL_VENV": str(DEMO_VENV),
            # the dev virtualenv that runs this test must not be where the demo finds its packages
            "PATH": os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "/.venv/" not in p + "/"),
        }
    )
    env.pop("VIRTUAL_ENV", None)
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "demo")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener()
        deadline = time.monotonic() + 600  # building .venv-demo on a first run included
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            status, _ = _get(opener, f"{base}/healthz")
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, (tmp_path / "demo.log").read_text()[-3000:]
        # a demo user logs in and sees the demo catalog
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _, login_page = _get(browser, f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        status, page = _get(
            browser,
            f"{base}/accounts/login/",
            {"username": "carol", "password": "meshportal-demo", "csrfmiddlewaretoken": token},
        )
        assert status == 200
        assert "Sales orders" in page or "Sales" in page
        status, page = _get(browser, f"{base}/catalog/products/sales-orders/")
        assert status == 200 and "order_id" in page
        # and the whole flow runs: an auto-approved request is granted by the worker in the emulator
        _request_is_granted(base)
    finally:
        os.kill(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process
        try:
            proc.wait(timeout=60)
        finally:
            log.close()
            leftover = _session_processes(proc.pid)
            for pid in leftover:
                os.kill(pid, signal.SIGKILL)
    assert leftover == [], f"processes still running after Ctrl-C: {leftover}"
    assert (tmp_path / "emulator-state.pickle").exists()  # the emulator saved its state on the way out
    # and it ran on base.txt + emulator.txt alone: no test tool reached the demo's virtualenv
    dev_only = subprocess.run([DEMO_VENV / "bin" / "python", "-c", "import pytest"], capture_output=True, check=False)
    assert dev_only.returncode != 0, "the demo's virtualenv holds dev packages (pytest)"
