"""一户一档材料: papers filed with a household."""


from django.conf import settings
from django.db import models

from povertyrelief.permissions import ScopedManager

from .registry import Household


class AttachmentKind(models.TextChoices):
    APPLICATION = "申请书", "申请书"
    REVIEW = "评议公示材料", "评议公示材料"
    PLAN = "帮扶计划", "帮扶计划"
    INCOME = "收入测算表", "收入测算表"
    EXIT = "退出验收表", "退出验收表"
    PHOTO = "户主合影照", "户主合影照"
    OTHER = "其他", "其他"


class Attachment(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("材料类型", max_length=10, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "一户一档材料"
        verbose_name_plural = "一户一档材料"
        ordering = ["household", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.original_name}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#attachments"
