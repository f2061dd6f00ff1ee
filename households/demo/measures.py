"""What was done for a household: measures (一户一策), visits and
防返贫监测 cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ..models import Household, Measure, Member, Monitoring, MonitoringType, Visit
from .cadres import cadre_on
from .data import ANIMALS, COOPERATIVES, CROPS, PUBLIC_POSTS, RISKS, SUDDEN_RISKS, VISIT_TEXTS
from .reference import Reference, day_in
from .rows import new


def _livestock_text(rng, household) -> str:
    animal, unit = rng.choice(ANIMALS)
    return f"扶持养殖{animal}{rng.randint(2, 20)}{unit}，提供防疫和技术服务"


def _text(template: str, **choices):
    """Content for a measure: the template filled with random picks."""
    return lambda rng, household: template.format(**{k: rng.choice(v) for k, v in choices.items()})


# (measure, weight, content, amount in 元 as a (low, high) range, a list of
# fixed sums or None, who benefits, when it applies)
MEASURE_OPTIONS = [
    ("种植", 14, _text("扶持种植{crop}{mu}亩，提供种苗和技术指导", crop=CROPS, mu=range(1, 6)), (800, 5000), None, None),
    ("养殖", 12, _livestock_text, (1000, 6000), None, None),
    ("入股分红", 8, _text("产业到户资金入股{coop}，按年分红", coop=COOPERATIVES), (3000, 5000), None, None),
    ("加入合作社", 5, _text("加入{coop}，签订订单收购协议", coop=COOPERATIVES), None, None, None),
    ("家庭医生签约", 8, _text("签约家庭医生，定期随访"), None, None, None),
    ("医保参保资助", 8, _text("资助参加城乡居民基本医疗保险"), (200, 1400), None, None),
    ("小额信贷", 5, _text("扶贫小额信贷，三年期，用于发展{what}", what=["种植", "养殖", "加工"]), [20000, 30000, 50000], None, None),
    ("农业保险", 4, _text("农业保险保费补贴"), (50, 300), None, None),
    ("扶志教育", 3, _text("{what}", what=["参加农民夜校", "参加感恩奋进宣讲活动", "评选脱贫光荣户"]), None, None, None),
    ("卫生厕所", 3, _text("改造卫生厕所"), (1000, 1500), None, None),
    ("其他", 2, _text("节日走访慰问"), (200, 500), None, None),
    ("临时救助", 2, _text("发放临时救助金"), (500, 3000), None, None),
    ("养老保险", 3, _text("代缴城乡居民养老保险费"), (100, 400), None, None),
    ("务工", 10, _text("推荐到{place}务工", place=["县工业园区", "苏州", "西安", "宁波", "本镇社区工厂"]), None, "workers", None),
    ("技能培训", 5, _text("参加{skill}技能培训", skill=["电工", "厨师", "家政服务", "挖掘机操作", "果树修剪"]), (0, 1500), "workers", None),
    ("公益岗位", 5, _text("安排{post}公益岗位，全年工资", post=PUBLIC_POSTS), [6000, 7200, 9600], "workers", None),
    ("生态护林员", 2, _text("聘为生态护林员"), (6000, 10000), "workers", None),
    ("营养餐", 6, _text("义务教育学生营养改善计划"), (800, 1000), "compulsory", None),
    ("助学补助", 5, _text("家庭经济困难学生生活补助"), (500, 2500), "compulsory", None),
    ("雨露计划", 6, _text("雨露计划职业教育补助"), (3000, 3000), "vocational", None),
    ("助学贷款", 4, _text("生源地信用助学贷款"), (8000, 12000), "college", None),
    ("医疗救助", 6, _text("住院费用医疗救助"), (1000, 15000), "ill", None),
    ("大病保险", 4, _text("大病保险二次报销"), (2000, 30000), "ill", None),
    ("易地扶贫搬迁", 8, lambda rng, h: f"易地扶贫搬迁入住{h.village.parent.name}移民安置小区", (20000, 60000), None,
     lambda h: h.relocated),
    ("危房改造", 3, _text("实施{grade}危房改造", grade=["C级", "D级"]), (15000, 35000), None,
     lambda h: h.housing_safety in ("C级危房", "D级危房") or h.identification_year <= 2016),
    ("低保", 6, _text("纳入农村低保，按月发放低保金"), (3000, 6000), None, lambda h: h.attribute == "低保贫困户"),
    ("特困供养", 8, _text("纳入特困人员分散供养"), (6000, 8000), None, lambda h: h.attribute == "特困供养贫困户"),
    ("生态补偿", 3, _text("发放生态效益补偿资金"), (200, 1200), None, lambda h: bool(h.forest_mu or h.returned_farmland_mu)),
    ("退耕还林", 2, _text("新一轮退耕还林补助"), (500, 2000), None, lambda h: bool(h.returned_farmland_mu)),
    ("入户路", 4, _text("硬化入户路{m}米", m=range(30, 201, 10)), (2000, 6000), None, lambda h: not h.road_to_home),
    ("安全饮水", 4, _text("实施自来水入户"), (500, 1500), None, lambda h: not h.safe_drinking_water),
]


def _amount(rng, amounts) -> Decimal | None:
    if amounts is None:
        return None
    return Decimal(rng.choice(amounts) if isinstance(amounts, list) else rng.randint(*amounts))


def _beneficiaries(members: list[Member]) -> dict[str, list[Member]]:
    current = [m for m in members if m.left_date is None]
    return {
        "workers": [m for m in current if m.labour_skill in ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")],
        "compulsory": [m for m in current if m.school_status in ("小学", "初中")],
        "vocational": [m for m in current if m.school_status in ("中职", "高职")],
        "college": [m for m in current if m.school_status in ("大专", "本科及以上", "高职")],
        "ill": [m for m in current if m.health in ("长期慢性病", "患有大病", "残疾")],
    }


def build_measures(rng, ref: Reference, household: Household, members: list[Member], assignments) -> list[tuple[Measure, Member | None]]:
    """一户一策: 3–10 measures over the years, suited to the household and its
    people; each comes with the member it benefits, if any."""
    groups = _beneficiaries(members)
    options, weights = [], []
    for name, weight, content, amounts, who, applies in MEASURE_OPTIONS:
        if name in ref.categories and (who is None or groups[who]) and (applies is None or applies(household)):
            options.append((ref.categories[name], content, amounts, groups[who] if who else None))
            weights.append(weight)
    measures = []
    # Households released from help (不再享受政策) get no measures after release.
    last_year = assignments[-1].end_date.year if assignments[-1].end_date else ref.as_of.year
    for _ in range(rng.randint(3, 10)):
        category, content, amounts, people = rng.choices(options, weights)[0]
        year = rng.randint(max(household.identification_year, 2015), last_year)
        planned = date(year, rng.randint(1, 10), rng.randint(1, 28))
        done = None
        if year < ref.as_of.year:
            status = "done"
            done = min(planned + timedelta(days=rng.randint(0, 60)), date(year, 12, 31))
        else:
            # This year's plan: some done, some under way, the rest still to come.
            status = rng.choices(["planned", "in_progress", "done"], [4, 3, 3])[0]
            if status != "planned":
                planned = min(planned, ref.as_of - timedelta(days=60))
            if status == "done":
                done = day_in(rng, planned, ref.as_of)
        measure = new(
            Measure, year=year, category_id=category.pk,
            content=content(rng, household), amount=_amount(rng, amounts),
            planned_date=planned, done_date=done, status=status, cadre_id=cadre_on(assignments, planned),
        )
        measures.append((measure, rng.choice(people) if people else None))
    return measures


def build_visits(rng, ref: Reference, household: Household, assignments) -> list[Visit]:
    first = assignments[0].start_date
    last = assignments[-1].end_date or ref.as_of
    visits = []
    for _ in range(rng.randint(2, 6)):
        day = day_in(rng, first, last)
        content = rng.choice([text for text, since in VISIT_TEXTS if since <= day.year])
        visits.append(new(Visit, cadre_id=cadre_on(assignments, day), date=day, content=content))
    return visits


SIGNAL_KINDS = [("农户申报", 4), ("干部排查", 4), ("部门预警", 2), ("其他", 1)]
# Cases still being identified, by how far they got; each step takes a few days.
OPEN_STAGES = ["signalled", "checked", "reviewed", "publicity", "publicized", "township_approved"]


def _signal_kind(rng) -> str:
    return rng.choices([k for k, _ in SIGNAL_KINDS], [w for _, w in SIGNAL_KINDS])[0]


def _in_identification(rng, case: Monitoring, today: date) -> None:
    """A case opened by a recent signal and some steps along; one in four is
    past its 15-day deadline without a decision."""
    late = rng.random() < 0.25
    signal = today - timedelta(days=rng.randint(16, 40) if late else rng.randint(0, 12))
    stage = rng.choice(OPEN_STAGES)
    case.signal_date, case.due_date, case.stage = signal, signal + timedelta(days=15), stage
    case.decided_on = case.risk_identified_date = None
    fields = ["checked_on", "reviewed_on", "publicity_start", "publicity_end", "township_approved_on"]
    for field in fields:
        setattr(case, field, None)
    day = signal
    for step, field in zip(OPEN_STAGES[1:], fields):
        if OPEN_STAGES.index(step) > OPEN_STAGES.index(stage):
            break
        day = min(day + timedelta(days=6 if step == "publicized" else rng.randint(0, 2)), today)
        setattr(case, field, day)
    case.stage_date = day


def build_monitoring(rng, ref: Reference, household: Household, members: list[Member]) -> list[Monitoring]:
    """防返贫监测 from 2021: each case opened by a risk signal and identified
    through the procedure (most within 15 days, some late); closed cases
    (income stable for 6+ months) and open ones; a few cases still in
    identification now."""
    no_labour = all(m.labour_skill in ("丧失劳动力", "无劳动力") for m in members if m.left_date is None)
    cases = []
    start = date(2021, 3, 1)
    today = date.today()
    for closed in ([True, False] if rng.random() < 0.1 else [rng.random() < 0.55]):
        identified = day_in(rng, start, ref.as_of - timedelta(days=30 if not closed else 400))
        sudden = rng.random() < 0.3
        signal = identified - timedelta(days=rng.randint(20, 35) if rng.random() < 0.08 else rng.randint(5, 15))
        case = new(
            Monitoring,
            object_type=MonitoringType.SUDDEN_HARDSHIP if sudden else MonitoringType.UNSTABLE,
            risk_description=rng.choice(SUDDEN_RISKS) if sudden else RISKS.get(household.main_cause, "收入不稳定，存在返贫风险"),
            signal_kind=_signal_kind(rng), signal_date=signal, due_date=signal + timedelta(days=15),
            stage="identified", stage_date=identified, decided_on=identified, risk_identified_date=identified,
            checked_on=signal + timedelta(days=1), reviewed_on=signal + timedelta(days=2),
            publicity_start=signal + timedelta(days=3), publicity_end=signal + timedelta(days=8),
            township_approved_on=min(signal + timedelta(days=9), identified),
            no_labour_capacity=no_labour,
        )
        if not closed and rng.random() < 0.2:
            _in_identification(rng, case, today)
        if closed:
            eliminated = day_in(rng, identified + timedelta(days=200), min(identified + timedelta(days=540), ref.as_of))
            case.risk_eliminated, case.risk_eliminated_date = True, eliminated
            case.income_stable_since = eliminated - timedelta(days=rng.randint(183, 200))
            start = eliminated + timedelta(days=30)
        elif case.stage == "identified" and rng.random() < 0.3:
            case.income_stable_since = day_in(rng, identified, ref.as_of)
        cases.append(case)
        if start >= ref.as_of - timedelta(days=60):
            break
    return cases
