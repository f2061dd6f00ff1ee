"""Pages of background jobs: the list, one job's progress, its result file.

A job and its file belong to the user who started it: anyone else gets a
404 for the page and the download, whatever their area (a county viewer
must not open a county administrator's export with full ID and bank
numbers). County administrators see in the list that the jobs of their
area exist (title, user, status), without a link. Every download is logged
as a personal-data access. Any signed-in user may have jobs (an auditor's
large access-log export is one), so the pages need no role action.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from .jobs import retention_days
from .models import Job, PersonalDataAccess
from .privacy import personal_data_access_record

JOBS_PER_PAGE = 30
EXPIRED = "结果文件已超过保留期限，已被删除。如仍需要，请重新发起。"


def jobs_of(user):
    """The jobs whose page and file the user may open: their own."""
    return Job.objects.filter(user=user)


def jobs_listed_for(user):
    """The user's own jobs, and for county administrators every job of
    their area (shown without a link)."""
    own = jobs_of(user)
    if user.can("manage"):
        return own | Job.objects.restrict(user, "manage")
    return own


class JobDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(jobs_of(request.user).select_related("user"), pk=pk)
        template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/job_detail.html"
        return render(request, template, {"job": job})


class JobDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(jobs_of(request.user), pk=pk)
        if not job.result_file:
            messages.warning(request, EXPIRED if job.result_expired else "该任务没有结果文件。")
            return redirect(job)
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError:
            messages.warning(request, EXPIRED)
            return redirect(job)
        personal_data_access_record(
            actor=request.user,
            kind=PersonalDataAccess.Kind.DOWNLOAD,
            what=f"后台任务文件：{job.title}",
            object_repr=job.result_name,
            filters=str((job.params or {}).get("query", "")),
            rows=_rows(job),
            request=request,
        )
        response = FileResponse(handle, as_attachment=True, filename=job.result_name or None)
        response["Cache-Control"] = "private, no-store"
        return response


def _rows(job) -> int | None:
    rows = (job.report or {}).get("rows")
    return rows if isinstance(rows, int) and rows >= 0 else None


class JobListView(LoginRequiredMixin, View):
    def get(self, request):
        jobs = jobs_listed_for(request.user).select_related("user").order_by("-created_at", "-pk")
        page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
        context = {"page_obj": page, "retention_days": retention_days(), "user_is_manager": request.user.can("manage")}
        return render(request, "jobs/job_list.html", context)


job_detail = JobDetailView.as_view()
job_download = JobDownloadView.as_view()
job_list = JobListView.as_view()
