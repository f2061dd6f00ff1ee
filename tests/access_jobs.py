"""Access-matrix entries for background jobs and the personal-data access log.

A job is its requester's alone: any signed-in user may have jobs (an
auditor's large access-log export is one), and everyone else, county
administrators included, gets a 404 for its page and its file. The access
log is for auditors and county administrators; its Excel and PDF ledgers
(exports:access_log, exports:access_log_pdf) are probed with the other
ledgers by their ``action``.
"""

from tests.access import EVERYONE, Case


def _job(user):
    from django.core.files.base import ContentFile

    from povertyrelief.models import Job

    job = Job.objects.create(kind="sample", title="导出", user=user, area=user.area, status=Job.Status.DONE)
    job.result_file.save("x.txt", ContentFile(b"x"))
    return job


def _owned():
    return dict(
        in_x=lambda c: _job(c.personas.village_x),
        in_b=lambda c: _job(c.personas.outsider),
        sees_x={"village_x"},
        sees_b={"outsider"},
    )


CASES = {
    "job_list": Case(EVERYONE),
    "job_detail": Case(EVERYONE, **_owned()),
    "job_download": Case(EVERYONE, **_owned()),
    "access_log": Case({"county_admin", "auditor"}),
}
