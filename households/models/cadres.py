"""帮扶责任人, their pairings with households (帮扶结对) and visits (走访记录)."""


from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from povertyrelief.permissions import ScopedManager

from .registry import Household


class UnitLevel(models.TextChoices):
    PROVINCE = "省直", "省直"
    CITY = "市直", "市直"
    COUNTY = "县直", "县直"
    TOWNSHIP = "乡镇", "乡镇"
    VILLAGE = "村级", "村级"


class Cadre(models.Model):
    name = models.CharField("姓名", max_length=30)
    unit = models.CharField("工作单位", max_length=100)
    unit_level = models.CharField("单位层级", max_length=4, choices=UnitLevel.choices)
    position = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20)
    area = models.ForeignKey(
        "villages.Area", verbose_name="管理区划", on_delete=models.PROTECT, related_name="cadres",
        help_text="登记并管理该干部的县、乡镇或村",
    )
    active = models.BooleanField("在岗", default=True)

    objects = ScopedManager()
    area_scope_path = "area"
    # Cadres of higher units serve households below them: village and
    # township staff see (and assign) the county's and their township's.
    area_scope_upward = ("view",)

    class Meta:
        verbose_name = "帮扶责任人"
        verbose_name_plural = "帮扶责任人"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    def get_absolute_url(self) -> str:
        return reverse("households:cadre_detail", args=[self.pk])


class Assignment(models.Model):
    """帮扶结对: a cadre helps a household from start to end."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="assignments")
    cadre = models.ForeignKey(Cadre, verbose_name="帮扶责任人", on_delete=models.PROTECT, related_name="assignments")
    start_date = models.DateField("结对日期")
    end_date = models.DateField("解除日期", null=True, blank=True)
    end_reason = models.CharField("解除原因", max_length=100, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "帮扶结对"
        verbose_name_plural = "帮扶结对"
        ordering = ["household", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(end_date__isnull=True),
                name="%(app_label)s_%(class)s_one_current_per_household",
                violation_error_message="该户已有在帮的帮扶责任人，请先解除或更换。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message="解除日期不能早于结对日期。",
            ),
        ]
        indexes = [models.Index(fields=["cadre", "end_date"], name="assignment_cadre_current")]

    def __str__(self) -> str:
        return f"{self.cadre.name} 帮扶 {self.household}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#cadres"


class Visit(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(Cadre, verbose_name="走访干部", on_delete=models.PROTECT, related_name="visits")
    date = models.DateField("走访日期")
    content = models.TextField("走访内容")
    photo = models.ImageField("照片", upload_to="visits/%Y/%m/", blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["household", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.cadre.name} 走访 {self.household}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#visits"
