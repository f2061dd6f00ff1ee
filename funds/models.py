"""资金与项目: fund sources, the project library, allocations and
disbursements.

Every 元 is traceable: a disbursement pays out of one allocation, an
allocation comes from one source and goes to one project, one village or
some household measures. Running totals are kept on the source
(``allocated_total``) and on the allocation (``confirmed_total``,
``pending_total``) by the services under ``select_for_update()``, so the
ledgers aggregate allocations instead of every disbursement; the database
refuses a row whose totals break the rules, and ``check_ledger`` recomputes
them from the entries.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse

from povertyrelief.permissions import ScopedManager

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def running_total(label: str):
    return models.DecimalField(label, default=ZERO, editable=False, **MONEY)


class FundLevel(models.TextChoices):
    CENTRAL = "central", "中央财政专项"
    PROVINCIAL = "provincial", "省级财政专项"
    CITY = "city", "市级财政专项"
    COUNTY = "county", "县级财政专项"
    INTEGRATED = "integrated", "行业整合资金"
    COOPERATION = "cooperation", "东西部协作/对口帮扶"
    DONATION = "donation", "社会捐赠"
    CREDIT = "credit", "金融信贷"


class FundSource(models.Model):
    """资金来源: one document (文号) putting an amount at the county's (or a
    township's, or a village's) disposal for a year."""

    area = models.ForeignKey(
        "villages.Area", verbose_name="资金归属区划", on_delete=models.PROTECT, related_name="fund_sources"
    )
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("资金级次", max_length=12, choices=FundLevel.choices)
    name = models.CharField("资金名称", max_length=100)
    document_number = models.CharField("文号", max_length=60)
    amount = models.DecimalField("下达金额(元)", **MONEY)
    budget_subject = models.CharField("预算科目", max_length=60, blank=True, help_text="如：2130599 其他扶贫支出")
    issued_date = models.DateField("下达日期")
    note = models.CharField("备注", max_length=200, blank=True)
    allocated_total = running_total("已分配(元)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "area"

    class Meta:
        verbose_name = "资金来源"
        verbose_name_plural = "资金来源"
        ordering = ["-year", "level", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message="下达金额必须大于零。",
            ),
            models.CheckConstraint(
                condition=Q(allocated_total__gte=0) & Q(allocated_total__lte=F("amount")),
                name="%(app_label)s_%(class)s_allocated_within_amount",
                violation_error_message="已分配金额不能超过下达金额。",
            ),
            models.CheckConstraint(
                condition=Q(level__in=FundLevel.values), name="%(app_label)s_%(class)s_level_valid",
                violation_error_message="资金级次无效。",
            ),
        ]
        indexes = [models.Index(fields=["year", "level"], name="fundsource_year_level")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}（{self.document_number}）"

    def get_absolute_url(self) -> str:
        return reverse("funds:source_detail", args=[self.pk])

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_total


class ProjectType(models.TextChoices):
    ROAD = "road", "基础设施·道路"
    WATER = "water", "基础设施·饮水"
    POWER = "power", "基础设施·电力"
    TELECOM = "telecom", "基础设施·通讯"
    INDUSTRY = "industry", "产业发展"
    PUBLIC_SERVICE = "public_service", "公共服务"
    RELOCATION = "relocation", "易地搬迁配套"
    OTHER = "other", "其他"


class ConstructionNature(models.TextChoices):
    NEW = "new", "新建"
    RENOVATION = "renovation", "改建"
    EXPANSION = "expansion", "扩建"
    REPAIR = "repair", "维修养护"
    PURCHASE = "purchase", "购置"
    OTHER = "other", "其他"


class ProjectStage(models.TextChoices):
    RESERVE = "reserve", "储备"
    APPROVED = "approved", "批准"
    IN_PROGRESS = "in_progress", "实施"
    COMPLETED = "completed", "完工"
    ACCEPTED = "accepted", "验收"


STAGE_ORDER = list(ProjectStage.values)


class Project(models.Model):
    """项目库: a project enters the library (储备) with its 绩效目标 and then
    moves, one dated step at a time, to 验收."""

    area = models.ForeignKey(
        "villages.Area", verbose_name="所属区划", on_delete=models.PROTECT, related_name="fund_projects", editable=False
    )
    villages = models.ManyToManyField(
        "villages.Area", verbose_name="实施村", related_name="village_projects", blank=True,
        limit_choices_to={"level": "village"},
    )
    year = models.PositiveSmallIntegerField("项目年度")
    name = models.CharField("项目名称", max_length=100)
    project_type = models.CharField("项目类型", max_length=16, choices=ProjectType.choices)
    construction_nature = models.CharField("建设性质", max_length=12, choices=ConstructionNature.choices)
    content = models.TextField("建设内容及规模", blank=True)
    responsible_unit = models.CharField("责任单位", max_length=60)
    budget = models.DecimalField("预算金额(元)", **MONEY)
    performance_target = models.TextField("绩效目标", help_text="产出、效益和满意度指标；没有绩效目标的项目不能入库")
    beneficiary_households = models.PositiveIntegerField("受益户数", default=0)
    beneficiary_people = models.PositiveIntegerField("受益人数", default=0)
    beneficiaries = models.ManyToManyField(
        "households.Household", verbose_name="受益建档立卡户", related_name="fund_projects", blank=True
    )
    stage = models.CharField("项目状态", max_length=12, choices=ProjectStage.choices, default=ProjectStage.RESERVE, editable=False)
    stage_date = models.DateField("状态日期", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "area"

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["-year", "area__code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gt=0), name="%(app_label)s_%(class)s_budget_positive",
                violation_error_message="预算金额必须大于零。",
            ),
            models.CheckConstraint(
                condition=~Q(performance_target=""), name="%(app_label)s_%(class)s_has_performance_target",
                violation_error_message="没有绩效目标的项目不能入库。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=STAGE_ORDER), name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message="项目状态无效。",
            ),
        ]
        indexes = [models.Index(fields=["year", "stage"], name="project_year_stage")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("funds:project_detail", args=[self.pk])

    @property
    def next_stage(self) -> str | None:
        index = STAGE_ORDER.index(self.stage)
        return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None

    @property
    def next_stage_label(self) -> str:
        return ProjectStage(self.next_stage).label if self.next_stage else ""

    @property
    def publicity_kind(self) -> str | None:
        """公示 before approval (拟实施) and after completion (实施结果)."""
        if self.stage == ProjectStage.RESERVE:
            return "plan"
        if self.stage in (ProjectStage.COMPLETED, ProjectStage.ACCEPTED):
            return "result"
        return None


class ProjectStep(models.Model):
    """One dated step of a project through the library, with who took it."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField("环节", max_length=12, choices=ProjectStage.choices)
    date = models.DateField("日期")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "project__area"

    class Meta:
        verbose_name = "项目环节"
        verbose_name_plural = "项目环节"
        ordering = ["project", "date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage"], name="%(app_label)s_%(class)s_one_per_stage",
                violation_error_message="该项目已有这一环节。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_stage_display()} {self.date:%Y-%m-%d}"


