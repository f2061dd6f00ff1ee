"""Writing rules of the exit procedure (一户一验收销号).

Every function takes the acting user first and:

- refuses a role that may not take the step (403: ``village_review`` for
  the village's steps, ``township_review`` for 乡镇审核, ``county_review``
  for 县级审定 and 公告) and a review outside the actor's area for that step;
- locks the review (``select_for_update``) and checks it stands at the stage
  just before, so no step is skipped or taken twice;
- dates the step no earlier than the one before and not in the future;
- writes the step (``ExitStep``) and the review inside the audit actor, so
  the trail says who took each step and when.

Batch actions (propose many, start 公示 for many) check every household
first and write nothing unless all pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Iterable, TypeVar

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from households.models import AnnualStandard, Household, HouseholdStatus, Income, Member
from households.rules import Check
from households.selectors.income import county_province, standard_in_force
from povertyrelief.models import User
from povertyrelief.permissions import require, restrict

from villages.models import Area, AreaLevel

from . import criteria
from .models import (
    STAGE_DATE_FIELDS,
    ExitObjection,
    ExitReview,
    ExitStage,
    ExitStep,
    ObjectionDecision,
    ThirdPartyResult,
    VillageChecklistItem,
    VillageChecklistResult,
    VillageExit,
    VillageExitStage,
)

if TYPE_CHECKING:
    from .selectors import VillageStanding

Stage = ExitStage
# Which level takes each step (povertyrelief.models.ROLE_ACTIONS).
STAGE_ACTION = {
    Stage.PROPOSED: "village_review",
    Stage.VERIFIED: "village_review",
    Stage.CONSENTED: "village_review",
    Stage.PUBLICITY: "village_review",
    Stage.PUBLICIZED: "village_review",
    Stage.TOWNSHIP_APPROVED: "township_review",
    Stage.COUNTY_APPROVED: "county_review",
    Stage.ANNOUNCED: "county_review",
}
# A return undoes the step before the returning level's own.
RETURNS_TO = {Stage.TOWNSHIP_APPROVED: Stage.PUBLICITY, Stage.COUNTY_APPROVED: Stage.PUBLICIZED}
OBJECTION_ACTION = "village_review"
M = TypeVar("M", bound=Model)


# --- helpers ---------------------------------------------------------------


def _in_area(queryset: QuerySet[M], actor: User, action: str, pk: int) -> M:
    found = restrict(queryset, actor, action).filter(pk=pk).first()
    if found is None:
        raise PermissionDenied("该记录不在您的管辖范围内。")
    return found


def _lock(actor: User, review: ExitReview, following: str) -> ExitReview:
    """The review, locked, if the actor's role takes ``following`` and the
    review lies in its area; refused if the review is not just before it."""
    action = STAGE_ACTION[following]
    require(actor, action)
    locked = _in_area(ExitReview.objects.select_for_update(of=("self",)), actor, action, review.pk)
    if locked.next_stage != following:
        if locked.stage == Stage.ENDED:
            raise ValidationError(f"该户退出评议已终止：{locked.end_reason}")
        if locked.stage == Stage.ANNOUNCED:
            raise ValidationError("该户已公告销号，退出程序已完成。")
        raise ValidationError(
            f"当前环节为“{locked.get_stage_display()}”，下一环节是“{locked.next_stage_label}”，不能办理“{Stage(following).label}”。"
        )
    return locked


def _check_day(locked: ExitReview | None, day: date, label: str, field_name: str = "date") -> None:
    if day is None:
        raise ValidationError({field_name: "请填写日期。"})
    if day > timezone.localdate():
        raise ValidationError({field_name: f"{label}日期不能晚于今天。"})
    if locked is not None and day < locked.stage_date:
        raise ValidationError(
            {field_name: f"{label}日期不能早于上一环节（{locked.get_stage_display()}）日期 {locked.stage_date:%Y-%m-%d}。"}
        )


def _advance(actor: User, locked: ExitReview, stage: str, day: date, note: str = "") -> ExitReview:
    setattr(locked, STAGE_DATE_FIELDS[stage], day)
    locked.stage, locked.stage_date, locked.return_reason = stage, day, ""
    locked.full_clean()
    locked.save()
    ExitStep.objects.create(review=locked, stage=stage, date=day, actor=actor, note=(note or "").strip()[:200])
    return locked


def _return(actor: User, locked: ExitReview, level_stage: str, day: date, reason: str) -> ExitReview:
    """Send the review back one step: the step before this level's is
    undone (its date cleared) and must be taken again; the reason stays
    visible on the review and in its steps."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回须说明原因。"})
    undone = locked.stage
    setattr(locked, STAGE_DATE_FIELDS[undone], None)
    locked.stage, locked.stage_date, locked.return_reason = RETURNS_TO[level_stage], day, reason[:200]
    locked.full_clean()
    locked.save()
    ExitStep.objects.create(review=locked, stage=level_stage, action=ExitStep.Action.RETURNED, date=day, actor=actor, note=reason[:200])
    return locked


