"""Annual targets per township (年度脱贫目标), set by county administrators
and shown on the battle map against the year's exits; and the maps as last
computed (``MapSnapshot``), which every page view reads."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
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


class MapSnapshot(models.Model):
    """The battle map of one area and year as last computed, so a page view
    reads one row instead of aggregating the county. Derived data, never
    edited: recomputed in the background when the audit log has moved on
    (``stamp``), a day has passed, or it is older than the freshness limit."""

    area = models.ForeignKey("villages.Area", verbose_name="区划", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    data = models.JSONField("挂图数据", encoder=DjangoJSONEncoder)
    stamp = models.BigIntegerField("计算时的最新审计记录", null=True)
    computed_at = models.DateTimeField("计算时间")
    computed_on = models.DateField("计算所依据的日期")
    refresh_requested_at = models.DateTimeField("后台更新请求时间", null=True, blank=True)

    area_scope_path = "area"

    class Meta:
        verbose_name = "挂图数据快照"
        verbose_name_plural = "挂图数据快照"
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="%(app_label)s_%(class)s_one_per_area_year"),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}年挂图（{self.computed_at:%Y-%m-%d %H:%M}）"
