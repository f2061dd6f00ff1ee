"""Background jobs: imports, big exports and batch printing.

A feature registers a runner with ``@job_runner("kind")``: a function
``runner(job, report_progress)`` that does the work and returns
``(file_bytes_or_path_or_None, download_name, report_dict)``. ``job_start``
records a Job and enqueues it on Django's task framework (database-backed
worker in production, run immediately in tests); the page polls the job's
progress; the result is served to the requester only, and each download is
logged as a personal-data access.

Result files are kept ``JOB_RESULT_RETENTION_DAYS`` (default 7) after the
job finished, then deleted by ``job_files_purge`` (``manage.py
purge_job_files``). The task worker runs that daily without cron or a broker:
``job_start`` makes sure a ``job_files_purge_daily`` task is queued, and
that task, once run, queues itself again for a day later (``run_after``,
supported by the database backend). A result file only exists because a job
was started, so a purge is always pending while there is a file to purge.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from .models import Job

log = logging.getLogger("povertyrelief.jobs")
RUNNERS: dict[str, Callable] = {}
PROGRESS_EVERY = 500
RETENTION_DAYS = 7
PURGE_EVERY = timedelta(days=1)


def job_runner(kind: str):
    def register(function):
        RUNNERS[kind] = function
        return function

    return register


def job_start(*, actor, kind: str, title: str, params: dict | None = None, total: int = 0) -> Job:
    """Record a job for the actor's area and queue it after the transaction commits."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(kind=kind, title=title, user=actor, area=actor.area, params=params or {}, total=total)
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    transaction.on_commit(job_files_purge_schedule)
    return job


def _progress(job: Job) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None = None) -> None:
        fields = {"progress": done}
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=job.pk).update(**fields)

    return report


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.select_related("user", "user__area").get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        result, name, report = RUNNERS[job.kind](job, _progress(job))
        job.refresh_from_db()
        if isinstance(result, (bytes, bytearray)):
            job.result_file.save(name, ContentFile(result), save=False)
        elif isinstance(result, (str, Path)):
            with open(result, "rb") as handle:
                job.result_file.save(name, File(handle), save=False)
            Path(result).unlink(missing_ok=True)
        job.result_name = name or ""
        job.report = report or {}
        job.status = Job.Status.FAILED if (report or {}).get("failed") else Job.Status.DONE
        job.message = (report or {}).get("summary", "")
    except Exception as exc:  # the job page must say what went wrong
        log.exception("job %s failed", job_id)
        job.refresh_from_db()
        job.status = Job.Status.FAILED
        job.message = f"任务失败：{exc}"
        job.report = {"traceback": traceback.format_exc()[-4000:]}
    job.finished_at = timezone.now()
    job.save()


# --- Retention of result files ---------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "JOB_RESULT_RETENTION_DAYS", RETENTION_DAYS))


def job_files_purge(*, now: datetime | None = None) -> int:
    """Delete the result files of jobs finished more than the retention
    period ago; the job stays, its page says the file has expired. Returns
    how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    purged = 0
    expired = Job.objects.filter(finished_at__lt=cutoff).exclude(result_file="").only("pk", "result_file")
    for job in expired.iterator():
        name = job.result_file.name
        try:
            job.result_file.storage.delete(name)
        except OSError:
            log.exception("could not delete %s of job %s", name, job.pk)
            continue
        Job.objects.filter(pk=job.pk, result_file=name).update(result_file="", result_purged_at=now)
        purged += 1
    if purged:
        log.info("deleted %s expired job result files", purged)
    return purged


def _purge_pending(task_path: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).exists()


def job_files_purge_schedule(*, delay: timedelta = timedelta(0)) -> bool:
    """Queue the daily purge unless one is already waiting. Only the
    database backend keeps a task for later (``run_after``) and can be asked
    what is waiting; with another backend run ``purge_job_files`` from cron.
    Returns whether a purge was queued."""
    from django_tasks_db.backend import DatabaseBackend

    backend = job_files_purge_daily.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    if _purge_pending(job_files_purge_daily.module_path):
        return False
    job_files_purge_daily.using(run_after=timezone.now() + delay).enqueue()
    return True


@task()
def job_files_purge_daily() -> int:
    """Run by the worker: what ``manage.py purge_job_files`` does, now and
    again in a day (queued even when this run fails)."""
    try:
        return job_files_purge()
    finally:
        job_files_purge_schedule(delay=PURGE_EVERY)