def _refresh(review: ExitReview, locked: ExitReview) -> ExitReview:
    """The caller's object, brought up to what was written."""
    review.refresh_from_db()
    return review


# --- 民主评议 ----------------------------------------------------------------


@dataclass
class Proposal:
    """What proposing one household would do: refusals, and the criteria as
    the record stands (a hint; 核实 judges them at the home visit)."""

    household: Household
    problems: list[str] = field(default_factory=list)
    checks: list = field(default_factory=list)


def _proposal_problems(household: Household, year: int, day: date, open_reviews: set[int], taken: set[int]) -> list[str]:
    problems = []
    if not household.registered:
        problems.append("不是建档立卡户，没有脱贫退出程序")
    elif household.status not in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED):
        problems.append(f"脱贫状态为“{household.get_status_display()}”，只有未脱贫或返贫户才能申请退出")
    if household.identification_year and year < household.identification_year:
        problems.append(f"退出年度不能早于识别年度 {household.identification_year} 年")
    if household.pk in taken:
        problems.append(f"{year} 年已有退出评议（每户每年一次）")
    elif household.pk in open_reviews:
        problems.append("已有未办结的退出评议")
    return problems


def _votes(votes_for: int, votes_against: int, votes_abstain: int) -> None:
    if min(votes_for, votes_against, votes_abstain) < 0:
        raise ValidationError({"votes_for": "票数不能为负数。"})
    if votes_for <= votes_against + votes_abstain:
        raise ValidationError({"votes_for": f"民主评议同意 {votes_for} 票，未过半数，不能提出退出。"})


def reviews_preview(*, actor: User, households: Iterable[Household], year: int, day: date) -> list[Proposal]:
    """Each household as proposing it on ``day`` would find it: why it may
    not be proposed, and its criteria for ``year`` from the record."""
    households = list(households)
    ids = [h.pk for h in households]
    reviews = ExitReview.objects.filter(household_id__in=ids)
    open_reviews = set(reviews.exclude(stage__in=[Stage.ENDED, Stage.ANNOUNCED]).values_list("household_id", flat=True))
    taken = set(reviews.filter(year=year).values_list("household_id", flat=True))
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(household_id__in=ids).order_by("pk"):
        members.setdefault(member.household_id, []).append(member)
    incomes = {i.household_id: i for i in Income.objects.filter(household_id__in=ids, year=year)}
    standard = AnnualStandard.objects.filter(year=year, province=county_province()).first()
    proposals = []
    for household in households:
        proposals.append(Proposal(
            household=household,
            problems=_proposal_problems(household, year, day, open_reviews, taken),
            checks=criteria.household_criteria(
                household=household, members=members.get(household.pk, []), year=year, on=day,
                income=incomes.get(household.pk), standard=standard,
            ),
        ))
    return proposals


