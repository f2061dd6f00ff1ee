"""户主认可书: the one-page form the household head signs at 户主认可,
printed from the review once 入户核实 has saved the criteria. It shows the
seven criteria as saved then, the year's income against the line, the
民主评议 and 入户核实 dates, and the signature lines; the head's ID number
is masked as on the 明白卡."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from households.models import AnnualStandard, Assignment, Income, Member
from households.selectors.income import county_province
from households.selectors.printing import mask_document
from povertyrelief.models import User
from povertyrelief.pdf import ledger_cell, render_pdf
from povertyrelief.privacy import personal_data_access_record

from .criteria import from_snapshot
from .models import ExitReview, ExitStage

NOT_YET = "尚未登记入户核实，不能打印户主认可书：请先完成入户核实（核实时保存的退出标准印在认可书上）。"
ENDED = "本年度退出评议已终止，不再打印户主认可书。"


def consent_form_refusal(review: ExitReview) -> str | None:
    """Why the form cannot be printed yet (or any more), or None."""
    if review.stage == ExitStage.ENDED:
        return ENDED
    if review.verified_on is None or not review.criteria:
        return NOT_YET
    return None


def consent_form_context(*, review: ExitReview) -> dict:
    household = review.household
    village = household.village
    township = village.parent
    members = list(Member.objects.filter(household=household, left_date__isnull=True).order_by("pk"))
    head = next((m for m in members if m.relation == "户主"), None)
    income = Income.objects.filter(household=household, year=review.year).first()
    standard = AnnualStandard.objects.filter(year=review.year, province=county_province()).first()
    return {
        "title": f"{review.year}年贫困户脱贫退出户主认可书",
        "review": review,
        "household": household,
        "county": township.parent.name if township and township.parent else "",
        "township": township.name if township else "",
        "village": village.name,
        "head_name": head.name if head else household.head_name,
        "head_document": mask_document(head.id_number or head.disability_cert_number) if head else "",
        "member_count": len(members),
        "cadres": "、".join(
            Assignment.objects.filter(household=household, end_date__isnull=True)
            .order_by("start_date", "pk").values_list("cadre__name", flat=True)
        ),
        "checks": from_snapshot(review.criteria),
        "per_capita": ledger_cell(income.net_income_per_capita, "money") if income else None,
        "line": ledger_cell(standard.poverty_line, "money") if standard else None,
        "above_line": income.net_income_per_capita > standard.poverty_line if income and standard else None,
    }


def consent_form_pdf(*, actor: User, review: ExitReview, request=None) -> bytes:
    """The form as PDF; each print is logged (name and masked ID)."""
    refusal = consent_form_refusal(review)
    if refusal:
        raise ValidationError(refusal)
    context = consent_form_context(review=review)
    content = render_pdf("assessment/review_consent_form.html", context)
    personal_data_access_record(
        actor=actor, kind="print", what=context["title"], object_repr=str(review.household), filters=f"year={review.year}",
        rows=1, request=request,
    )
    return content
