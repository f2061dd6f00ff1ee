"""脱贫退出: household exit reviews through their stages, objections during
公示, and village exit with its checklist.

A household leaves poverty one way only: an ``ExitReview`` walked through
民主评议 → 核实 → 户主认可 → 村内公示 → 乡镇审核 → 县级审定 → 公告销号, each
step dated, never before the one before, by the level it belongs to; the
steps themselves are kept (``ExitStep``), returns included, so the review's
history reads as it happened.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from povertyrelief.permissions import ScopedManager


class ExitStage(models.TextChoices):
    """Where a review stands: the last step taken (or ``ended``)."""

    PROPOSED = "proposed", "民主评议"
    VERIFIED = "verified", "入户核实"
    CONSENTED = "consented", "户主认可"
    PUBLICITY = "publicity", "村内公示中"
    PUBLICIZED = "publicized", "公示期满"
    TOWNSHIP_APPROVED = "township_approved", "乡镇审核通过"
    COUNTY_APPROVED = "county_approved", "县级审定通过"
    ANNOUNCED = "announced", "公告销号"
    ENDED = "ended", "终止（异议成立）"


EXIT_STAGE_ORDER = [
    ExitStage.PROPOSED, ExitStage.VERIFIED, ExitStage.CONSENTED, ExitStage.PUBLICITY, ExitStage.PUBLICIZED,
    ExitStage.TOWNSHIP_APPROVED, ExitStage.COUNTY_APPROVED, ExitStage.ANNOUNCED,
]
# The date each stage writes on the review (cleared when the stage is returned).
STAGE_DATE_FIELDS = {
    ExitStage.PROPOSED: "proposed_on",
    ExitStage.VERIFIED: "verified_on",
    ExitStage.CONSENTED: "consented_on",
    ExitStage.PUBLICITY: "publicity_start",
    ExitStage.PUBLICIZED: "publicity_end",
    ExitStage.TOWNSHIP_APPROVED: "township_approved_on",
    ExitStage.COUNTY_APPROVED: "county_approved_on",
    ExitStage.ANNOUNCED: "announced_on",
}


class ThirdPartyResult(models.TextChoices):
    NOT_SAMPLED = "", "未抽查"
    PASSED = "passed", "抽查合格"
    FAILED = "failed", "抽查不合格"


class ExitReview(models.Model):
    """One household's exit (脱贫退出) attempt for one year."""

    household = models.ForeignKey(
        "households.Household", verbose_name="户", on_delete=models.PROTECT, related_name="exit_reviews"
    )
    year = models.PositiveSmallIntegerField("退出年度")
    stage = models.CharField("环节", max_length=20, choices=ExitStage.choices, default=ExitStage.PROPOSED, editable=False)
    stage_date = models.DateField("环节日期", editable=False)
    # 民主评议
    proposed_on = models.DateField("民主评议日期", null=True, blank=True, editable=False)
    votes_for = models.PositiveSmallIntegerField("同意票", default=0)
    votes_against = models.PositiveSmallIntegerField("反对票", default=0)
    votes_abstain = models.PositiveSmallIntegerField("弃权票", default=0)
    # 核实: 两不愁 attested at the home visit, the seven criteria saved as evidence.
    verified_on = models.DateField("入户核实日期", null=True, blank=True, editable=False)
    food_secure = models.BooleanField("不愁吃", null=True, editable=False)
    clothing_secure = models.BooleanField("不愁穿", null=True, editable=False)
    criteria = models.JSONField("核实时的退出标准", default=list, blank=True, editable=False)
    consented_on = models.DateField("户主认可日期", null=True, blank=True, editable=False)
    publicity_start = models.DateField("公示开始日期", null=True, blank=True, editable=False)
    publicity_end = models.DateField("公示结束日期", null=True, blank=True, editable=False)
    township_approved_on = models.DateField("乡镇审核日期", null=True, blank=True, editable=False)
    county_approved_on = models.DateField("县级审定日期", null=True, blank=True, editable=False)
    third_party_result = models.CharField(
        "第三方评估", max_length=8, choices=ThirdPartyResult.choices, default=ThirdPartyResult.NOT_SAMPLED, blank=True,
        editable=False,
    )
    third_party_note = models.CharField("第三方评估说明", max_length=200, blank=True, editable=False)
    announced_on = models.DateField("公告销号日期", null=True, blank=True, editable=False)
    return_reason = models.CharField("最近退回原因", max_length=200, blank=True, editable=False)
    end_reason = models.CharField("终止原因", max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评议录入人", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "脱贫退出评议"
        verbose_name_plural = "脱贫退出评议"
        ordering = ["-year", "household__village__code", "household__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="%(app_label)s_%(class)s_one_per_household_year",
                violation_error_message="该户该年度已有退出评议（每户每年一次）。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=ExitStage.values), name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message="环节无效。",
            ),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(food_secure=True, clothing_secure=True),
                name="%(app_label)s_%(class)s_verified_means_food_and_clothing",
                violation_error_message="入户核实须确认不愁吃、不愁穿。",
            ),
            models.CheckConstraint(
                condition=Q(publicity_end__isnull=True) | Q(publicity_end__gte=F("publicity_start")),
                name="%(app_label)s_%(class)s_publicity_ends_after_start",
                violation_error_message="公示结束日期不能早于开始日期。",
            ),
            models.CheckConstraint(
                condition=~Q(stage="announced") | Q(announced_on__isnull=False, county_approved_on__isnull=False),
                name="%(app_label)s_%(class)s_announced_after_county",
                violation_error_message="公告销号须在县级审定之后。",
            ),
        ]
        indexes = [models.Index(fields=["year", "stage"], name="exitreview_year_stage")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.household} 退出评议"

    def get_absolute_url(self) -> str:
        return reverse("assessment:review_detail", args=[self.pk])

    @property
    def next_stage(self) -> str | None:
        if self.stage in (ExitStage.ENDED, ExitStage.ANNOUNCED):
            return None
        return EXIT_STAGE_ORDER[EXIT_STAGE_ORDER.index(self.stage) + 1]

    @property
    def next_stage_label(self) -> str:
        return ExitStage(self.next_stage).label if self.next_stage else ""

    @property
    def is_open(self) -> bool:
        return self.stage not in (ExitStage.ENDED, ExitStage.ANNOUNCED)

    @property
    def votes(self) -> str:
        return f"同意 {self.votes_for}，反对 {self.votes_against}，弃权 {self.votes_abstain}"


