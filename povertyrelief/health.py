"""/healthz: whether this installation can do its work, for a monitor or a
load balancer, without signing in.

Four checks, each reported in the JSON; any that fails is named in
``failing`` and the answer is HTTP 503:

- ``database``: a trivial query answers.
- ``migrations``: none unapplied. Comparing the migration files with the
  django_migrations table takes a tenth of a second, so a process does it
  once (gunicorn's workers when they boot) and again only when that table
  changes, which one aggregate query tells.
- ``worker``: a task worker took tasks recently. Each worker writes the
  ``WorkerHeartbeat`` row when it starts (``manage.py task_worker``) and
  whenever it runs ``worker_heartbeat``, a task that queues itself again
  every ``WORKER_HEARTBEAT_SECONDS``. Only the database task backend has
  workers; with another backend the check does not apply.
- ``disk``: free space under var/ (uploads, job files, the SQLite database).

The answer names parts and figures only: no error messages (they may carry
hosts or user names), nothing about any person.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Max
from django.http import HttpRequest, JsonResponse
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .models import WorkerHeartbeat

log = logging.getLogger("povertyrelief.health")
HEALTH_PATH = "/healthz"
HEARTBEAT = "worker"

# django_migrations' (count, last id, last applied) -> unapplied migrations,
# for this process; a migrate or a rollback changes the key.
_migration_state: dict[tuple, int] = {}


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def unapplied_migrations() -> int:
    """How many migrations the code has that the database lacks (the full,
    slow comparison that ``migrate --check`` makes)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _check_migrations() -> dict:
    recorded = MigrationRecorder(connection).migration_qs.aggregate(n=Count("id"), last=Max("id"), at=Max("applied"))
    key = (connection.alias, connection.settings_dict["NAME"], recorded["n"], recorded["last"], recorded["at"])
    if key not in _migration_state:
        _migration_state.clear()
        _migration_state[key] = unapplied_migrations()
    unapplied = _migration_state[key]
    return {"ok": unapplied == 0, "unapplied": unapplied}


def _tasks_in_database() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(worker_heartbeat.get_backend(), DatabaseBackend)


def _check_worker() -> dict:
    if not _tasks_in_database():
        return {"ok": True, "applies": False}
    max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    beat = WorkerHeartbeat.objects.filter(pk=HEARTBEAT).values_list("at", flat=True).first()
    if beat is None:
        return {"ok": False, "heartbeat_age_seconds": None, "max_age_seconds": max_age}
    age = max(0.0, (timezone.now() - beat).total_seconds())
    return {"ok": age <= max_age, "heartbeat_age_seconds": round(age, 1), "max_age_seconds": max_age}


def _check_disk() -> dict:
    minimum = settings.HEALTH_MIN_FREE_DISK_MB
    # var/ is made on first use (uploads, job files): until then, the disk
    # it will be made on.
    where = Path(settings.VAR_DIR)
    while not where.exists() and where.parent != where:
        where = where.parent
    free = shutil.disk_usage(where).free // (1024 * 1024)
    return {"ok": free >= minimum, "free_mb": free, "min_free_mb": minimum}


CHECKS = {
    "database": _check_database,
    "migrations": _check_migrations,
    "worker": _check_worker,
    "disk": _check_disk,
}
NEEDS_DATABASE = {"migrations", "worker"}


def health_report() -> dict:
    """Run every check; one that raises fails (only its exception's class is
    kept). Without a database the checks that query it are not run."""
    started = time.perf_counter()
    checks: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "skipped": True}
            continue
        try:
            checks[name] = check()
        except (DatabaseError, OSError) as exc:
            log.warning("health check %s failed: %s", name, exc)
            checks[name] = {"ok": False, "error": type(exc).__name__}
    failing = [name for name, result in checks.items() if not result["ok"] and not result.get("skipped")]
    return {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": checks,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    response = JsonResponse(report, status=503 if report["failing"] else 200)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answers /healthz before the HTTPS redirect, the host check, sessions,
    sign-in, two-factor and idle time-out: a probe speaks plain HTTP to
    127.0.0.1 with no cookie, and the answer must not depend on any of them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)


def warm() -> None:
    """Make the slow migrations comparison now (a gunicorn worker booting),
    so the first probe it serves is as fast as the others."""
    try:
        _check_migrations()
    except DatabaseError as exc:
        log.warning("health: migrations not checked at start: %s", exc)
    finally:
        connections.close_all()


# --- The worker's heartbeat -------------------------------------------------


def worker_heartbeat_record() -> None:
    """A task worker shows it is alive and taking tasks."""
    WorkerHeartbeat.objects.update_or_create(pk=HEARTBEAT, defaults={"at": timezone.now()})


def worker_heartbeat_schedule(*, delay: timedelta = timedelta(0), previous: str = "") -> bool:
    """Queue the heartbeat unless one is already waiting (database task
    backend only). Returns whether one was queued."""
    if not _tasks_in_database():
        return False
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY).exists():
        return False
    worker_heartbeat.using(run_after=timezone.now() + delay).enqueue(previous=previous)
    return True


@task(takes_context=True)
def worker_heartbeat(context, previous: str = "") -> None:
    """Run by a task worker: record the heartbeat, delete the previous run's
    result row (one a minute would pile up), and queue the next run — also
    when this one fails."""
    from django_tasks_db.models import DBTaskResult

    try:
        worker_heartbeat_record()
        if previous:
            finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
            DBTaskResult.objects.filter(pk=previous, status__in=finished).delete()
    finally:
        every = timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)
        worker_heartbeat_schedule(delay=every, previous=str(context.task_result.id))
