"""一户一档 papers: scanned or photographed forms kept with the household.

Only PDF, JPEG and PNG are accepted, judged by the file's first bytes: the
name and the browser's content type are whatever the uploader's machine says
and prove nothing. Files are stored under a random name and served only
through the scoped download view.
"""

from __future__ import annotations

import os
import uuid
from pathlib import PurePath

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from povertyrelief.models import User
from povertyrelief.permissions import assert_in_scope

from ..models import Attachment, Household

MEGABYTE = 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * MEGABYTE

# (magic bytes, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
EXTENSIONS = {content_type: ext for _, content_type, ext in SIGNATURES}
ALSO_FINE = {"image/jpeg": {".jpeg", ".jpe"}}


def _megabytes(size: int) -> str:
    # Two decimals, so a file a few bytes over the limit does not read "10 MB".
    return f"{size / MEGABYTE:.2f} MB"


def sniff_content_type(head: bytes) -> str | None:
    """The content type the bytes themselves declare, or None if not allowed."""
    for magic, content_type, _ in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def clean_original_name(name: str) -> str:
    """The uploader's file name without any folder part (Windows or Unix)."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext)] + ext
    return base or "未命名文件"


def download_name(attachment: Attachment) -> str:
    """The original name, with the extension corrected to the real type so the
    downloaded file opens in the right program (a PNG uploaded as scan.pdf
    comes back as scan.png)."""
    stem, ext = os.path.splitext(attachment.original_name)
    right = EXTENSIONS.get(attachment.content_type, "")
    if ext.lower() == right or ext.lower() in ALSO_FINE.get(attachment.content_type, set()):
        return attachment.original_name
    return (stem or "附件") + right


def attachment_upload(*, actor: User, household: Household, kind: str, uploaded_file: UploadedFile) -> Attachment:
    """Keep one paper of the household file: PDF, JPEG or PNG by content,
    at most 10 MB, stored under a random name with who uploaded it."""
    name = clean_original_name(getattr(uploaded_file, "name", ""))
    size = uploaded_file.size
    if not size:
        raise ValidationError({"file": f"文件“{name}”是空文件。"})
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"file": f"文件“{name}”大小为 {_megabytes(size)}，超过 {MAX_ATTACHMENT_BYTES // MEGABYTE} MB 的上限。"}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            {"file": f"文件“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与扩展名无关），不能上传。"}
        )
    attachment = Attachment(
        household=household, kind=kind, original_name=name, content_type=content_type, size=size, uploaded_by=actor
    )
    attachment.file.save(uuid.uuid4().hex + EXTENSIONS[content_type], uploaded_file, save=False)
    try:
        with transaction.atomic(), set_actor(actor):
            attachment.full_clean()
            attachment.save()
            assert_in_scope(attachment, actor, "change")
    except Exception:
        # The row was not kept, so neither is the file.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Delete a paper (the audit log keeps who deleted what); the stored file
    goes once the deletion is committed, so a rollback never loses it."""
    with transaction.atomic(), set_actor(actor):
        assert_in_scope(attachment, actor, "change")
        storage, name = attachment.file.storage, attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))