class ExitStep(models.Model):
    """One step of a review as it happened: done, returned, or ended."""

    class Action(models.TextChoices):
        DONE = "done", "办理"
        RETURNED = "returned", "退回"
        ENDED = "ended", "终止"

    review = models.ForeignKey(ExitReview, verbose_name="退出评议", on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField("环节", max_length=20, choices=ExitStage.choices)
    action = models.CharField("办理结果", max_length=8, choices=Action.choices, default=Action.DONE)
    date = models.DateField("日期")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("意见或原因", max_length=200, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "review__household__village"

    class Meta:
        verbose_name = "退出评议环节"
        verbose_name_plural = "退出评议环节"
        ordering = ["review", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.review} {self.get_stage_display()} {self.get_action_display()} {self.date:%Y-%m-%d}"


class ObjectionDecision(models.TextChoices):
    PENDING = "pending", "核实中"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"


class ExitObjection(models.Model):
    """An objection raised during 公示: while it is being checked the 公示
    cannot end; upheld, it ends the review."""

    review = models.ForeignKey(ExitReview, verbose_name="退出评议", on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=30, blank=True, help_text="可匿名")
    content = models.TextField("异议内容")
    decision = models.CharField("核实结论", max_length=8, choices=ObjectionDecision.choices, default=ObjectionDecision.PENDING)
    decided_on = models.DateField("核实日期", null=True, blank=True)
    decision_note = models.CharField("核实情况", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    area_scope_path = "review__household__village"

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["review", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending", decided_on__isnull=True) | (~Q(decision="pending") & Q(decided_on__isnull=False)),
                name="%(app_label)s_%(class)s_decided_has_date",
                violation_error_message="核实结论须有核实日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} 异议 {self.received_on:%Y-%m-%d}（{self.get_decision_display()}）"

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + "#objections"


# --- village exit -----------------------------------------------------------


class VillageChecklistItem(models.Model):
    """One condition of the village exit checklist (seeded; county
    administrators extend it)."""

    name = models.CharField("条件", max_length=40, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "贫困村退出条件"
        verbose_name_plural = "贫困村退出条件"
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class VillageExitStage(models.TextChoices):
    PROPOSED = "proposed", "乡镇申请"
    APPROVED = "approved", "县级核查通过"
    PUBLICITY = "publicity", "公示中"
    ANNOUNCED = "announced", "公告退出"
    RETURNED = "returned", "县级退回"


class VillageExit(models.Model):
    """A village's exit (贫困村退出) for one year: the township proposes with
    the checklist answered, the county checks, 公示, and 公告. The incidence
    rate and the households failing 三保障 or 饮水 are snapshots of the day
    of each decision."""

    village = models.ForeignKey(
        "villages.Area", verbose_name="村", on_delete=models.PROTECT, related_name="village_exits",
        limit_choices_to={"level": "village"},
    )
    year = models.PositiveSmallIntegerField("退出年度")
    stage = models.CharField("环节", max_length=10, choices=VillageExitStage.choices, default=VillageExitStage.PROPOSED, editable=False)
    stage_date = models.DateField("环节日期", editable=False)
    proposed_on = models.DateField("乡镇申请日期", editable=False)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+", editable=False)
    poor_people = models.PositiveIntegerField("剩余贫困人口", editable=False)
    rural_population = models.PositiveIntegerField("农村户籍人口", editable=False)
    incidence_rate = models.DecimalField("贫困发生率(%)", max_digits=6, decimal_places=2, editable=False)
    rate_limit = models.DecimalField("退出上限(%)", max_digits=4, decimal_places=2, editable=False)
    households_short = models.PositiveIntegerField("三保障或饮水未达标户数", editable=False)
    approved_on = models.DateField("县级核查日期", null=True, blank=True, editable=False)
    publicity_start = models.DateField("公示开始日期", null=True, blank=True, editable=False)
    announced_on = models.DateField("公告退出日期", null=True, blank=True, editable=False)
    return_reason = models.CharField("退回原因", max_length=200, blank=True, editable=False)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = ScopedManager()
    area_scope_path = "village"

    class Meta:
        verbose_name = "贫困村退出"
        verbose_name_plural = "贫困村退出"
        ordering = ["-year", "village__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"], name="%(app_label)s_%(class)s_one_per_village_year",
                violation_error_message="该村该年度已有退出申请。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=VillageExitStage.values), name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message="环节无效。",
            ),
            models.CheckConstraint(
                condition=Q(rural_population__gt=0), name="%(app_label)s_%(class)s_has_population",
                violation_error_message="须先登记该村农村户籍人口。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.village.name} 退出"

    def get_absolute_url(self) -> str:
        return reverse("assessment:village_detail", args=[self.village_id]) + f"?year={self.year}"


class VillageChecklistResult(models.Model):
    """How one checklist condition stood when the township proposed."""

    village_exit = models.ForeignKey(VillageExit, verbose_name="贫困村退出", on_delete=models.PROTECT, related_name="results")
    item = models.ForeignKey(VillageChecklistItem, verbose_name="条件", on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField("达到")
    note = models.CharField("情况说明", max_length=200, blank=True)

    objects = ScopedManager()
    area_scope_path = "village_exit__village"

    class Meta:
        verbose_name = "贫困村退出条件核查"
        verbose_name_plural = "贫困村退出条件核查"
        ordering = ["village_exit", "item__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village_exit", "item"], name="%(app_label)s_%(class)s_once_per_exit",
                violation_error_message="每项条件只核查一次。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}：{'达到' if self.met else '未达到'}"


ZERO = Decimal("0.00")
