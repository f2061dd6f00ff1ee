"""一户一档 papers: uploading, downloading and deleting a household's
attachments. Each action is a ``ServiceFormView`` calling one service of
households.services.attachments."""

from __future__ import annotations

from auditlog.signals import accessed
from django.http import FileResponse, Http404
from django.views import View

from povertyrelief.views_base import ScopedMixin, ServiceFormView

from ..forms.attachments import AttachmentDeleteForm, AttachmentUploadForm
from ..models import Attachment
from ..selectors.attachments import attachment_get
from ..selectors.registry import household_get
from ..services.attachments import attachment_delete, attachment_upload, download_name


class AttachmentUploadView(ServiceFormView):
    form_class = AttachmentUploadForm
    template_name = "households/attachment_form.html"

    def get_object(self):
        return household_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object, **kwargs)

    def perform(self, form, household):
        data = form.cleaned_data
        return attachment_upload(actor=self.request.user, household=household, kind=data["kind"], uploaded_file=data["file"])

    def get_success_message(self, attachment) -> str:
        return f"已上传{attachment.kind}“{attachment.original_name}”。"


class AttachmentDownloadView(ScopedMixin, View):
    """The only way to a stored paper: scoped, typed by what was verified at
    upload, never rendered by the browser as anything else."""

    action = "view"

    def get(self, request, pk):
        attachment = attachment_get(actor=request.user, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在") from None
        accessed.send(sender=Attachment, instance=attachment)
        response = FileResponse(
            handle, content_type=attachment.content_type, as_attachment=True, filename=download_name(attachment)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class AttachmentDeleteView(ServiceFormView):
    form_class = AttachmentDeleteForm
    template_name = "households/attachment_confirm_delete.html"

    def get_object(self):
        return attachment_get(actor=self.request.user, pk=self.kwargs["pk"], action="change")

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object.household, **kwargs)

    def perform(self, form, attachment):
        attachment_delete(actor=self.request.user, attachment=attachment)
        return attachment

    def get_success_message(self, attachment) -> str:
        return f"已删除{attachment.kind}“{attachment.original_name}”（删除记录保留在审计日志中）。"
