"""Job result files are deleted after JOB_RESULT_RETENTION_DAYS; the worker
runs the purge daily by itself (a task that queues itself a day later)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from povertyrelief.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def finished_job(user, *, days_ago: float, title="导出贫困户花名册（6000 行）") -> Job:
    job = Job.objects.create(kind="export", title=title, user=user, area=user.area, status=Job.Status.DONE)
    job.result_file.save("花名册.xlsx", ContentFile(b"names and IDs"), save=False)
    job.result_name = "花名册.xlsx"
    job.finished_at = timezone.now() - timedelta(days=days_ago)
    job.save()
    return job


def test_the_command_deletes_files_older_than_the_retention_period(personas, settings, capsys):
    old = finished_job(personas.township_a, days_ago=8)
    recent = finished_job(personas.township_a, days_ago=6)
    old_path, recent_path = Path(old.result_file.path), Path(recent.result_file.path)
    call_command("purge_job_files")
    assert "已删除 1 个过期的任务结果文件（保留 7 天）" in capsys.readouterr().out
    assert not old_path.exists() and recent_path.exists()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.result_file and old.result_purged_at is not None and old.result_expired
    assert recent.result_file and not recent.result_expired
    # The setting shortens the period.
    settings.JOB_RESULT_RETENTION_DAYS = 5
    call_command("purge_job_files")
    assert not recent_path.exists()


def test_a_purged_jobs_page_says_its_file_expired(client_for, personas):
    job = finished_job(personas.township_a, days_ago=30)
    call_command("purge_job_files")
    client = client_for(personas.township_a)
    page = client.get(reverse("job_detail", args=[job.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "结果文件已超过保留期限，已被删除" in text and reverse("job_download", args=[job.pk]) not in text
    assert "文件已过期删除" in client.get(reverse("job_list")).content.decode()
    # An old download link leads back to the page, saying why.
    response = client.get(reverse("job_download", args=[job.pk]), follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert "结果文件已超过保留期限" in response.content.decode()


def test_a_file_gone_from_disk_is_no_server_error(client_for, personas):
    job = finished_job(personas.township_a, days_ago=1)
    Path(job.result_file.path).unlink()
    response = client_for(personas.township_a).get(reverse("job_download", args=[job.pk]), follow=True)
    assert response.status_code == 200 and "已被删除" in response.content.decode()


def test_a_done_job_says_until_when_its_file_is_kept(client_for, personas):
    job = finished_job(personas.township_a, days_ago=0)
    page = client_for(personas.township_a).get(reverse("job_detail", args=[job.pk])).content.decode()
    expires = timezone.localtime(job.finished_at + timedelta(days=7))
    assert f"结果文件保留至 {expires:%Y-%m-%d %H:%M}" in page


@pytest.fixture
def database_tasks(settings):
    """The production task backend: tasks wait in the database for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def pending_purges():
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from povertyrelief.jobs import job_files_purge_daily

    return DBTaskResult.objects.filter(task_path=job_files_purge_daily.module_path, status=TaskResultStatus.READY)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_the_worker_purges_daily_without_cron(database_tasks, personas, sample_runner_kind):
    from povertyrelief.jobs import job_start

    expired = finished_job(personas.township_a, days_ago=10)
    expired_path = Path(expired.result_file.path)
    # Starting any job makes sure a purge is queued, once.
    job_start(actor=personas.township_a, kind=sample_runner_kind, title="样例")
    job_start(actor=personas.township_a, kind=sample_runner_kind, title="样例")
    assert pending_purges().count() == 1
    run_worker()
    expired.refresh_from_db()
    assert expired.result_expired and not expired_path.exists()
    assert Job.objects.filter(title="样例", status=Job.Status.DONE).count() == 2
    # Having run, the purge waits for tomorrow: one pending, a day ahead.
    (next_run,) = pending_purges()
    assert timedelta(hours=23) < next_run.run_after - timezone.now() <= timedelta(days=1)
    # Tomorrow it runs again, and queues the day after.
    pending_purges().update(run_after=timezone.now())
    later = finished_job(personas.township_a, days_ago=8)
    run_worker()
    later.refresh_from_db()
    assert later.result_expired and pending_purges().count() == 1


@pytest.fixture
def sample_runner_kind():
    from povertyrelief.jobs import RUNNERS, job_runner

    @job_runner("sample_retention")
    def run(job, report_progress):
        return b"x", "x.txt", {}

    yield "sample_retention"
    RUNNERS.pop("sample_retention")


def test_the_immediate_backend_queues_no_purge(personas, sample_runner_kind):
    """Tests and TASKS_BACKEND=immediate run tasks at once: a purge queuing
    itself would loop, so with such a backend cron runs the command."""
    from povertyrelief.jobs import job_files_purge_schedule

    assert job_files_purge_schedule() is False


def test_the_command_can_start_the_daily_purge_for_a_deployment(database_tasks, capsys):
    call_command("purge_job_files", "--schedule")
    call_command("purge_job_files", "--schedule")
    assert capsys.readouterr().out.count("已排定每日清理") == 1
    (next_run,) = pending_purges()
    assert timedelta(hours=23) < next_run.run_after - timezone.now() <= timedelta(days=1)
