"""Reading the 一户一档 papers."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ..models import Attachment


def attachment_get(*, actor: User, pk: int, action: str = "view") -> Attachment:
    """One paper of a household the actor may ``action``, else 404."""
    attachments = Attachment.objects.select_related("household", "household__village", "uploaded_by")
    return get_object_or_404(restrict(attachments, actor, action), pk=pk)