class AllocationTarget(models.TextChoices):
    PROJECT = "project", "项目"
    VILLAGE = "village", "村"
    MEASURES = "measures", "到户帮扶措施"


class AllocationStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CANCELLED = "cancelled", "已撤销"


class Allocation(models.Model):
    """资金分配: an amount of one source for one project, one village, or
    one or more household measures (each with its share). Never deleted: an
    allocation nothing was paid out of is cancelled (已撤销) with a reason,
    stays on record and counts in no total."""

    source = models.ForeignKey(FundSource, verbose_name="资金来源", on_delete=models.PROTECT, related_name="allocations")
    target = models.CharField("分配对象", max_length=10, choices=AllocationTarget.choices)
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    village = models.ForeignKey(
        "villages.Area", verbose_name="村", on_delete=models.PROTECT, null=True, blank=True, related_name="fund_allocations",
        limit_choices_to={"level": "village"},
    )
    measures = models.ManyToManyField(
        "households.Measure", verbose_name="帮扶措施", through="AllocationMeasure", related_name="allocations", blank=True
    )
    area = models.ForeignKey(
        "villages.Area", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+", editable=False
    )
    amount = models.DecimalField("分配金额(元)", **MONEY)
    date = models.DateField("分配日期")
    document_number = models.CharField("分配文号", max_length=60, blank=True)
    purpose = models.CharField("用途", max_length=200, blank=True)
    confirmed_total = running_total("已拨付(元)")
    pending_total = running_total("待确认(元)")
    status = models.CharField(
        "状态", max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.ACTIVE, editable=False
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False,
    )
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "area"

    class Meta:
        verbose_name = "资金分配"
        verbose_name_plural = "资金分配"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message="分配金额必须大于零。",
            ),
            models.CheckConstraint(
                # Rounded to the fen: SQLite adds the two columns in binary
                # floating point (0.01 + 0.02 > 0.03 there).
                condition=Q(confirmed_total__gte=0) & Q(pending_total__gte=0)
                & Q(GreaterThanOrEqual(Round(F("amount") - F("confirmed_total") - F("pending_total"), 2), 0)),
                name="%(app_label)s_%(class)s_disbursed_within_amount",
                violation_error_message="已拨付与待确认金额之和不能超过分配金额。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(target=AllocationTarget.PROJECT, project__isnull=False, village__isnull=True)
                    | Q(target=AllocationTarget.VILLAGE, project__isnull=True, village__isnull=False)
                    | Q(target=AllocationTarget.MEASURES, project__isnull=True, village__isnull=True)
                ),
                name="%(app_label)s_%(class)s_one_target",
                violation_error_message="分配对象须为一个项目、一个村或若干户帮扶措施之一。",
            ),
            models.CheckConstraint(
                condition=Q(status=AllocationStatus.ACTIVE, cancelled_by__isnull=True, cancelled_at__isnull=True)
                | (Q(status=AllocationStatus.CANCELLED, cancelled_by__isnull=False, cancelled_at__isnull=False,
                     confirmed_total=0, pending_total=0) & ~Q(cancel_reason="")),
                name="%(app_label)s_%(class)s_cancelled_holds_nothing",
                violation_error_message="只有未拨付（含待确认）的资金分配可以撤销，且须说明撤销原因。",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "date"], name="allocation_target_date"),
            # The ledger by allocation and the allocation list, newest first: one page read in index order.
            models.Index(fields=["-date", "-id"], name="allocation_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target_label}（{self.amount:,.2f} 元）"

    def get_absolute_url(self) -> str:
        return reverse("funds:allocation_detail", args=[self.pk])

    @property
    def target_label(self) -> str:
        if self.target == AllocationTarget.PROJECT:
            return f"项目：{self.project.name}"
        if self.target == AllocationTarget.VILLAGE:
            return f"村：{self.village.name}"
        return f"到户措施（{self.area.name}）"

    @property
    def is_cancelled(self) -> bool:
        return self.status == AllocationStatus.CANCELLED

    @property
    def balance(self) -> Decimal:
        """Not yet paid out (pending entries included)."""
        return self.amount - self.confirmed_total

    @property
    def available(self) -> Decimal:
        """What a new disbursement may still take."""
        return self.amount - self.confirmed_total - self.pending_total


class AllocationMeasure(models.Model):
    """The share of an allocation that funds one household measure, and the
    household's village when it was funded: where the money went, as an
    allocation keeps its area. It scopes the share without reaching through
    the measures and households (a few thousand shares against a million
    measures), so the measure ledger costs the same at any size."""

    allocation = models.ForeignKey(Allocation, verbose_name="资金分配", on_delete=models.PROTECT, related_name="measure_shares")
    measure = models.ForeignKey("households.Measure", verbose_name="帮扶措施", on_delete=models.PROTECT, related_name="fund_shares")
    village = models.ForeignKey(
        "villages.Area", verbose_name="村", on_delete=models.PROTECT, related_name="+", editable=False,
    )
    amount = models.DecimalField("金额(元)", **MONEY)

    objects = ScopedManager()
    area_scope_path = "village"

    class Meta:
        verbose_name = "措施资金"
        verbose_name_plural = "措施资金"
        ordering = ["allocation", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message="措施资金必须大于零。",
            ),
            models.UniqueConstraint(
                fields=["allocation", "measure"], name="%(app_label)s_%(class)s_once_per_allocation",
                violation_error_message="同一笔分配中每项措施只能出现一次。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} ← {self.amount:,.2f} 元"


class DisbursementStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class Disbursement(models.Model):
    """拨付: money paid out of an allocation. Recorded by one user, confirmed
    by another (or withdrawn by the one who recorded it before that); once
    confirmed never edited nor deleted, only reversed by a negative entry
    that points to it."""

    allocation = models.ForeignKey(Allocation, verbose_name="资金分配", on_delete=models.PROTECT, related_name="disbursements")
    measure = models.ForeignKey(
        "households.Measure", verbose_name="对应帮扶措施", on_delete=models.PROTECT, null=True, blank=True,
        related_name="disbursements",
    )
    amount = models.DecimalField("金额(元)", **MONEY)
    date = models.DateField("拨付日期")
    payee = models.CharField("收款单位或个人", max_length=100)
    voucher_number = models.CharField("凭证号", max_length=40)
    note = models.CharField("摘要", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=DisbursementStatus.choices, default=DisbursementStatus.PENDING)
    reversal_of = models.ForeignKey(
        "self", verbose_name="冲销的拨付", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals"
    )
    reason = models.CharField("冲销、退回或撤回原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField("审核时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True, editable=False)
    # The one-time token of the form it came from: a second submission of
    # the same form finds this row instead of paying twice.
    submission_token = models.UUIDField("提交标识", null=True, blank=True, unique=True, editable=False)

    objects = ScopedManager()
    area_scope_path = "allocation__area"

    class Meta:
        verbose_name = "拨付"
        verbose_name_plural = "拨付"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True, amount__gt=0) | Q(reversal_of__isnull=False, amount__lt=0),
                name="%(app_label)s_%(class)s_sign",
                violation_error_message="拨付金额必须大于零；冲销金额为负数并须指明所冲销的拨付。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[DisbursementStatus.PENDING, DisbursementStatus.WITHDRAWN], checked_by__isnull=True)
                | (Q(status__in=[DisbursementStatus.CONFIRMED, DisbursementStatus.REJECTED], checked_by__isnull=False)
                   & ~Q(checked_by=F("recorded_by"))),
                name="%(app_label)s_%(class)s_maker_checker",
                violation_error_message="拨付须由录入人以外的另一名用户确认或退回。",
            ),
            models.CheckConstraint(
                condition=Q(status=DisbursementStatus.WITHDRAWN, withdrawn_at__isnull=False)
                | (~Q(status=DisbursementStatus.WITHDRAWN) & Q(withdrawn_at__isnull=True)),
                name="%(app_label)s_%(class)s_withdrawn_dated",
                violation_error_message="撤回的拨付须记录撤回时间。",
            ),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True) | ~Q(reason=""), name="%(app_label)s_%(class)s_reversal_has_reason",
                violation_error_message="冲销须说明原因。",
            ),
            models.UniqueConstraint(
                fields=["reversal_of"], condition=Q(status__in=[DisbursementStatus.PENDING, DisbursementStatus.CONFIRMED]),
                name="%(app_label)s_%(class)s_reversed_once",
                violation_error_message="该笔拨付已冲销（或冲销待确认），不能重复冲销。",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date"], name="disbursement_status_date"),
            # What was paid for one measure under one allocation (the measure
            # ledger): only the entries naming a measure, so it stays small.
            models.Index(fields=["measure", "allocation"], condition=Q(measure__isnull=False), name="disbursement_measure_paid"),
        ]

    def __str__(self) -> str:
        kind = "冲销" if self.reversal_of_id else "拨付"
        return f"{kind} {self.amount:,.2f} 元 → {self.payee}（凭证 {self.voucher_number}）"

    def get_absolute_url(self) -> str:
        return reverse("funds:disbursement_detail", args=[self.pk])

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None
