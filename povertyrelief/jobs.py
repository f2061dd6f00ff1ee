"""Background jobs: imports, big exports and batch printing.

A feature registers a runner with ``@job_runner("kind")``: a function
``runner(job, report_progress)`` that does the work and returns
``(file_bytes_or_path_or_None, download_name, report_dict)``. ``job_start``
records a Job and enqueues it on Django's task framework (database-backed
worker in production, run immediately in tests); the page polls the job's
progress; the result is served by a scoped view.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Callable

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import Job

log = logging.getLogger("povertyrelief.jobs")
RUNNERS: dict[str, Callable] = {}
PROGRESS_EVERY = 500


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
