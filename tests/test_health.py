"""/healthz: 200 when the database answers, no migration is missing, a task
worker beat recently and var/ has room; 503 naming the part that failed.
No sign-in, no personal data, a handful of queries."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.tasks import TaskResultStatus
from django.utils import timezone

from povertyrelief import health
from povertyrelief.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    """The production task backend: a worker takes tasks from the database."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker_alive(database_tasks):
    health.worker_heartbeat_record()


def probe(client, **extra):
    response = client.get("/healthz", **extra)
    return response.status_code, response.json()


def test_it_answers_200_with_each_check_when_all_is_well(client, worker_alive, django_assert_max_num_queries):
    health.health_report()  # this process has compared the migrations once
    with django_assert_max_num_queries(3):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    report = response.json()
    assert report["status"] == "ok" and report["failing"] == []
    checks = report["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["migrations"] == {"ok": True, "unapplied": 0}
    assert checks["worker"]["ok"] and checks["worker"]["heartbeat_age_seconds"] < 60
    assert checks["disk"]["ok"] and checks["disk"]["free_mb"] >= checks["disk"]["min_free_mb"]


def test_it_answers_in_well_under_50_ms(client, worker_alive):
    health.health_report()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.05, timings


def test_it_needs_no_sign_in_and_ignores_the_https_redirect_and_host_check(client, worker_alive, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["fupin.county.example"]
    status, report = probe(client, HTTP_HOST="10.0.0.7:8001")
    assert status == 200 and report["status"] == "ok"


def test_signed_in_users_held_by_password_change_or_two_factor_still_get_it(client, worker_alive, personas):
    """The sign-in middleware (forced password change, two-factor set-up,
    idle time-out) never stands between a probe and the answer."""
    held = personas.township_a
    held.must_change_password = True
    held.save()
    client.force_login(held, backend="django.contrib.auth.backends.ModelBackend")
    assert probe(client)[0] == 200
    client.force_login(personas.county_admin, backend="django.contrib.auth.backends.ModelBackend")  # no device yet
    assert probe(client)[0] == 200


def test_a_database_that_does_not_answer_is_named_without_its_error(client, worker_alive, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "10.0.0.9" failed: password authentication failed for user "fupin"')

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    report = response.json()
    assert response.status_code == 503
    assert report["status"] == "fail" and report["failing"] == ["database"]
    assert report["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert report["checks"]["migrations"] == {"ok": False, "skipped": True}
    body = response.content.decode()
    assert "10.0.0.9" not in body and "fupin" not in body


def test_an_unapplied_migration_is_named_and_noticed_without_a_restart(client, worker_alive):
    assert probe(client)[0] == 200
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("povertyrelief", "0007_workerheartbeat")
    status, report = probe(client)
    assert status == 503 and report["failing"] == ["migrations"]
    assert report["checks"]["migrations"] == {"ok": False, "unapplied": 1}
    recorder.record_applied("povertyrelief", "0007_workerheartbeat")
    assert probe(client)[0] == 200


def test_a_stale_worker_heartbeat_is_named(client, database_tasks, settings):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    WorkerHeartbeat.objects.create(pk=health.HEARTBEAT, at=timezone.now() - timedelta(seconds=400))
    status, report = probe(client)
    assert status == 503 and report["failing"] == ["worker"]
    worker = report["checks"]["worker"]
    assert worker["ok"] is False and worker["max_age_seconds"] == 300 and 399 <= worker["heartbeat_age_seconds"] < 460


def test_no_heartbeat_at_all_is_a_failing_worker(client, database_tasks):
    status, report = probe(client)
    assert status == 503 and report["failing"] == ["worker"]
    assert report["checks"]["worker"]["heartbeat_age_seconds"] is None


def test_without_the_database_task_backend_there_is_no_worker_to_check(client):
    status, report = probe(client)  # tests run tasks inline
    assert status == 200 and report["checks"]["worker"] == {"ok": True, "applies": False}


def test_too_little_free_disk_is_named(client, worker_alive, settings):
    settings.HEALTH_MIN_FREE_DISK_MB = 10**9  # a petabyte
    status, report = probe(client)
    assert status == 503 and report["failing"] == ["disk"]
    assert report["checks"]["disk"]["min_free_mb"] == 10**9


def test_a_var_directory_not_made_yet_is_measured_on_the_disk_it_will_be_made_on(client, worker_alive, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "not-yet" / "var"
    status, report = probe(client)
    assert status == 200 and report["checks"]["disk"]["free_mb"] > 0


def test_every_failing_part_is_named(client, database_tasks, settings):
    settings.HEALTH_MIN_FREE_DISK_MB = 10**9
    status, report = probe(client)
    assert status == 503 and report["failing"] == ["worker", "disk"]


def heartbeat_results():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=health.worker_heartbeat.module_path)


@pytest.mark.django_db(transaction=True)  # the worker closes connections left in a transaction
def test_the_task_worker_beats_at_start_and_keeps_one_heartbeat_queued(database_tasks, settings):
    settings.WORKER_HEARTBEAT_SECONDS = 0  # every run queues the next one at once
    before = timezone.now()
    call_command("task_worker", "--batch", "--no-startup-delay", "--interval", "0", "--max-tasks", "3", verbosity=0)
    assert WorkerHeartbeat.objects.get(pk=health.HEARTBEAT).at >= before
    # Each run deletes the previous run's row: one finished, one waiting.
    statuses = sorted(heartbeat_results().values_list("status", flat=True))
    assert statuses == sorted([TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY])


def test_the_heartbeat_is_queued_once_and_waits_its_interval(database_tasks, settings):
    settings.WORKER_HEARTBEAT_SECONDS = 30
    assert health.worker_heartbeat_schedule(delay=timedelta(seconds=30)) is True
    assert health.worker_heartbeat_schedule() is False
    (waiting,) = heartbeat_results()
    assert timedelta(seconds=25) < waiting.run_after - timezone.now() <= timedelta(seconds=30)


def test_the_immediate_backend_queues_no_heartbeat():
    assert health.worker_heartbeat_schedule() is False
