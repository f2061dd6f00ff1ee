from django.db import models
from django.db.models import Q
from django.urls import reverse

from povertyrelief.permissions import ScopedManager


class AreaLevel(models.TextChoices):
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡镇"
    VILLAGE = "village", "村"


class Area(models.Model):
    """County, township or village, identified by its 12-digit statistical code."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("级别", max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    rural_population = models.PositiveIntegerField("农村户籍人口", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = ""

    class Meta:
        verbose_name = "区划"
        verbose_name_plural = "区划"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}$"),
                name="%(app_label)s_%(class)s_code_12_digits",
                violation_error_message="区划代码必须是12位数字。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="county", code__endswith="000000")
                    | Q(level="township", code__endswith="000") & ~Q(code__endswith="000000")
                    | Q(level="village") & ~Q(code__endswith="000")
                ),
                name="%(app_label)s_%(class)s_code_matches_level",
                violation_error_message="区划代码与级别不符：县级以000000结尾，乡镇以000结尾，村不以000结尾。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("villages:area_detail", args=[self.pk])

    @property
    def is_village(self) -> bool:
        return self.level == AreaLevel.VILLAGE


class WorkTeam(models.Model):
    """驻村工作队: the team a higher-level unit sends to live and work in a village."""

    village = models.ForeignKey(
        Area, verbose_name="村", on_delete=models.PROTECT, related_name="work_teams", limit_choices_to={"level": "village"}
    )
    dispatching_unit = models.CharField("派出单位", max_length=100)
    leader_name = models.CharField("队长", max_length=30)
    leader_phone = models.CharField("队长电话", max_length=20, blank=True)
    first_secretary_name = models.CharField("第一书记", max_length=30)
    first_secretary_unit = models.CharField("第一书记单位", max_length=100, blank=True)
    first_secretary_phone = models.CharField("第一书记电话", max_length=20, blank=True)
    members = models.TextField("队员", blank=True, help_text="每行一人：姓名 单位 电话")
    start_date = models.DateField("派驻日期")
    end_date = models.DateField("撤离日期", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = "village"

    class Meta:
        verbose_name = "驻村工作队"
        verbose_name_plural = "驻村工作队"
        ordering = ["village__code", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message="撤离日期不能早于派驻日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}驻村工作队（{self.dispatching_unit}）"

    def get_absolute_url(self) -> str:
        return reverse("villages:workteam_detail", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.end_date is None
