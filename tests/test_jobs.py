import pytest
from django.urls import reverse

from povertyrelief.jobs import RUNNERS, job_runner, job_start
from povertyrelief.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sample_runner():
    @job_runner("sample")
    def run(job, report_progress):
        for done in range(1, 4):
            report_progress(done, 3)
        return "名单".encode(), "名单.txt", {"summary": f"共 {job.params['n']} 行"}

    yield
    RUNNERS.pop("sample")


def test_a_job_runs_reports_progress_and_offers_its_file_to_the_requester(client_for, personas, sample_runner):
    job = job_start(actor=personas.township_a, kind="sample", title="测试导出", params={"n": 3})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.progress == 3 and job.percent == 100
    client = client_for(personas.township_a)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "共 3 行" in page and "下载 名单.txt" in page
    response = client.get(reverse("job_download", args=[job.pk]))
    assert b"".join(response.streaming_content) == "名单".encode()


def test_another_township_cannot_see_or_download_the_job(client_for, personas, sample_runner):
    job = job_start(actor=personas.township_a, kind="sample", title="测试导出", params={"n": 1})
    client = client_for(personas.outsider)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    # The county sees its townships' jobs.
    assert client_for(personas.county_viewer).get(reverse("job_detail", args=[job.pk])).status_code == 200


def test_a_failing_job_says_why(client_for, personas):
    @job_runner("broken")
    def run(job, report_progress):
        raise RuntimeError("磁盘已满")

    try:
        job = job_start(actor=personas.township_a, kind="broken", title="坏任务")
    finally:
        RUNNERS.pop("broken")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "磁盘已满" in job.message