def reviews_propose(
    *, actor: User, households: Iterable[Household], year: int, day: date, votes_for: int, votes_against: int = 0,
    votes_abstain: int = 0, note: str = "",
) -> list[ExitReview]:
    """民主评议: the village proposes households for exit in ``year`` with the
    vote result (a majority for). Only 建档立卡 households still poor (未脱贫
    or 返贫), one review per household per year and none while another is
    open. All or nothing: any refusal names its household and writes nothing."""
    require(actor, STAGE_ACTION[Stage.PROPOSED])
    households = list(households)
    if not households:
        raise ValidationError({"households": "请选择要提出退出的户。"})
    _check_day(None, day, "民主评议")
    if year not in (day.year, day.year - 1):
        raise ValidationError({"year": f"{day.year}年的民主评议只能评议{day.year}年（或上一年）退出。"})
    _votes(votes_for, votes_against, votes_abstain)
    with transaction.atomic(), set_actor(actor):
        ids = [h.pk for h in households]
        locked = list(restrict(Household.objects.select_for_update(of=("self",)), actor, "village_review").filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(set(ids)):
            raise PermissionDenied("所选户中有不在您管辖范围内的户。")
        refusals = [
            f"{p.household.head_name}户（{p.household.number}）：{'；'.join(p.problems)}"
            for p in reviews_preview(actor=actor, households=locked, year=year, day=day) if p.problems
        ]
        if refusals:
            raise ValidationError(refusals)
        created = []
        for household in locked:
            review = ExitReview(
                household=household, year=year, stage=Stage.PROPOSED, stage_date=day, proposed_on=day,
                votes_for=votes_for, votes_against=votes_against, votes_abstain=votes_abstain, created_by=actor,
            )
            review.full_clean()
            review.save()
            ExitStep.objects.create(review=review, stage=Stage.PROPOSED, date=day, actor=actor, note=(note or "")[:200])
            created.append(review)
    return created


def review_propose(
    *, actor: User, household: Household, year: int, day: date, votes_for: int, votes_against: int = 0, votes_abstain: int = 0,
    note: str = "",
) -> ExitReview:
    """民主评议 of one household (see ``reviews_propose``)."""
    return reviews_propose(
        actor=actor, households=[household], year=year, day=day, votes_for=votes_for, votes_against=votes_against,
        votes_abstain=votes_abstain, note=note,
    )[0]


# --- 核实, 户主认可 --------------------------------------------------------------


def review_criteria(
    *, review: ExitReview, on: date, food_secure: bool | None = None, clothing_secure: bool | None = None
) -> list[Check]:
    """The seven criteria of the review's household for its year, on ``on``."""
    household = review.household
    members = list(Member.objects.filter(household=household).order_by("pk"))
    income = Income.objects.filter(household=household, year=review.year).first()
    standard = AnnualStandard.objects.filter(year=review.year, province=county_province()).first()
    return criteria.household_criteria(
        household=household, members=members, year=review.year, on=on, income=income, standard=standard,
        food_secure=food_secure, clothing_secure=clothing_secure, attested_on=on,
    )


def review_verify(*, actor: User, review: ExitReview, day: date, food_secure: bool, clothing_secure: bool, note: str = "") -> ExitReview:
    """核实: 村两委 and the work team visit the home on ``day``, attest 不愁吃
    and 不愁穿, and the seven criteria are judged on that day and saved as
    evidence. All seven must pass; otherwise the refusal names each unmet one."""
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.VERIFIED)
        _check_day(locked, day, "入户核实")
        checks = review_criteria(review=locked, on=day, food_secure=food_secure, clothing_secure=clothing_secure)
        if not criteria.all_met(checks):
            raise ValidationError(["以下退出标准未达到，不能通过核实："] + criteria.unmet_reasons(checks))
        locked.food_secure, locked.clothing_secure = True, True
        locked.criteria = criteria.snapshot(checks)
        _advance(actor, locked, Stage.VERIFIED, day, note)
    return _refresh(review, locked)


def review_consent(*, actor: User, review: ExitReview, day: date, note: str = "") -> ExitReview:
    """户主认可: the household agreed (its signature is on the printed form)."""
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.CONSENTED)
        _check_day(locked, day, "户主认可")
        _advance(actor, locked, Stage.CONSENTED, day, note)
    return _refresh(review, locked)


# --- 公示 and objections ------------------------------------------------------


def publicity_min_days(year: int) -> int:
    return standard_in_force(year=year).exit_publicity_days


def reviews_publicity_start(*, actor: User, reviews: Iterable[ExitReview], day: date) -> list[ExitReview]:
    """村内公示 begins on ``day`` for households the household head agreed
    for. All or nothing: any review not at 户主认可 (or dated after ``day``)
    is named and nothing starts."""
    reviews = list(reviews)
    if not reviews:
        raise ValidationError({"reviews": "请选择要公示的户。"})
    require(actor, STAGE_ACTION[Stage.PUBLICITY])
    with transaction.atomic(), set_actor(actor):
        started, refusals = [], []
        for review in sorted(reviews, key=lambda r: r.pk):
            try:
                locked = _lock(actor, review, Stage.PUBLICITY)
                _check_day(locked, day, "公示开始")
            except ValidationError as exc:
                refusals.append(f"{review.household.head_name}户（{review.household.number}）：{'；'.join(exc.messages)}")
                continue
            started.append(_advance(actor, locked, Stage.PUBLICITY, day))
        if refusals:
            raise ValidationError(refusals)
    return started


