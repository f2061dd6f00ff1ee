"""Forms for the 一户一档 papers."""

from __future__ import annotations

from django import forms

from povertyrelief.forms import ChineseFormMixin

from ..models import AttachmentKind
from ..services.attachments import MAX_ATTACHMENT_BYTES


class AttachmentUploadForm(ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=AttachmentKind.choices)
    file = forms.FileField(
        label="文件", help_text=f"PDF、JPEG 或 PNG，每个不超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )


class AttachmentDeleteForm(ChineseFormMixin, forms.Form):
    """Deleting takes no input: the button is the decision."""
