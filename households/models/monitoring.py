"""防返贫监测: one household's case from the first risk signal to its elimination."""

from datetime import timedelta

from django.db import models
from django.db.models import F, Q

from povertyrelief.permissions import ScopedManager

from .registry import Household


class MonitoringType(models.TextChoices):
    UNSTABLE = "脱贫不稳定户", "脱贫不稳定户"
    MARGINAL = "边缘易致贫户", "边缘易致贫户"
    SUDDEN_HARDSHIP = "突发严重困难户", "突发严重困难户"


class SignalKind(models.TextChoices):
    DECLARED = "农户申报", "农户申报"
    SCREENING = "干部排查", "干部排查"
    DEPARTMENT = "部门预警", "部门预警"
    OTHER = "其他", "其他"


class MonitoringStage(models.TextChoices):
    """Identification of a monitoring object, one dated step at a time."""

    SIGNALLED = "signalled", "风险预警"
    CHECKED = "checked", "入户核查"
    REVIEWED = "reviewed", "民主评议"
    PUBLICITY = "publicity", "村级公示"
    PUBLICIZED = "publicized", "公示期满"
    TOWNSHIP_APPROVED = "township_approved", "乡镇审核"
    IDENTIFIED = "identified", "县级审定（纳入监测）"
    NOT_IDENTIFIED = "not_identified", "县级审定（不予纳入）"


MONITORING_STAGE_ORDER = [
    MonitoringStage.SIGNALLED, MonitoringStage.CHECKED, MonitoringStage.REVIEWED, MonitoringStage.PUBLICITY,
    MonitoringStage.PUBLICIZED, MonitoringStage.TOWNSHIP_APPROVED, MonitoringStage.IDENTIFIED,
]
MONITORING_DECIDED = (MonitoringStage.IDENTIFIED, MonitoringStage.NOT_IDENTIFIED)


class Monitoring(models.Model):
    """防返贫监测 of one household, from the first risk signal through
    入户核查, 民主评议, 村级公示, 乡镇审核 and 县级审定 to risk elimination;
    at most one open case per household. The decision is due within the
    year's deadline (15 days) of the first signal."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="monitorings")
    object_type = models.CharField("监测对象类型", max_length=10, choices=MonitoringType.choices)
    risk_description = models.TextField("风险描述")
    signal_kind = models.CharField("信号来源", max_length=6, choices=SignalKind.choices, default=SignalKind.OTHER)
    signal_date = models.DateField("首次风险信号日期", help_text="农户申报、干部排查或部门预警首次发现风险的日期；识别须在规定天数内完成")
    # signal_date + the year's deadline (年度标准, 15 days): a case is overdue
    # when its 县级审定 came, or is still missing, after this day.
    due_date = models.DateField("识别时限", editable=False)
    stage = models.CharField(
        "识别环节", max_length=20, choices=MonitoringStage.choices, default=MonitoringStage.SIGNALLED, editable=False
    )
    stage_date = models.DateField("环节日期", editable=False)
    checked_on = models.DateField("入户核查日期", null=True, blank=True, editable=False)
    reviewed_on = models.DateField("民主评议日期", null=True, blank=True, editable=False)
    publicity_start = models.DateField("公示开始日期", null=True, blank=True, editable=False)
    publicity_end = models.DateField("公示结束日期", null=True, blank=True, editable=False)
    township_approved_on = models.DateField("乡镇审核日期", null=True, blank=True, editable=False)
    decided_on = models.DateField("县级审定日期", null=True, blank=True, editable=False)
    return_reason = models.CharField("退回原因", max_length=200, blank=True, editable=False)
    returned_to_poverty = models.BooleanField("认定返贫", default=False, editable=False)
    risk_identified_date = models.DateField("风险识别时间", null=True, blank=True, editable=False, help_text="县级审定纳入监测的日期")
    income_stable_since = models.DateField(
        "收入稳定超过监测线起始日", null=True, blank=True, help_text="核实月人均收入持续高于监测线的起始日期"
    )
    no_labour_capacity = models.BooleanField("无劳动能力（纳入兜底后继续监测）", default=False)
    risk_eliminated = models.BooleanField("风险已消除", default=False)
    risk_eliminated_date = models.DateField("风险消除时间", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "防返贫监测"
        verbose_name_plural = "防返贫监测"
        ordering = ["household", "-signal_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(risk_eliminated=False) & ~Q(stage="not_identified"),
                name="%(app_label)s_%(class)s_one_open_case",
                violation_error_message="该户已有未消除风险的监测记录。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated=False) | Q(risk_eliminated_date__isnull=False),
                name="%(app_label)s_%(class)s_eliminated_has_date",
                violation_error_message="风险消除须填写消除时间。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated_date__isnull=True) | Q(risk_eliminated_date__gte=F("risk_identified_date")),
                name="%(app_label)s_%(class)s_eliminated_after_identified",
                violation_error_message="风险消除时间不能早于识别时间。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated=False) | Q(stage="identified"),
                name="%(app_label)s_%(class)s_eliminated_only_when_identified",
                violation_error_message="只有经县级审定纳入监测的对象才能标注风险消除。",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("signal_date")),
                name="%(app_label)s_%(class)s_decided_after_signal",
                violation_error_message="县级审定日期不能早于首次风险信号日期。",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("signal_date")), name="%(app_label)s_%(class)s_due_after_signal",
                violation_error_message="识别时限不能早于首次风险信号日期。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=MonitoringStage.values), name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message="识别环节无效。",
            ),
        ]
        indexes = [models.Index(fields=["due_date", "decided_on"], name="monitoring_due_decided")]

    def __str__(self) -> str:
        return f"{self.household} {self.object_type}"

    def save(self, *args, **kwargs):
        # A case written with only its 风险识别时间 (the shape of cases
        # recorded before the procedure, of bulk loads and fixtures) is an
        # identified case whose first signal and decision fell on that day.
        if self.signal_date is None and self.risk_identified_date is not None:
            self.signal_date = self.decided_on = self.risk_identified_date
            self.stage = MonitoringStage.IDENTIFIED
        if self.due_date is None and self.signal_date is not None:
            self.due_date = self.signal_date + timedelta(days=15)
        if self.stage_date is None:
            self.stage_date = self.decided_on or self.signal_date
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#monitoring"

    @property
    def is_open(self) -> bool:
        return not self.risk_eliminated and self.stage != MonitoringStage.NOT_IDENTIFIED

    @property
    def is_identified(self) -> bool:
        return self.stage == MonitoringStage.IDENTIFIED

    def overdue_on(self, today) -> bool:
        """Decided (or, undecided, still open on ``today``) after the deadline."""
        decided = self.decided_on or (None if self.stage in MONITORING_DECIDED else today)
        return decided is not None and decided > self.due_date

    @property
    def next_stage(self) -> str | None:
        if self.stage in MONITORING_DECIDED:
            return None
        return MONITORING_STAGE_ORDER[MONITORING_STAGE_ORDER.index(self.stage) + 1]
