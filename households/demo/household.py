"""A household with its members, and its incomes 2019–2025."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from povertyrelief.demo import mobile

from ..models import Household, Income, Member
from .data import (
    ATTRIBUTES,
    CAUSES,
    EXIT_YEARS,
    IDENTIFICATION_YEARS,
    INCOME_YEARS,
    NUMERALS,
    SIZES,
    STANDARDS,
    TEKUN_CAUSES,
    TEKUN_SIZES,
)
from .people import build_members, departed_member, family
from .reference import Reference, day_in
from .rows import new


def build_household(rng, ref: Reference, village, number: str, groups: int) -> tuple[Household, list[Member], int | None]:
    """A household and its members; also the year a 返贫 household fell back."""
    attribute = ATTRIBUTES.pick(rng)
    main = (TEKUN_CAUSES if attribute == "特困供养贫困户" else CAUSES).pick(rng)
    others = []
    for _ in range(rng.choices([0, 1, 2], [30, 45, 25])[0]):
        cause = CAUSES.pick(rng)
        if cause != main and cause not in others:
            others.append(cause)
    year = IDENTIFICATION_YEARS.pick(rng)
    roll = rng.random()
    if attribute == "一般贫困户":
        status = "1" if roll < 0.62 else "4" if roll < 0.95 else "0" if roll < 0.98 else "3"
    else:
        status = "1" if roll < 0.9 else "4" if roll < 0.95 else "0" if roll < 0.98 else "3"
    exit_year = None
    if status != "0":
        years = [y for y in EXIT_YEARS if y >= year]
        exit_year = rng.choices(years, [EXIT_YEARS[y] for y in years])[0]
    planned = exit_year if status in ("1", "4") else ref.as_of.year + rng.randint(0, 1)
    relocated = rng.random() < (0.25 if main in ("缺水", "交通条件落后", "缺土地", "因灾") else 0.06)
    poor = status in ("0", "3")
    if relocated:
        housing = "已搬迁"
    elif poor:
        housing = rng.choices(["安全", "C级危房", "D级危房"], [85, 10, 5])[0]
    else:
        housing = "安全"
    group_number = rng.randint(1, groups)
    group = (NUMERALS[group_number - 1] if group_number <= 10 else "十" + NUMERALS[group_number - 11]) + "组"
    bank_name = "农村信用社" if rng.random() < 0.7 else "邮储银行"
    farmland = Decimal(rng.randint(0 if relocated else 5, 80)) / 10
    forest = Decimal(rng.randint(0, 200)) / 10 if rng.random() < 0.6 else Decimal("0")
    household = Household(
        village=village, number=number, group=group,
        address=f"{village.name}{group}{rng.randint(1, 120)}号" if not relocated else f"{village.parent.name}移民安置小区{rng.randint(1, 30)}号楼",
        phone=mobile(rng) if rng.random() < 0.92 else "",
        bank_name=bank_name,
        bank_account=("6229" if bank_name == "农村信用社" else "6210") + "".join(rng.choice("0123456789") for _ in range(15)),
        identification_standard=STANDARDS.pick(rng), identification_year=year, attribute=attribute,
        main_cause=main, other_cause_1=others[0] if others else "", other_cause_2=others[1] if len(others) > 1 else "",
        status=status, exit_year=exit_year, planned_exit_year=planned,
        housing_safety=housing, relocated=relocated,
        relocation_date=day_in(rng, date(max(year, 2017), 1, 1), date(2020, 12, 31)) if relocated else None,
        safe_drinking_water=True if not poor else rng.random() < 0.9,
        has_electricity=rng.random() < 0.998, road_to_home=rng.random() < 0.96,
        farmland_mu=farmland, forest_mu=forest,
        returned_farmland_mu=Decimal(rng.randint(5, 50)) / 10 if rng.random() < 0.2 else Decimal("0"),
    )
    people = family(rng, (TEKUN_SIZES if attribute == "特困供养贫困户" else SIZES).pick(rng), attribute)
    members = build_members(rng, ref, people, main, attribute)
    household.head_name = members[0].name
    household.member_count = len(members)
    if rng.random() < 0.05:
        members.append(departed_member(rng, ref, members[0], year))
    return household, members, rng.randint(2021, ref.as_of.year - 1) if status == "3" else None


def build_incomes(rng, ref: Reference, household: Household, members: list[Member], returned_in: int | None) -> list[Income]:
    """Incomes 2019–2025 around a per-capita target set against that year's
    poverty line: above it from the exit year on, below it while poor.
    Subsidies, pensions and dividends are fixed amounts; work and farming
    make up the rest."""
    current = [m for m in members if m.left_date is None]
    dibao_people = sum(1 for m in current if m.is_dibao)
    # (year of birth, year of leaving or None) to count the household each year.
    presence = [(m.birth_date.year, m.left_date.year if m.left_date else None) for m in members]
    pension_from = [m.birth_date.year + 60 for m in current]
    farmland = float(household.farmland_mu or 0)
    forest = float(household.forest_mu or 0)
    returned = float(household.returned_farmland_mu or 0)
    weights = {
        "wage_migrant_work": sum(m.work_months or 0 for m in current) * rng.uniform(0.8, 1.2),
        "wage_public_post": 6.0 if rng.random() < 0.3 else 0.0,
        "prod_grain": farmland * rng.uniform(0.3, 0.6),
        "prod_cash_crop": rng.uniform(1, 6) if rng.random() < 0.3 else 0.0,
        "prod_livestock": rng.uniform(1, 6) if rng.random() < 0.4 else 0.0,
        "prod_forestry_fruit": forest * 0.2 if rng.random() < 0.3 else 0.0,
        "prod_other": rng.uniform(0.5, 3) if rng.random() < 0.1 else 0.0,
    }
    if not any(weights.values()):
        weights["prod_grain"] = 1.0
    dividend = rng.randint(300, 1500) if rng.random() < 0.6 else 0
    land_transfer = rng.randint(300, 2000) if rng.random() < 0.2 else 0
    rent = rng.randint(1000, 3600) if rng.random() < 0.03 else 0
    family_planning = 960 if rng.random() < 0.1 else 0
    dibao_monthly = rng.randint(250, 400)
    tekun = household.attribute == "特困供养贫困户"
    base_factor = rng.uniform(1.25, 2.6)
    growth = rng.uniform(1.04, 1.10)
    incomes = []
    for year in INCOME_YEARS:
        size = sum(1 for born, left in presence if born <= year and (left is None or left > year)) or 1
        poor_now = household.status == "0" or (returned_in is not None and year >= returned_in) or (
            household.exit_year is not None and year < household.exit_year
        )
        factor = rng.uniform(0.72, 0.98) if poor_now else base_factor * growth ** (year - 2019)
        line = ref.lines.get(year, 4000.0)
        uplift = 1.035 ** (year - 2019)  # yearly rise of subsidies and pensions
        fixed = {
            "prop_interest": rng.randint(0, 80),
            "prop_dividend": dividend,
            "prop_rent": rent,
            "prop_land_transfer": land_transfer,
            "trans_agri_subsidy": round(farmland * 105),
            "trans_ecological": round(forest * 14 + returned * 150),
            "trans_dibao": round(dibao_people * dibao_monthly * 12 * uplift),
            "trans_tekun": round(6500 * uplift) if tekun else 0,
            "trans_pension": round(sum(1 for start in pension_from if start <= year) * 1560 * uplift),
            "trans_family_planning": family_planning,
            "trans_other": rng.randint(100, 800) if rng.random() < 0.1 else 0,
        }
        market_net = max(line * factor * size - sum(fixed.values()), line * 0.1)
        # Production items are gross values: compute() takes their cost share off.
        rates = ref.cost_rates.get(year, {})
        net_share = sum(w * (1 - rates.get(k, 0)) for k, w in weights.items())
        values = {k: Decimal(round(market_net * w / net_share)) for k, w in weights.items()}
        values.update((k, Decimal(v)) for k, v in fixed.items())
        income = new(Income, year=year, household_size=size, **values)
        income.compute(ref.standards.get(year))
        incomes.append(income)
    return incomes
