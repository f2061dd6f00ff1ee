"""Upload of the 家庭成员 roster, and the empty template workbook."""

import io
import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views import View

from povertyrelief.jobs import job_start
from povertyrelief.views_base import ScopedMixin

from ..forms.imports import HouseholdImportForm
from ..services.imports import estimate_data_rows, household_import
from ..templates_xlsx import household_template_workbook

# Files with more data rows than this run as a background job with a progress bar.
INLINE_MAX_ROWS = 2000
ERRORS_SHOWN = 500


class ImportUploadView(ScopedMixin, View):
    action = "change"
    template_name = "households/import_upload.html"

    def get(self, request):
        return render(request, self.template_name, self._context(HouseholdImportForm()))

    def post(self, request):
        form = HouseholdImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self._context(form))
        upload, dry_run = form.cleaned_data["file"], form.cleaned_data["dry_run"]
        rows = estimate_data_rows(upload)
        if rows > INLINE_MAX_ROWS:
            # The worker reads the upload later, from storage, and removes it.
            stored = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", upload)
            title = f"{'试导入' if dry_run else '导入'}家庭成员：{upload.name}"
            job = job_start(
                actor=request.user, kind="household_import", title=title[:200],
                params={"path": stored, "dry_run": dry_run, "name": upload.name}, total=rows * 2,
            )
            messages.info(request, f"文件约有 {rows:,} 行，已转入后台导入。可以留在本页查看进度，也可以离开，稍后在“后台任务”中查看结果。")
            return redirect(job)
        # The service writes in its own transaction once the whole file has
        # passed; reading and checking need no lock on the database.
        report = household_import(actor=request.user, file=upload, dry_run=dry_run)
        if report.ok:
            messages.success(request, report.summary())
        else:
            messages.error(request, report.summary())
        return render(request, self.template_name, self._context(HouseholdImportForm(), report=report))

    def _context(self, form, report=None):
        context = {"form": form, "report": report, "inline_max_rows": INLINE_MAX_ROWS}
        if report is not None:
            # ID numbers in the messages are masked unless the user may reveal them.
            context["errors_shown"] = report.shown_errors(reveal=self.request.user.can("reveal"), limit=ERRORS_SHOWN)
            context["errors_hidden"] = max(0, len(report.errors) - ERRORS_SHOWN)
        return context


class ImportTemplateView(ScopedMixin, View):
    action = "change"

    def get(self, request):
        return FileResponse(
            io.BytesIO(household_template_workbook()),
            as_attachment=True,
            filename="家庭成员导入模板.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


import_upload = ImportUploadView.as_view()
import_template = ImportTemplateView.as_view()
