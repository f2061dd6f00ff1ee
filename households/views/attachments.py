"""一户一档 papers: uploading, downloading and deleting a household's
attachments. Views validate a form, call one service and redirect; the rules
live in households.services.attachments."""

from __future__ import annotations

from auditlog.signals import accessed
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View

from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.views_base import ScopedMixin

from ..forms.measures import AttachmentUploadForm
from ..models import Attachment
from ..selectors.registry import household_get
from ..services.attachments import attachment_delete, attachment_upload, download_name


class AttachmentUploadView(ScopedMixin, View):
    action = "change"
    template_name = "households/attachment_form.html"

    def get(self, request, pk):
        household = household_get(actor=request.user, pk=pk, action="change")
        return render(request, self.template_name, {"form": AttachmentUploadForm(), "household": household})

    def post(self, request, pk):
        household = household_get(actor=request.user, pk=pk, action="change")
        form = AttachmentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    attachment = attachment_upload(
                        actor=request.user, household=household, kind=form.cleaned_data["kind"],
                        uploaded_file=form.cleaned_data["file"],
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已上传{attachment.kind}“{attachment.original_name}”。")
                return HttpResponseRedirect(attachment.get_absolute_url())
        return render(request, self.template_name, {"form": form, "household": household})


class AttachmentDownloadView(ScopedMixin, View):
    """The only way to a stored paper: scoped, typed by what was verified at
    upload, never rendered by the browser as anything else."""

    action = "view"

    def get(self, request, pk):
        attachment = get_object_or_404(restrict(Attachment, request.user, "view"), pk=pk)
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


class AttachmentDeleteView(ScopedMixin, View):
    action = "change"

    def get_attachment(self, request, pk):
        attachments = Attachment.objects.select_related("household", "household__village", "uploaded_by")
        return get_object_or_404(restrict(attachments, request.user, "change"), pk=pk)

    def get(self, request, pk):
        attachment = self.get_attachment(request, pk)
        return render(request, "households/attachment_confirm_delete.html", {
            "object": attachment, "household": attachment.household,
        })

    def post(self, request, pk):
        attachment = self.get_attachment(request, pk)
        target = attachment.get_absolute_url()
        with transaction.atomic():
            attachment_delete(actor=request.user, attachment=attachment)
        messages.success(request, f"已删除{attachment.kind}“{attachment.original_name}”（删除记录保留在审计日志中）。")
        return HttpResponseRedirect(target)
