"""Writing what happens to 明白卡: 打印登记, hand-over, batch jobs, and the
moment a household's card goes out of date.

Opening or downloading a card is not printing it: it writes only the
personal-data access log. Recording that cards were printed or handed over
is an explicit service call, with the actor first, made only from a POST.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from povertyrelief.exports import area_full_name
from povertyrelief.jobs import job_runner, job_start
from povertyrelief.models import Job, User
from povertyrelief.permissions import assert_in_scope, restrict
from povertyrelief.privacy import personal_data_access_record
from villages.models import Area

from ..models import CardPrint, Household
from ..rendering import cards_pdf
from ..selectors.printing import area_households

REPRINT_WINDOW = timedelta(minutes=5)
STALE_CHUNK = 2000


def card_data_changed(*, household_ids: Iterable[int], at: datetime | None = None) -> None:
    """明白卡 rule: a printed card is out of date (已过期) once anything it
    prints changed after it was printed. Every write to what a card prints
    (the household, its members, income, cadre, measures, monitoring) records
    the moment here, in one UPDATE per 2,000 households."""
    at = at or timezone.now()
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), STALE_CHUNK):
        Household.objects.filter(pk__in=ids[start : start + STALE_CHUNK]).update(card_data_changed_at=at)


def records_prints(actor: User) -> bool:
    """Only users who keep households hand cards out; a county viewer's
    reading copy is not the household's card and leaves the queue alone."""
    return actor.can("change")


def card_prints_record(*, actor: User, household_ids: list[int], year: int, at: datetime | None = None) -> int:
    """Record (打印登记) that the actor printed these households' cards for
    ``year``. All or nothing: a role that may not change households, or a
    household outside the actor's change scope, refuses the whole request."""
    if not records_prints(actor):
        raise PermissionDenied("您的角色不能登记明白卡打印。")
    wanted = set(household_ids)
    if not wanted:
        raise ValidationError({"households": "请先勾选要登记已打印的户。"})
    at = at or timezone.now()
    in_scope = list(restrict(Household, actor, "change").filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
    if len(in_scope) != len(wanted):
        raise PermissionDenied("所选户中有不在您管辖范围内的户。")
    # The same form sent twice (a double click, a resubmission) is one print:
    # a record by the same user minutes ago, with nothing changed since.
    just_printed = set(
        CardPrint.objects.filter(
            household_id__in=in_scope, year=year, printed_by=actor, printed_at__gte=at - REPRINT_WINDOW,
            handed_over_on__isnull=True,
        )
        .filter(Q(household__card_data_changed_at__isnull=True) | Q(printed_at__gte=F("household__card_data_changed_at")))
        .values_list("household_id", flat=True)
    )
    with transaction.atomic(), set_actor(actor):
        for household_id in in_scope:
            if household_id in just_printed:
                continue
            # One save per card, so each print has its own audit entry.
            CardPrint(household_id=household_id, year=year, printed_at=at, printed_by=actor).save()
    return len(in_scope)


def card_print_log(
    *, actor: User, what: str, object_repr: str, rows: int, year: int, request: HttpRequest | None = None
) -> None:
    """Cards carry names, masked IDs and health: each print is logged."""
    personal_data_access_record(
        actor=actor, kind="print", what=what, object_repr=object_repr, filters=f"year={year}", rows=rows, request=request
    )


def _handover_check(*, household_ids: list[int], handed_over_on: date, handed_over_by: str) -> None:
    errors = {}
    if not handed_over_by:
        errors["handed_over_by"] = "请填写发放人。"
    if handed_over_on > timezone.localdate():
        errors["handed_over_on"] = "发放日期不能晚于今天。"
    if not household_ids:
        errors["households"] = "请先勾选要标记发放的户。"
    if errors:
        raise ValidationError(errors)


def card_handover(*, actor: User, household_ids: list[int], year: int, handed_over_on: date, handed_over_by: str) -> int:
    """Record that the latest printed card of the year was handed to each
    household. Only an up-to-date printed card can be handed over; the date
    may be neither in the future nor before the printing. All or nothing."""
    handed_over_by = (handed_over_by or "").strip()
    _handover_check(household_ids=household_ids, handed_over_on=handed_over_on, handed_over_by=handed_over_by)
    with transaction.atomic(), set_actor(actor):
        households = list(
            restrict(Household, actor, "change").filter(pk__in=household_ids).select_for_update().order_by("pk")
        )
        if len(households) != len(set(household_ids)):
            raise PermissionDenied("所选户中有不在您管辖范围内的户。")
        latest = {}
        for card_print in CardPrint.objects.filter(household__in=households, year=year).order_by("household", "-printed_at", "-pk"):
            latest.setdefault(card_print.household_id, card_print)
        not_ready = []
        for household in households:
            card_print = latest.get(household.pk)
            if card_print is None or (
                household.card_data_changed_at is not None and household.card_data_changed_at > card_print.printed_at
            ):
                not_ready.append(household.head_name or household.number)
            elif handed_over_on < timezone.localtime(card_print.printed_at).date():
                raise ValidationError({"handed_over_on": f"发放日期不能早于打印日期（{household.head_name}户 {card_print.printed_at:%Y-%m-%d} 打印）。"})
        if not_ready:
            raise ValidationError({"households": "以下户的明白卡尚未打印或内容已更新，须先打印最新的明白卡：" + "、".join(not_ready)})
        for household in households:
            card_print = latest[household.pk]
            card_print.handed_over_on = handed_over_on
            card_print.handed_over_by = handed_over_by[:30]
            card_print.full_clean()
            card_print.save(update_fields=["handed_over_on", "handed_over_by"])
            assert_in_scope(card_print, actor, "change")
    return len(households)


# --- Batch job ---------------------------------------------------------------------


def card_batch_start(*, actor: User, area: Area, year: int) -> Job | None:
    """Start rendering an area's cards in the background; None when the area
    has no household to print."""
    count = area_households(actor=actor, area=area).count()
    if count == 0:
        return None
    return job_start(
        actor=actor,
        kind="card_batch",
        title=f"{area_full_name(area)} {year}年明白卡（{count} 户）",
        params={"area": area.pk, "year": year},
        total=count,
    )


@job_runner("card_batch")
def run_card_batch(job: Job, report_progress: Callable[[int, int], None]) -> tuple[Path, str, dict]:
    """A township's (or the county's) cards in one PDF, rendered in chunks."""
    actor = job.user
    year = int(job.params["year"])
    area = Area.objects.get(pk=job.params["area"])
    households = area_households(actor=actor, area=area)
    pdf, ids = cards_pdf(households, year=year, progress=report_progress)
    card_print_log(actor=actor, what=f"{year}年明白卡（批量）", object_repr=area_full_name(area), rows=len(ids), year=year)
    handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)
    with handle:
        handle.write(pdf)
    summary = f"已生成 {len(ids)} 户明白卡（{len(ids)} 页）。打印后请在“明白卡打印”或批量打印页登记已打印。"
    return Path(handle.name), batch_filename(area, year), {"summary": summary, "cards": len(ids)}


def batch_filename(area: Area, year: int) -> str:
    return f"{year}年明白卡_{area.name}_{timezone.localdate():%Y%m%d}.pdf"
