"""Several processes, one system: two gunicorn servers (separate ports) and
two task workers on one PostgreSQL database, as a county runs them behind a
load balancer. Nothing is mocked: the processes are started here (DEBUG=0)
against the committed test database, and one browser's cookies go to
either server, request by request.

- a session signed in on A is valid on B (an ID number looked up on A is
  found by B's list), and signing out on B ends it on A;
- background jobs (township batch printing) started on A and on B each run
  exactly once, whichever worker takes them; their progress and result are
  seen on the other server, and the file downloads from both;
- wrong passwords spread over A and B lock the user on both.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from povertyrelief.models import Job, PersonalDataAccess, Role
from tests.conftest import IDS, PASSWORD, make_area, make_household, make_user

ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN = 90  # seconds; a few on an idle machine
JOB_WITHIN = 90

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database, committed, where the other processes reach it."""
    db = connection.settings_dict
    login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One person's browser: its cookies go to whichever server a request is
    sent to, as behind a load balancer (cookies are per host, not per port)."""

    cookies: dict = field(default_factory=dict)

    def request(self, port: int, method: str, path: str, data: dict | None = None, **headers) -> Response:
        headers = {"Host": f"127.0.0.1:{port}", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            result = Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
            self._keep(response.msg.get_all("Set-Cookie") or [])
            return result
        finally:
            conn.close()

    def _keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, port: int, path: str, **headers) -> Response:
        return self.request(port, "GET", path, **headers)

    def post(self, port: int, path: str, data: dict) -> Response:
        if "csrftoken" not in self.cookies:
            self.get(port, "/accounts/login/")
        return self.request(port, "POST", path, data)

    def log_in(self, port: int, username: str, password: str = PASSWORD) -> Response:
        self.get(port, "/accounts/login/")
        return self.post(port, "/accounts/login/", {"username": username, "password": password})


@dataclass
class Cluster:
    a: int
    b: int
    processes: dict
    logs: Path

    def tail(self) -> str:
        parts = []
        for name in self.processes:
            text = (self.logs / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} ---\n{text[-1500:]}")
        return "\n".join(parts)

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        assert not dead, f"processes exited: {dead}\n{self.tail()}"


def collect_static(static_root: Path) -> None:
    """All static files with their hashed names (the manifest the pages
    need with DEBUG off), uncompressed: WhiteNoise's compression would take
    half a minute and changes nothing here."""
    storages = {
        **global_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=static_root, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)


def start(name: str, args: list[str], env: dict, logs: Path) -> subprocess.Popen:
    with open(logs / f"{name}.log", "wb") as log:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(processes: dict) -> None:
    """SIGINT (gunicorn's quick shutdown; a worker stops after its task),
    then SIGKILL for whatever is still running 10 s later."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + 10
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_healthy(cluster: Cluster) -> None:
    """Both servers answer /healthz with 200: database, migrations and a
    task worker's heartbeat."""
    deadline = time.monotonic() + READY_WITHIN
    waiting = {cluster.a, cluster.b}
    while waiting and time.monotonic() < deadline:
        cluster.check_alive()
        for port in list(waiting):
            try:
                if Browser().get(port, "/healthz").status == 200:
                    waiting.discard(port)
            except OSError:
                pass
        time.sleep(0.3)
    assert not waiting, f"ports {waiting} not healthy within {READY_WITHIN} s\n{cluster.tail()}"


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two gunicorn servers and two task workers, for the whole module;
    each test writes its own rows (the test database is emptied after each)."""
    base = tmp_path_factory.mktemp("multiprocess")
    logs = base / "logs"
    logs.mkdir()
    collect_static(base / "static")
    with django_db_blocker.unblock():
        url = database_url()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=url,
        SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", OTP_REQUIRED_ROLES="", TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        STATIC_ROOT=str(base / "static"), MEDIA_ROOT=str(base / "media"), VAR_DIR=str(base / "var"), PYTHONUNBUFFERED="1",
    )
    a, b = free_port(), free_port()
    # make serve's gunicorn settings (bin/serve), each server on its own port.
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:povertyrelief.gunicorn_conf", "povertyrelief.wsgi"]
    worker = [sys.executable, "manage.py", "task_worker", "--no-startup-delay", "--interval", "0.3"]
    processes = {}
    try:
        processes["web_a"] = start("web_a", gunicorn, {**env, "PORT": str(a), "WORKERS": "2"}, logs)
        processes["web_b"] = start("web_b", gunicorn, {**env, "PORT": str(b), "WORKERS": "2"}, logs)
        processes["worker_1"] = start("worker_1", [*worker, "--worker-id", "worker_1"], env, logs)
        processes["worker_2"] = start("worker_2", [*worker, "--worker-id", "worker_2"], env, logs)
        running = Cluster(a=a, b=b, processes=processes, logs=logs)
        wait_until_healthy(running)
        yield running
    finally:
        stop(processes)


@pytest.fixture
def county(settings):
    """A township with two villages and households, its staff member and a
    village cadre, with passwords the servers can check (the suite's fast
    test hasher is not one the servers accept)."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    county = make_area("610499000000", "秦川县")
    township = make_area("610499101000", "城关镇", county)
    village_x = make_area("610499101201", "张家沟村", township, rural_population=1200)
    village_y = make_area("610499101202", "李家湾村", township, rural_population=900)
    households = [
        make_household(village_x, "6104991012010001", "张建国", IDS[0]),
        make_household(village_x, "6104991012010002", "张秀兰", IDS[1]),
        make_household(village_y, "6104991012020001", "李德福", IDS[2]),
    ]
    return type(
        "County", (), dict(
            township=township, households=households,
            staff=make_user("zhen_a", Role.TOWNSHIP, township),
            cadre=make_user("cun_x", Role.VILLAGE, village_x),
        ),
    )


def test_a_session_signed_in_on_one_server_is_valid_on_the_other(cluster, county):
    browser = Browser()
    response = browser.log_in(cluster.a, "zhen_a")
    assert response.status == 302 and response.location == "/", response.text[:2000]
    household = county.households[0]
    page = browser.get(cluster.b, f"/households/{household.pk}/")
    assert page.status == 200 and "张建国" in page.text
    assert browser.get(cluster.b, "/households/").status == 200
    # The ID number posted to A waits in the session; B's list finds it by the token.
    response = browser.post(cluster.a, "/households/search-id/", {"id_number": IDS[2]})
    assert response.status == 302 and response.location.startswith("/households/?idq="), response.text[:2000]
    found = browser.get(cluster.b, response.location)
    assert found.status == 200 and "李德福" in found.text and "张建国" not in found.text
    # Signing out on B ends the session on A too.
    assert browser.post(cluster.b, "/accounts/logout/", {}).status == 302
    response = browser.get(cluster.a, f"/households/{household.pk}/")
    assert response.status == 302 and response.location.startswith("/accounts/login/")


def job_state(browser: Browser, port: int, job_id: int) -> str:
    """What the job page's progress fragment (polled by htmx) says."""
    response = browser.get(port, f"/jobs/{job_id}/", **{"HX-Request": "true"})
    assert response.status == 200, response.text[:2000]
    status = re.search(r"状态：<strong>(.+?)</strong>", response.text)
    download = f"/jobs/{job_id}/download/" in response.text
    return f"{status.group(1) if status else '?'}{' 可下载' if download else ''}"


def test_jobs_started_on_either_server_run_once_and_are_followed_and_downloaded_on_the_other(cluster, county):
    from django_tasks_db.models import DBTaskResult

    browser = Browser()
    assert browser.log_in(cluster.a, "zhen_a").status == 302
    this_year = timezone.localdate().year
    years = [this_year - n for n in range(4)]
    jobs = {}  # job id -> (year, the server that started it)
    for index, year in enumerate(years):
        started_on = cluster.a if index % 2 == 0 else cluster.b
        response = browser.post(started_on, "/households/cards/", {"area": county.township.pk, "year": year})
        assert response.status == 302, response.text[:2000]
        job_id = int(re.fullmatch(r"/jobs/(\d+)/", response.location).group(1))
        jobs[job_id] = (year, started_on)

    seen = {}
    deadline = time.monotonic() + JOB_WITHIN
    while len(seen) < len(jobs) and time.monotonic() < deadline:
        cluster.check_alive()
        for job_id, (year, started_on) in jobs.items():
            other = cluster.b if started_on == cluster.a else cluster.a
            state = job_state(browser, other, job_id)
            if state.startswith(("已完成", "失败")):
                seen[job_id] = state
        time.sleep(0.3)
    tasks = list(DBTaskResult.objects.values_list("task_path", "status", "traceback"))
    assert all(state == "已完成 可下载" for state in seen.values()) and len(seen) == len(jobs), (seen, tasks, cluster.tail())

    for job_id, (year, started_on) in jobs.items():
        from_a = browser.get(cluster.a, f"/jobs/{job_id}/download/")
        from_b = browser.get(cluster.b, f"/jobs/{job_id}/download/")
        assert from_a.status == from_b.status == 200
        assert from_a.body.startswith(b"%PDF") and from_a.body == from_b.body

    # Exactly once: one job row, one task run by one worker, one print logged, per job.
    assert set(Job.objects.values_list("pk", flat=True)) == set(jobs)
    runs = [r for r in DBTaskResult.objects.filter(task_path="povertyrelief.jobs.run_job")]
    runs_by_job = {}
    for run in runs:
        runs_by_job.setdefault(run.args_kwargs["args"][0], []).append(run)
    assert sorted(runs_by_job) == sorted(jobs)
    for job_id, job_runs in runs_by_job.items():
        assert len(job_runs) == 1 and job_runs[0].status == "SUCCESSFUL"
        assert len(job_runs[0].worker_ids) == 1 and job_runs[0].worker_ids[0] in {"worker_1", "worker_2"}
    for year in years:
        printed = PersonalDataAccess.objects.filter(kind="print", what=f"{year}年明白卡（批量）")
        assert printed.count() == 1 and printed.get().rows == 3


def test_wrong_passwords_spread_over_both_servers_lock_the_user_on_both(cluster, county):
    from axes.models import AccessAttempt

    browser = Browser()
    for attempt, port in enumerate([cluster.a, cluster.b, cluster.a, cluster.b]):
        response = browser.log_in(port, "cun_x", f"wrong-{attempt}")
        assert response.status == 200 and "sessionid" not in browser.cookies
    # The fifth, wherever it lands, locks the user out.
    assert browser.log_in(cluster.a, "cun_x", "wrong-4").status == 429
    for port in (cluster.b, cluster.a):
        response = Browser().log_in(port, "cun_x", PASSWORD)
        assert response.status == 429 and "锁定 30 分钟" in response.text
    # One lockout record, in the shared database, counting the attempts made on both.
    assert AccessAttempt.objects.get(username="cun_x").failures_since_start >= 5
    # Another user behind the same address is not locked out.
    assert Browser().log_in(cluster.b, "zhen_a").status == 302