def review_publicity_start(*, actor: User, review: ExitReview, day: date) -> ExitReview:
    reviews_publicity_start(actor=actor, reviews=[review], day=day)
    review.refresh_from_db()
    return review


def objection_record(*, actor: User, review: ExitReview, received_on: date, content: str, objector: str = "") -> ExitObjection:
    """An objection raised during 公示 (received between its start and today)."""
    require(actor, OBJECTION_ACTION)
    if not (content or "").strip():
        raise ValidationError({"content": "请填写异议内容。"})
    with transaction.atomic(), set_actor(actor):
        locked = _in_area(ExitReview.objects.select_for_update(of=("self",)), actor, OBJECTION_ACTION, review.pk)
        if locked.stage != Stage.PUBLICITY:
            raise ValidationError("只有公示期间才能登记异议。")
        _check_day(None, received_on, "收到异议", "received_on")
        if received_on < locked.publicity_start:
            raise ValidationError({"received_on": f"收到异议日期不能早于公示开始日期 {locked.publicity_start:%Y-%m-%d}。"})
        objection = ExitObjection(
            review=locked, received_on=received_on, objector=(objector or "").strip(), content=content.strip(), recorded_by=actor,
        )
        objection.full_clean()
        objection.save()
    return objection


def objection_decide(*, actor: User, objection: ExitObjection, day: date, upheld: bool, note: str) -> ExitObjection:
    """The objection checked: not upheld, the 公示 goes on; upheld, the
    review ends for the year (the household stays as it was)."""
    require(actor, OBJECTION_ACTION)
    if not (note or "").strip():
        raise ValidationError({"note": "请填写核实情况。"})
    with transaction.atomic(), set_actor(actor):
        found = _in_area(ExitObjection.objects.all(), actor, OBJECTION_ACTION, objection.pk)
        locked = ExitReview.objects.select_for_update(of=("self",)).get(pk=found.review_id)
        found = ExitObjection.objects.select_for_update(of=("self",)).get(pk=found.pk)
        if found.decision != ObjectionDecision.PENDING:
            raise ValidationError(f"该异议已核实（{found.get_decision_display()}）。")
        if locked.stage != Stage.PUBLICITY:
            raise ValidationError("该户已不在公示期，不能再核实异议。")
        _check_day(None, day, "核实", "day")
        if day < found.received_on:
            raise ValidationError({"day": f"核实日期不能早于收到异议日期 {found.received_on:%Y-%m-%d}。"})
        found.decision = ObjectionDecision.UPHELD if upheld else ObjectionDecision.REJECTED
        found.decided_on, found.decision_note = day, note.strip()[:200]
        found.full_clean()
        found.save()
        if upheld:
            locked.stage, locked.stage_date = Stage.ENDED, day
            locked.end_reason = f"公示异议成立：{found.decision_note}"[:200]
            locked.save()
            ExitStep.objects.create(review=locked, stage=Stage.ENDED, action=ExitStep.Action.ENDED, date=day, actor=actor, note=locked.end_reason)
    return found


def review_publicity_end(*, actor: User, review: ExitReview, day: date, note: str = "") -> ExitReview:
    """公示期满: at least the year's days (7 unless set otherwise), counting
    the first and last day, with every objection checked."""
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.PUBLICIZED)
        _check_day(locked, day, "公示结束")
        minimum = publicity_min_days(locked.publicity_start.year)
        days = (day - locked.publicity_start).days + 1
        if days < minimum:
            earliest = locked.publicity_start + timedelta(days=minimum - 1)
            raise ValidationError(
                {"date": f"村内公示自 {locked.publicity_start:%Y-%m-%d} 起至少 {minimum} 天，最早于 {earliest:%Y-%m-%d} 期满（现为第 {days} 天）。"}
            )
        if locked.objections.filter(decision=ObjectionDecision.PENDING).exists():
            raise ValidationError("尚有异议在核实中，核实后才能结束公示。")
        _advance(actor, locked, Stage.PUBLICIZED, day, note)
    return _refresh(review, locked)


