"""Showcase for the data-quality finder (seed_demo command only): a few
fund records breaking each funds rule — disbursements left unconfirmed for
weeks, a project of an earlier year still 实施, step dates entered in the
wrong order. Queryset updates, like the rest of the demo: no audit entries.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .quality import CONFIRM_WITHIN_DAYS
from .models import Disbursement, DisbursementStatus, Project, ProjectStage, ProjectStep


@transaction.atomic
def seed_quality_examples(*, rng, demo, log) -> None:
    today = timezone.localdate()
    made = 0
    pending = list(Disbursement.objects.filter(status=DisbursementStatus.PENDING).order_by("pk")[:50])
    rng.shuffle(pending)
    for disbursement in pending[:3]:
        late = today - timedelta(days=CONFIRM_WITHIN_DAYS + rng.randint(5, 60))
        made += Disbursement.objects.filter(pk=disbursement.pk).update(date=max(late, disbursement.allocation.date))
    stalled = list(Project.objects.filter(stage=ProjectStage.IN_PROGRESS).order_by("pk")[:50])
    rng.shuffle(stalled)
    for project in stalled[:2]:
        if project.year >= today.year:
            made += Project.objects.filter(pk=project.pk).update(year=today.year - 1)
        else:
            made += 1
    approved = list(ProjectStep.objects.filter(stage=ProjectStage.APPROVED).select_related("project").order_by("pk")[:50])
    rng.shuffle(approved)
    for step in approved[:2]:
        reserve = ProjectStep.objects.filter(project=step.project, stage=ProjectStage.RESERVE).first()
        if reserve is not None:
            made += ProjectStep.objects.filter(pk=step.pk).update(date=reserve.date - timedelta(days=10))
    log(f"数据质量示例（资金项目）：{made} 条记录")
