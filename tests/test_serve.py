"""make serve for real: bin/serve starts gunicorn (DEBUG=0) and a task worker
on a free port against a copy of the test database; /healthz answers 200,
WhiteNoise serves a collected static file, and SIGTERM ends every process."""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN = 90  # seconds; about 10 on an idle machine

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    """The migrated test database, where another process can reach it."""
    if connection.vendor == "sqlite":
        # In memory: copied to a file (SQLite's online backup).
        path = tmp_path / "serve.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    db = connection.settings_dict
    login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def collect_scripts(static_root: Path, settings) -> None:
    """What make serve collects, minus the fonts, vendored and admin files
    whose compression would take half a minute: only static/js/."""
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    ignore = ["admin", "fonts", "vendor", "css", "*.md"]
    call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=ignore)


def get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_until_healthy(server: subprocess.Popen, port: int, log: Path) -> dict:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        assert server.poll() is None, "bin/serve exited early:\n" + log.read_text(errors="replace")[-3000:]
        try:
            status, _, body = get(port, "/healthz")
        except OSError:
            status = None
        if status == 200:
            return json.loads(body)
        time.sleep(0.3)
    raise AssertionError(f"/healthz not 200 within {READY_WITHIN} s:\n" + log.read_text(errors="replace")[-3000:])


def group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_make_serve_runs_gunicorn_and_a_worker_and_stops_them_all(tmp_path, settings):
    static_root = tmp_path / "static"
    collect_scripts(static_root, settings)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "SECRET_KEY"}}
    env.update(
        DEBUG="1",  # what the Makefile exports; bin/serve turns it off
        DATABASE_URL=database_url(tmp_path), PORT=str(port), WORKERS="1", TASK_WORKERS="1",
        VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(static_root),
    )
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "bin/serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        report = wait_until_healthy(server, port, tmp_path / "serve.log")
        assert report["failing"] == [] and "applies" not in report["checks"]["worker"]
        assert report["checks"]["worker"]["heartbeat_age_seconds"] < 60

        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        hashed = manifest["js/households.js"]
        # As nginx passes it on: the request came over HTTPS.
        status, headers, body = get(port, f"/static/{hashed}", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert body == (ROOT / "static" / "js" / "households.js").read_bytes()
        assert "immutable" in headers["Cache-Control"]
        # DEBUG is off: plain HTTP is sent to HTTPS, except for the probe.
        assert get(port, "/accounts/login/")[0] == 301
        assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert returncode == 0, output[-3000:]
    assert group_gone(server.pid, within=10), "processes left behind:\n" + output[-3000:]


def test_make_serve_runs_bin_serve_on_its_port():
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    dry_run = subprocess.run(["make", "-n", "serve", "PORT=8123"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "PORT=8123 .venv/bin/python bin/serve" in dry_run.stdout