# --- 乡镇审核, 县级审定, 公告销号 ---------------------------------------------------


def review_township(*, actor: User, review: ExitReview, day: date, approve: bool, reason: str = "") -> ExitReview:
    """乡镇审核: approve, or return with a reason (the 公示 must close again)."""
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.TOWNSHIP_APPROVED)
        _check_day(locked, day, "乡镇审核")
        if approve:
            _advance(actor, locked, Stage.TOWNSHIP_APPROVED, day, reason)
        else:
            _return(actor, locked, Stage.TOWNSHIP_APPROVED, day, reason)
    return _refresh(review, locked)


def review_county(
    *, actor: User, review: ExitReview, day: date, approve: bool, reason: str = "", third_party_result: str = "",
    third_party_note: str = "",
) -> ExitReview:
    """县级审定: approve, or return to the township with a reason; a 第三方
    评估 result may be recorded for a sampled household, and a failed one
    cannot be approved."""
    if third_party_result not in ThirdPartyResult.values:
        raise ValidationError({"third_party_result": "第三方评估结果无效。"})
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.COUNTY_APPROVED)
        _check_day(locked, day, "县级审定")
        locked.third_party_result, locked.third_party_note = third_party_result, (third_party_note or "").strip()[:200]
        if approve and third_party_result == ThirdPartyResult.FAILED:
            raise ValidationError({"third_party_result": "第三方评估抽查不合格，不能审定通过；请退回并说明原因。"})
        if approve:
            _advance(actor, locked, Stage.COUNTY_APPROVED, day, reason)
        else:
            _return(actor, locked, Stage.COUNTY_APPROVED, day, reason)
    return _refresh(review, locked)


def review_announce(*, actor: User, review: ExitReview, day: date, note: str = "") -> ExitReview:
    """公告 and 销号: the household's 脱贫状态 becomes 1 已脱贫(享受政策) and
    its 脱贫年度 the review's year. The only way a status becomes 1."""
    with transaction.atomic(), set_actor(actor):
        locked = _lock(actor, review, Stage.ANNOUNCED)
        _check_day(locked, day, "公告销号")
        household = Household.objects.select_for_update(of=("self",)).get(pk=locked.household_id)
        if household.status not in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED):
            raise ValidationError(f"该户脱贫状态已是“{household.get_status_display()}”，不能再销号。")
        _advance(actor, locked, Stage.ANNOUNCED, day, note)
        household.status, household.exit_year = HouseholdStatus.OUT_WITH_POLICY, locked.year
        household.version = F("version") + 1
        household.full_clean(exclude=["version"])
        household.save(update_fields=["status", "exit_year", "version", "updated_at"])
    return _refresh(review, locked)


# --- village exit ----------------------------------------------------------------


def _village_checks(actor: User, village: Area, year: int, day: date) -> tuple[VillageStanding, list[str]]:
    from .selectors import village_standing

    standing = village_standing(actor=actor, village=village, year=year, on=day)
    return standing, standing.problems


def village_exit_propose(
    *, actor: User, village: Area, year: int, day: date, results: dict[int, tuple[bool, str]], note: str = ""
) -> VillageExit:
    """乡镇申请: the township proposes one of its villages for exit in
    ``year`` when, on ``day``, its incidence rate is below the year's limit
    (2%, 3% in western provinces), every 建档立卡 household meets 三保障 and
    饮水, and every condition of the checklist is met. A village the county
    returned may be proposed again."""
    require(actor, "township_review")
    with transaction.atomic(), set_actor(actor):
        village = _in_area(Area.objects.filter(level=AreaLevel.VILLAGE).select_for_update(of=("self",)), actor, "township_review", village.pk)
        _check_day(None, day, "申请")
        existing = VillageExit.objects.select_for_update(of=("self",)).filter(village=village, year=year).first()
        if existing is not None and existing.stage != VillageExitStage.RETURNED:
            raise ValidationError(f"{village.name}{year}年已有退出申请（{existing.get_stage_display()}）。")
        standing, problems = _village_checks(actor, village, year, day)
        items = list(VillageChecklistItem.objects.filter(active=True))
        unmet = [item.name for item in items if not results.get(item.pk, (False, ""))[0]]
        if unmet:
            problems.append("退出条件未达到：" + "、".join(unmet))
        if problems:
            raise ValidationError(problems)
        record = existing or VillageExit(village=village, year=year)
        record.stage, record.stage_date, record.proposed_on, record.proposed_by = VillageExitStage.PROPOSED, day, day, actor
        record.poor_people, record.rural_population = standing.poor_people, standing.rural_population
        record.incidence_rate, record.rate_limit, record.households_short = standing.rate, standing.limit, 0
        record.approved_on = record.publicity_start = record.announced_on = None
        record.return_reason, record.note = "", (note or "").strip()[:200]
        record.full_clean()
        record.save()
        record.results.all().delete()
        for item in items:
            met, text = results[item.pk]
            VillageChecklistResult.objects.create(village_exit=record, item=item, met=met, note=(text or "").strip()[:200])
    return record


