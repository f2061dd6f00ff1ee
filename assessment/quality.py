"""Data-quality rules of the exit procedure (数据质量): a household under
review with an uninsured member, review steps dated out of order, a 公示
shorter than the year's days (households and villages). Found, like every
app's ``quality`` module, by the finder and the map."""

from __future__ import annotations

from django.db.models import Q

from households.models import Member
from households.quality import publicity_too_short, step_dates, steps_out_of_order
from povertyrelief.dashboard import MapScope, quality_rule

from .models import ExitReview, ExitStage, VillageExit

GROUP = "脱贫退出"
REVIEW_STEPS = [
    ("proposed_on", "民主评议"), ("verified_on", "入户核实"), ("consented_on", "户主认可"), ("publicity_start", "公示开始"),
    ("publicity_end", "公示期满"), ("township_approved_on", "乡镇审核"), ("county_approved_on", "县级审定"),
    ("announced_on", "公告销号"),
]
UNDER_REVIEW = ~Q(stage__in=[ExitStage.ENDED, ExitStage.ANNOUNCED])


@quality_rule(
    "review_member_without_medical_insurance", "退出评议中的户有成员未参加基本医疗保险",
    model=Member, area_path="household__village", related=("household",), group=GROUP, order=310,
    explanation="户在退出评议中（尚未公告销号），而有现有成员未参加城乡居民基本医疗保险，基本医疗有保障不达标，核实时将不能通过。请补登参保情况。",
    detail=lambda m: f"{m.name} 未参加城乡居民基本医疗保险",
    label=lambda m: f"{m.name}（{m.household}）",
)
def review_member_without_medical_insurance(members, scope: MapScope):
    under_review = ExitReview.objects.filter(UNDER_REVIEW).values("household")
    return members.filter(left_date__isnull=True, medical_insurance=False, household__in=under_review)


@quality_rule(
    "exit_review_steps_out_of_order", "退出评议环节日期先后颠倒",
    model=ExitReview, area_path="household__village", related=("household",), group=GROUP, order=320,
    explanation="脱贫退出依次经过民主评议、入户核实、户主认可、村内公示、乡镇审核、县级审定、公告销号，后一环节的日期不能早于前一环节。",
    detail=lambda review: step_dates(review, REVIEW_STEPS),
    label=lambda review: str(review.household),
)
def exit_review_steps_out_of_order(reviews, scope: MapScope):
    return reviews.filter(steps_out_of_order(REVIEW_STEPS))


@quality_rule(
    "exit_publicity_too_short", "退出村内公示天数不足",
    model=ExitReview, area_path="household__village", related=("household",), group=GROUP, order=330,
    explanation="村内公示从开始日到期满日（含当天）须不少于当年规定天数（年度标准“退出公示最少天数”，一般 7 天）。",
    detail=lambda r: (
        f"公示 {r.publicity_start:%Y-%m-%d} 至 {r.publicity_end:%Y-%m-%d}，共 {(r.publicity_end - r.publicity_start).days + 1} 天"
    ),
    label=lambda review: str(review.household),
)
def exit_publicity_too_short(reviews, scope: MapScope):
    return reviews.filter(publicity_too_short("exit_publicity_days", scope.today))


@quality_rule(
    "village_exit_publicity_too_short", "贫困村退出公示天数不足",
    model=VillageExit, area_path="village", group=GROUP, order=340,
    explanation="贫困村退出从公示开始到公告退出（含当天）须不少于当年规定的公示天数。",
    detail=lambda e: (
        f"公示 {e.publicity_start:%Y-%m-%d}，{e.announced_on:%Y-%m-%d} 公告退出，共 {(e.announced_on - e.publicity_start).days + 1} 天"
    ),
)
def village_exit_publicity_too_short(exits, scope: MapScope):
    return exits.filter(publicity_too_short("exit_publicity_days", scope.today, end="announced_on"))
