from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views import View

from .models import Job
from .views_base import ScopedMixin


def jobs_visible_to(user):
    """A job is visible to its requester and to users whose area holds the
    requester's area (a township's exports are a township matter)."""
    from django.db.models import Q

    from .permissions import area_code_prefix

    return Job.objects.filter(Q(user=user) | Q(area__code__startswith=area_code_prefix(user.area)))


class JobDetailView(ScopedMixin, View):
    action = "view"

    def get(self, request, pk):
        job = get_object_or_404(jobs_visible_to(request.user).select_related("user"), pk=pk)
        template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/job_detail.html"
        return render(request, template, {"job": job})


class JobDownloadView(ScopedMixin, View):
    action = "view"

    def get(self, request, pk):
        job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
        if not job.result_file:
            raise Http404("任务尚无结果文件")
        return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name or None)


class JobListView(ScopedMixin, View):
    action = "view"

    def get(self, request):
        from django.core.paginator import Paginator

        jobs = jobs_visible_to(request.user).select_related("user").order_by("-created_at")
        return render(request, "jobs/job_list.html", {"page_obj": Paginator(jobs, 30).get_page(request.GET.get("page"))})


job_detail = JobDetailView.as_view()
job_download = JobDownloadView.as_view()
job_list = JobListView.as_view()
