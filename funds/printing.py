"""项目公示: printed before a project is approved (拟实施项目公示) and after
it is completed (项目实施结果公示). Beneficiaries appear by 户主 name and
village only: no ID, phone, bank account or health data."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from povertyrelief.exports import area_full_name
from povertyrelief.pdf import render_pdf
from povertyrelief.privacy import personal_data_access_record

from .models import Project
from .selectors import allocation_list, allocation_totals

SUPERVISION_HOTLINE = "12317"
PUBLICITY_TITLES = {"plan": "拟实施项目公示", "result": "项目实施结果公示"}


def publicity_days() -> int:
    return getattr(settings, "PROJECT_PUBLICITY_DAYS", 10)


def project_publicity_context(*, actor, project: Project) -> dict:
    kind = project.publicity_kind
    if kind is None:
        raise PermissionDenied("项目批准后、完工前不印发公示。")
    allocations = allocation_list(actor=actor, filters={"project": project.pk})
    start = timezone.localdate()
    beneficiaries = list(
        project.beneficiaries.select_related("village").order_by("village__code", "number").values_list("village__name", "head_name")
    )
    return {
        "title": PUBLICITY_TITLES[kind],
        "kind": kind,
        "project": project,
        "area_name": area_full_name(project.area),
        "villages": [v.name for v in project.villages.all()],
        "allocations": allocations,
        "totals": allocation_totals(allocations),
        "beneficiaries": beneficiaries,
        "start": start,
        "end": start + timedelta(days=publicity_days() - 1),
        "days": publicity_days(),
        "hotline": SUPERVISION_HOTLINE,
    }


def project_publicity_pdf(*, actor, project: Project) -> bytes:
    context = project_publicity_context(actor=actor, project=project)
    if context["beneficiaries"]:
        personal_data_access_record(
            actor=actor, kind="print", what=context["title"], object_repr=str(project), rows=len(context["beneficiaries"])
        )
    return render_pdf("pdf/project_publicity.html", context)
