"""Upload of the 家庭成员 roster, and the empty template workbook."""

import io
import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.views import View

from povertyrelief.jobs import job_start
from povertyrelief.models import Job
from povertyrelief.views_base import ScopedMixin, ServiceFormView

from ..forms.imports import HouseholdImportForm
from ..services.imports import estimate_data_rows, household_import
from ..templates_xlsx import household_template_workbook

# Files with more data rows than this run as a background job with a progress bar.
INLINE_MAX_ROWS = 2000
ERRORS_SHOWN = 500


class ImportUploadView(ServiceFormView):
    """A small file is imported at once and its report shown on this page;
    a large one becomes a background job, whose page the user is sent to."""

    form_class = HouseholdImportForm
    template_name = "households/import_upload.html"
    # The service writes in its own transaction once the whole file has
    # passed; reading and checking need no lock on the database.
    atomic = False

    def perform(self, form, obj):
        upload, dry_run = form.cleaned_data["file"], form.cleaned_data["dry_run"]
        self.rows = estimate_data_rows(upload)
        if self.rows <= INLINE_MAX_ROWS:
            return household_import(actor=self.request.user, file=upload, dry_run=dry_run)
        # The worker reads the upload later, from storage, and removes it.
        stored = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", upload)
        title = f"{'试导入' if dry_run else '导入'}家庭成员：{upload.name}"
        return job_start(
            actor=self.request.user, kind="household_import", title=title[:200],
            params={"path": stored, "dry_run": dry_run, "name": upload.name}, total=self.rows * 2,
        )

    def get_message_level(self, result) -> int:
        if isinstance(result, Job):
            return messages.INFO
        return messages.SUCCESS if result.ok else messages.ERROR

    def get_success_message(self, result) -> str:
        if isinstance(result, Job):
            return f"文件约有 {self.rows:,} 行，已转入后台导入。可以留在本页查看进度，也可以离开，稍后在“后台任务”中查看结果。"
        return result.summary()

    def get_success_response(self, result):
        if isinstance(result, Job):
            return super().get_success_response(result)
        return self.render_to_response(self.get_context_data(form=HouseholdImportForm(), report=result))

    def get_context_data(self, report=None, **kwargs):
        context = super().get_context_data(report=report, inline_max_rows=INLINE_MAX_ROWS, **kwargs)
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
