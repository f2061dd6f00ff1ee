"""帮扶措施 and the county's catalogue of them."""


from django.db import models
from django.db.models import Q

from povertyrelief.permissions import ScopedManager

from .cadres import Cadre
from .registry import Household, MONEY, Member


class MeasureGroup(models.TextChoices):
    INDUSTRY = "产业扶贫", "产业扶贫"
    EMPLOYMENT = "就业扶贫", "就业扶贫"
    RELOCATION = "易地扶贫搬迁", "易地扶贫搬迁"
    EDUCATION = "教育扶贫", "教育扶贫"
    HEALTH = "健康扶贫", "健康扶贫"
    HOUSING = "危房改造", "危房改造"
    FINANCE = "金融扶贫", "金融扶贫"
    ECOLOGY = "生态扶贫", "生态扶贫"
    SOCIAL_SECURITY = "综合保障", "综合保障"
    LIVING_CONDITIONS = "生活条件改善", "生活条件改善"
    MOTIVATION = "扶志教育", "扶志教育"
    OTHER = "其他", "其他"


class MeasureCategory(models.Model):
    """The measure catalogue (seeded; county administrators extend it)."""

    group = models.CharField("类别", max_length=10, choices=MeasureGroup.choices)
    name = models.CharField("措施", max_length=30)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "帮扶措施目录"
        verbose_name_plural = "帮扶措施目录"
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "name"], name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="该类别下已有同名措施。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}·{self.name}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    IN_PROGRESS = "in_progress", "实施中"
    DONE = "done", "已落实"


class Measure(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="measures")
    member = models.ForeignKey(
        Member, verbose_name="受益成员", on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.ForeignKey(MeasureCategory, verbose_name="措施类别", on_delete=models.PROTECT, related_name="measures")
    content = models.CharField("帮扶内容", max_length=200)
    amount = models.DecimalField("金额(元)", null=True, blank=True, **MONEY)
    planned_date = models.DateField("计划日期", null=True, blank=True)
    done_date = models.DateField("落实日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    cadre = models.ForeignKey(
        Cadre, verbose_name="责任人", on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["household", "-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message="金额不能为负数。",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_date__isnull=False), name="%(app_label)s_%(class)s_done_has_date",
                violation_error_message="已落实的措施须填写落实日期。",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="measure_year_status")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.category.name}：{self.content}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#measures"
