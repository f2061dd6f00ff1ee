"""Data-quality rules of funds and projects (数据质量): disbursements
waiting too long for their checker, projects past their year still 实施,
project steps dated out of order."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from povertyrelief.dashboard import MapScope, quality_rule

from .models import STAGE_ORDER, Disbursement, DisbursementStatus, Project, ProjectStage, ProjectStep

GROUP = "资金项目"
# A pending disbursement waits at most this many days for its checker.
CONFIRM_WITHIN_DAYS = 30


@quality_rule(
    "disbursement_unconfirmed", f"拨付超过{CONFIRM_WITHIN_DAYS}天未确认",
    model=Disbursement, area_path="allocation__area", related=("allocation",), group=GROUP, order=210,
    explanation=f"拨付须由录入人以外的县级管理员确认；拨付日期后 {CONFIRM_WITHIN_DAYS} 天仍待确认的，请尽快确认或退回。",
    detail=lambda d: f"拨付日期 {d.date:%Y-%m-%d}，{d.amount:,.2f} 元，收款 {d.payee}，凭证 {d.voucher_number}，仍待确认",
)
def disbursement_unconfirmed(disbursements, scope: MapScope):
    return disbursements.filter(
        status=DisbursementStatus.PENDING, date__lte=scope.today - timedelta(days=CONFIRM_WITHIN_DAYS)
    )


@quality_rule(
    "project_overdue_in_progress", "项目已过计划完工期仍为实施状态",
    model=Project, area_path="area", group=GROUP, order=220,
    explanation="项目按项目年度当年年底完工；项目年度已过仍为“实施”的，请登记完工，或核实进度。",
    detail=lambda p: f"项目年度 {p.year} 年，{p.stage_date:%Y-%m-%d} 起为“{p.get_stage_display()}”",
)
def project_overdue_in_progress(projects, scope: MapScope):
    return projects.filter(stage=ProjectStage.IN_PROGRESS, year__lt=scope.today.year)


def _stage_index(field: str) -> Case:
    return Case(*[When(**{field: stage}, then=Value(i)) for i, stage in enumerate(STAGE_ORDER)], output_field=IntegerField())


@quality_rule(
    "project_steps_out_of_order", "项目环节日期先后颠倒",
    model=Project, area_path="area", group=GROUP, order=230,
    explanation="项目依次经过储备、批准、实施、完工、验收，后一环节的日期不能早于前一环节。",
    detail=lambda p: "，".join(f"{s.get_stage_display()} {s.date:%Y-%m-%d}" for s in p.steps.all()),
)
def project_steps_out_of_order(projects, scope: MapScope):
    steps = ProjectStep.objects.annotate(position=_stage_index("stage"))
    earlier_dated_later = steps.filter(project=OuterRef("project"), position__lt=OuterRef("position"), date__gt=OuterRef("date"))
    inverted = steps.filter(project=OuterRef("pk")).filter(Exists(earlier_dated_later))
    return projects.filter(Exists(inverted)).prefetch_related("steps")
