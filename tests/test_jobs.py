import pytest
from django.urls import reverse

from povertyrelief.jobs import RUNNERS, job_runner, job_start
from povertyrelief.models import Job, PersonalDataAccess

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
    # Nor does the county above it: a job is its requester's alone.
    assert client_for(personas.county_viewer).get(reverse("job_detail", args=[job.pk])).status_code == 404


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


@pytest.fixture
def member_export(personas):
    """A county administrator's member export with full ID and bank numbers."""

    @job_runner("sample_members")
    def run(job, report_progress):
        return "张建国,610499196505120011,6228480000000000001".encode(), "家庭成员明细.csv", {"rows": 1, "summary": "已导出 1 行。"}

    try:
        job = job_start(actor=personas.county_admin, kind="sample_members", title="导出家庭成员明细（1 行）")
    finally:
        RUNNERS.pop("sample_members")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_file
    return job


def test_a_county_viewer_cannot_open_or_download_a_county_administrators_export(client_for, personas, member_export):
    client = client_for(personas.county_viewer)
    assert client.get(reverse("job_detail", args=[member_export.pk])).status_code == 404
    assert client.get(reverse("job_download", args=[member_export.pk])).status_code == 404
    listing = client.get(reverse("job_list")).content.decode()
    assert "导出家庭成员明细" not in listing and "暂无后台任务" in listing
    assert not PersonalDataAccess.objects.exists()


def test_a_county_administrator_sees_that_a_job_exists_but_cannot_open_its_file(client_for, personas, sample_runner):
    job = job_start(actor=personas.township_a, kind="sample", title="城关镇花名册导出", params={"n": 3})
    client = client_for(personas.county_admin)
    listing = client.get(reverse("job_list")).content.decode()
    assert "城关镇花名册导出" in listing and str(personas.township_a) in listing and "已完成" in listing
    assert reverse("job_download", args=[job.pk]) not in listing and reverse("job_detail", args=[job.pk]) not in listing
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    # The requester's own list links both.
    own = client_for(personas.township_a).get(reverse("job_list")).content.decode()
    assert reverse("job_download", args=[job.pk]) in own


def test_each_download_is_logged_as_a_personal_data_access(client_for, personas, member_export):
    client = client_for(personas.county_admin)
    for _ in range(2):
        response = client.get(reverse("job_download", args=[member_export.pk]), REMOTE_ADDR="10.1.2.3")
        assert b"".join(response.streaming_content).startswith("张建国".encode())
    records = list(PersonalDataAccess.objects.order_by("pk"))
    assert len(records) == 2
    record = records[0]
    assert (record.user, record.kind, record.rows, record.object_repr) == (
        personas.county_admin, "download", 1, "家庭成员明细.csv"
    )
    assert "导出家庭成员明细" in record.what and record.get_kind_display() == "下载任务文件"