def _village_lock(actor: User, record: VillageExit, stage: str) -> VillageExit:
    require(actor, "county_review")
    locked = _in_area(VillageExit.objects.select_for_update(of=("self",)), actor, "county_review", record.pk)
    if locked.stage != stage:
        raise ValidationError(f"当前环节为“{locked.get_stage_display()}”，不能办理此步骤。")
    return locked


def village_exit_review(*, actor: User, village_exit: VillageExit, day: date, approve: bool, reason: str = "") -> VillageExit:
    """县级核查: the county checks the township's proposal against the
    village as it stands on ``day``; it approves, or returns with a reason."""
    with transaction.atomic(), set_actor(actor):
        locked = _village_lock(actor, village_exit, VillageExitStage.PROPOSED)
        _check_day(None, day, "县级核查")
        if day < locked.stage_date:
            raise ValidationError({"date": f"县级核查日期不能早于乡镇申请日期 {locked.stage_date:%Y-%m-%d}。"})
        if approve:
            _, problems = _village_checks(actor, locked.village, locked.year, day)
            if problems:
                raise ValidationError(problems)
            locked.stage, locked.approved_on = VillageExitStage.APPROVED, day
        else:
            if not (reason or "").strip():
                raise ValidationError({"reason": "退回须说明原因。"})
            locked.stage, locked.return_reason = VillageExitStage.RETURNED, reason.strip()[:200]
        locked.stage_date = day
        locked.save()
    return locked


def village_exit_publicity(*, actor: User, village_exit: VillageExit, day: date) -> VillageExit:
    """公示 of the village's exit begins."""
    with transaction.atomic(), set_actor(actor):
        locked = _village_lock(actor, village_exit, VillageExitStage.APPROVED)
        _check_day(None, day, "公示开始")
        if day < locked.stage_date:
            raise ValidationError({"date": f"公示开始日期不能早于县级核查日期 {locked.stage_date:%Y-%m-%d}。"})
        locked.stage, locked.stage_date, locked.publicity_start = VillageExitStage.PUBLICITY, day, day
        locked.save()
    return locked


def village_exit_announce(*, actor: User, village_exit: VillageExit, day: date) -> VillageExit:
    """公告退出, after a 公示 of at least the year's days."""
    with transaction.atomic(), set_actor(actor):
        locked = _village_lock(actor, village_exit, VillageExitStage.PUBLICITY)
        _check_day(None, day, "公告")
        minimum = publicity_min_days(locked.publicity_start.year)
        days = (day - locked.publicity_start).days + 1
        if days < minimum:
            earliest = locked.publicity_start + timedelta(days=minimum - 1)
            raise ValidationError({"date": f"公示自 {locked.publicity_start:%Y-%m-%d} 起至少 {minimum} 天，最早于 {earliest:%Y-%m-%d} 公告。"})
        locked.stage, locked.stage_date, locked.announced_on = VillageExitStage.ANNOUNCED, day, day
        locked.save()
    return locked


def checklist_item_save(*, actor: User, item: VillageChecklistItem) -> VillageChecklistItem:
    """The county administrator keeps the village exit checklist (audited)."""
    require(actor, "manage")
    with transaction.atomic(), set_actor(actor):
        item.name = (item.name or "").strip()
        item.full_clean()
        item.save()
    return item
