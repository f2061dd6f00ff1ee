"""Annual targets per township (年度脱贫目标), set by county administrators
and shown on the battle map against the year's exits."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from povertyrelief.permissions import ScopedManager


class AnnualTarget(models.Model):
    township = models.ForeignKey(
        "villages.Area", verbose_name="乡镇", on_delete=models.PROTECT, related_name="annual_targets",
        limit_choices_to={"level": "township"},
    )
    year = models.PositiveSmallIntegerField("年度")
    households = models.PositiveIntegerField("脱贫户数目标", default=0)
    people = models.PositiveIntegerField("脱贫人数目标", default=0)
    villages = models.PositiveIntegerField("退出贫困村目标", default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", on_delete=models.PROTECT, related_name="+", null=True,
        editable=False,
    )
    updated_at = models.DateTimeField("设定时间", auto_now=True)

    objects = ScopedManager()
    area_scope_path = "township"

    class Meta:
        verbose_name = "年度脱贫目标"
        verbose_name_plural = "年度脱贫目标"
        ordering = ["-year", "township__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "year"], name="%(app_label)s_%(class)s_one_per_township_year",
                violation_error_message="该乡镇该年度已有目标。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2013), name="%(app_label)s_%(class)s_year_from_2013",
                violation_error_message="年度不能早于2013年。",
            ),
            models.CheckConstraint(
                condition=Q(people__gte=F("households")), name="%(app_label)s_%(class)s_people_cover_households",
                violation_error_message="脱贫人数目标不能少于脱贫户数目标（每户至少一人）。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year}年脱贫目标"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dashboard:target_edit") + f"?year={self.year}"

    def clean(self) -> None:
        if self.township_id and self.township.level != "township":
            raise ValidationError({"township": "年度目标只能设定到乡镇。"})
