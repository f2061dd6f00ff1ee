"""The village's 拟退出贫困户名单 公示, read from the real exit reviews at the
村内公示 stage (it replaces the households app's stand-in rule). Registered
with the households' 公示 page when the app is ready."""

from __future__ import annotations

from households.models import Income
from povertyrelief.permissions import restrict
from villages.models import Area

from .models import ExitReview, ExitStage


def exit_publicity_rows(*, actor, village: Area) -> list[ExitReview]:
    """Reviews of the village now in 村内公示, in group and 户编号 order."""
    return list(
        restrict(ExitReview, actor, "view")
        .filter(household__village=village, stage=ExitStage.PUBLICITY)
        .select_related("household")
        .order_by("household__group", "household__number", "pk")
    )


def exit_publicity(*, actor, village: Area) -> dict:
    """拟退出名单: 户主 full names, household size, the year's income against
    the line (as verified), the vote and the verification date; never an ID,
    phone, bank account or health status."""
    from households.selectors.publicity import PublicityColumn

    reviews = exit_publicity_rows(actor=actor, village=village)
    incomes = {
        (i.household_id, i.year): i.net_income_per_capita
        for i in Income.objects.filter(household_id__in=[r.household_id for r in reviews])
    }
    rows = []
    for review in reviews:
        income = incomes.get((review.household_id, review.year))
        rows.append({
            "group": review.household.group,
            "head_name": review.household.head_name,
            "member_count": review.household.member_count,
            "year": review.year,
            "income": f"{income:,.2f}" if income is not None else "",
            "votes": f"{review.votes_for}/{review.votes_against}/{review.votes_abstain}",
            "verified": f"{review.verified_on:%Y-%m-%d}" if review.verified_on else "",
        })
    years = sorted({r.year for r in reviews})
    year_text = "、".join(f"{y}年" for y in years) or "本年度"
    return dict(
        intro=(
            f"经村民代表大会民主评议、村两委和驻村工作队入户核实（“两不愁三保障”及饮水安全全部达标）、户主认可，"
            f"以下 {len(reviews)} 户拟于{year_text}退出贫困户，现予公示。"
        ),
        columns=[
            PublicityColumn("group", "村民小组"),
            PublicityColumn("head_name", "户主姓名"),
            PublicityColumn("member_count", "家庭人口", True),
            PublicityColumn("year", "退出年度", True),
            PublicityColumn("income", "人均纯收入(元)", True),
            PublicityColumn("votes", "评议票数（同意/反对/弃权）"),
            PublicityColumn("verified", "入户核实日期"),
        ],
        rows=rows,
        note="名单为已完成民主评议、入户核实和户主认可、正在村内公示的户。",
    )


def register() -> None:
    try:
        from households.selectors import publicity
    except ImportError:  # the households' 公示 lists before they had builders
        return
    builders = getattr(publicity, "PUBLICITY_BUILDERS", None)
    if builders is not None:
        builders["exit"] = exit_publicity


register()
