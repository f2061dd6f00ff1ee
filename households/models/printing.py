"""明白卡 prints and their handing over."""


from django.conf import settings
from django.db import models

from povertyrelief.permissions import ScopedManager

from .registry import Household


class CardPrint(models.Model):
    """One printing of a household's 明白卡, and its handing over."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="card_prints")
    year = models.PositiveSmallIntegerField("年度")
    printed_at = models.DateTimeField("打印时间")
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打印人", on_delete=models.PROTECT, related_name="+"
    )
    handed_over_on = models.DateField("发放日期", null=True, blank=True)
    handed_over_by = models.CharField("发放人", max_length=30, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "明白卡打印记录"
        verbose_name_plural = "明白卡打印记录"
        ordering = ["household", "-printed_at"]
        indexes = [models.Index(fields=["household", "-printed_at"], name="cardprint_household_latest")]

    def __str__(self) -> str:
        return f"{self.household} {self.year}年明白卡 {self.printed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url()
