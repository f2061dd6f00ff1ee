"""Demo registry for the demo county: households, members, cadres and
assignments, incomes 2019–2025, measures, visits and monitoring.

Deterministic per seed: every choice comes from the ``rng`` handed in by
``seed_demo`` and the reference day is derived from the seeded annual
standards, not the clock. Rows are written in bulk, a chunk of households per
transaction and up to a thousand rows per INSERT (no per-row saves, so no
audit entries and no signals): 150,000 households take a few minutes on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import operator
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connections, models, router, transaction
from django.utils import timezone

from povertyrelief.demo import DEMO_SEEDERS, UNITS, mobile, person_name
from povertyrelief.validators import id_check_char

from .models import (
    AnnualStandard,
    Assignment,
    Cadre,
    Household,
    Income,
    Measure,
    MeasureCategory,
    Member,
    Monitoring,
    MonitoringType,
    PRODUCTION_COST_RATES,
    UnitLevel,
    Visit,
)

AREA_PREFIX = "610499"
PROVINCE = "陕西省"
INCOME_YEARS = range(2019, 2026)
# Households written together in one transaction (about 50,000 rows).
CHUNK_HOUSEHOLDS = 2500
BATCH_SIZE = 5000
NUMERALS = "一二三四五六七八九十"


class Table:
    """A weighted choice prepared once: ``table.pick(rng)``."""

    def __init__(self, weighted: dict):
        self.values = list(weighted)
        self.cumulative = list(itertools.accumulate(weighted.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


SIZES = Table({2: 42, 3: 29, 4: 15.5, 5: 8, 6: 3.5, 7: 1.5, 8: 0.5})
# 特困供养 people have no one to support them: they live alone or as a couple.
TEKUN_SIZES = Table({2: 85, 3: 15})
ATTRIBUTES = Table({"一般贫困户": 70, "低保贫困户": 20, "特困供养贫困户": 10})
CAUSES = Table({
    "因病": 25, "缺技术": 15, "缺劳力": 12, "缺资金": 12, "因残": 10, "因学": 6, "缺土地": 4,
    "交通条件落后": 4, "自身发展动力不足": 4, "缺水": 3, "因灾": 3, "其他": 2,
})
# 特困 households are mostly people who cannot work.
TEKUN_CAUSES = Table({"缺劳力": 40, "因残": 25, "因病": 25, "其他": 10})
IDENTIFICATION_YEARS = Table({2014: 55, 2015: 22, 2016: 13, 2017: 5, 2018: 3, 2019: 2})
EXIT_YEARS = {2016: 15, 2017: 20, 2018: 25, 2019: 25, 2020: 15}
STANDARDS = Table({"national": 88, "provincial": 10, "city": 2})
ETHNICITIES = Table({"汉族": 975, "回族": 15, "满族": 5, "蒙古族": 3, "土家族": 2})
WORK_PLACES = Table({"省外务工": 35, "省内县外务工": 25, "县内务工": 25, "乡镇内务工": 15})
ADULT_EDUCATION = {
    65: Table({"文盲或半文盲": 45, "小学": 40, "初中": 13, "高中": 2}),
    45: Table({"文盲或半文盲": 15, "小学": 40, "初中": 38, "高中": 6, "大专及以上": 1}),
    25: Table({"文盲或半文盲": 3, "小学": 17, "初中": 55, "高中": 17, "大专及以上": 8}),
    16: Table({"小学": 5, "初中": 45, "高中": 32, "大专及以上": 18}),
}
HEALTH = {
    "child": Table({"健康": 970, "长期慢性病": 15, "残疾": 15}),
    "adult": Table({"健康": 82, "长期慢性病": 10, "患有大病": 3, "残疾": 5}),
    "elder": Table({"健康": 50, "长期慢性病": 35, "患有大病": 7, "残疾": 8}),
}
GRADES = Table({"一级": 10, "二级": 25, "三级": 30, "四级": 35})
CROPS = ["核桃", "花椒", "苹果", "猕猴桃", "中药材", "魔芋", "茶叶", "食用菌", "蔬菜"]
ANIMALS = [("生猪", "头"), ("肉牛", "头"), ("湖羊", "只"), ("土鸡", "只"), ("中蜂", "箱")]
COOPERATIVES = ["村集体股份经济合作社", "种养殖专业合作社", "核桃专业合作社", "食用菌专业合作社", "茶叶专业合作社"]
PUBLIC_POSTS = ["保洁员", "护路员", "护林员", "水管员", "公益性岗位协管员"]
COUNTY_POSITIONS = ["科员", "科员", "干部", "主任科员", "副科长", "科长", "副局长"]
TOWNSHIP_POSITIONS = ["包村干部", "扶贫专干", "党政办干事", "副镇长", "农业服务中心干部"]
REPLACE_REASONS = ["工作调动", "岗位调整", "退休", "驻村轮换"]
# (what was done, from which year the wording fits)
VISIT_TEXTS = [
    ("入户走访，宣讲帮扶政策，了解家庭收入和生产生活情况", 2014),
    ("核实两不愁三保障及饮水安全情况，填写帮扶手册", 2016),
    ("了解务工情况，帮助联系就业岗位", 2014),
    ("开展收入测算，与户主核对各项收入", 2014),
    ("走访慰问，了解家庭成员健康状况和就医报销情况", 2014),
    ("指导发展产业，协调种苗和技术服务", 2014),
    ("宣传防返贫监测政策，告知监测对象申报渠道", 2021),
    ("核实住房安全和安全饮水情况", 2016),
    ("与户主共同研究制定年度帮扶计划", 2014),
    ("过渡期政策宣讲，核实帮扶措施落实情况", 2021),
]
RISKS = {
    "因病": "家庭成员患病住院，医疗支出较大，收入明显下降",
    "因残": "家庭成员残疾，主要劳动力无法外出务工",
    "因学": "子女就读高中及大学，教育支出增加",
    "因灾": "遭受暴雨洪涝灾害，农作物和房屋受损",
    "缺劳力": "家庭劳动力不足，收入来源单一",
    "缺技术": "务工收入下降，缺乏稳定就业技能",
    "缺资金": "产业发展资金不足，经营收入减少",
    "缺土地": "耕地少，家庭经营收入低且不稳定",
    "缺水": "遭遇干旱，农作物减产",
    "交通条件落后": "居住偏远，务工和农产品销售不便，收入下降",
    "自身发展动力不足": "家庭收入增长缓慢，发展意愿不强",
}
SUDDEN_RISKS = [
    "主要劳动力务工时意外受伤，暂时无法工作",
    "遭受暴雨洪涝灾害，住房和农作物受损",
    "家庭成员突发重病，自付医疗费用较高",
    "养殖牲畜发生疫病，经营亏损",
]


@dataclass
class Person:
    name: str
    relation: str
    sex: str  # 男 / 女
    age: int


@dataclass
class Plan:
    """One household in memory, with everything that hangs from it."""

    household: Household
    members: list[Member] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    measures: list[tuple[Measure, Member | None]] = field(default_factory=list)
    rest: list = field(default_factory=list)  # incomes, visits, monitorings


class Reference:
    """Everything the seeder looks up once: the reference day, the annual
    standards, the measure catalogue and the ID sequences already used."""

    def __init__(self):
        standards = {s.year: s for s in AnnualStandard.objects.filter(province=PROVINCE)}
        latest = max(standards, default=2026)
        # Mid-year of the latest standard year; capped at the real date so an
        # ID never carries a birth date the validator would call future.
        self.as_of = min(date(latest, 6, 30), date.today())
        self.standards = standards
        self.lines = {year: float(s.poverty_line) for year, s in standards.items()}
        self.cost_rates = {
            year: {item: float(getattr(s, rate)) for item, rate in PRODUCTION_COST_RATES.items()}
            for year, s in standards.items()
        }
        self.categories = {c.name: c for c in MeasureCategory.objects.order_by("sort_order", "pk")}
        self.used_sequences: dict[tuple[date, int], set[int]] = {}

    def id_number(self, rng, birth: date, sex: str) -> tuple[str, date]:
        """A unique 18-character ID (area, birth date, sequence with odd = 男,
        check character) and the birth date it carries."""
        parity = 1 if sex == "男" else 0
        used = self.used_sequences.setdefault((birth, parity), set())
        # Half of a day's 500 sequences for that sex taken: use the day before.
        while len(used) >= 250:
            birth -= timedelta(days=1)
            used = self.used_sequences.setdefault((birth, parity), set())
        while True:
            sequence = rng.randrange(0, 500) * 2 + parity
            if sequence not in used:
                used.add(sequence)
                break
        first17 = f"{AREA_PREFIX}{birth:%Y%m%d}{sequence:03d}"
        return first17 + id_check_char(first17), birth

    def birth(self, rng, age: int) -> date:
        """A birth date that makes the person ``age`` on the reference day."""
        return self.as_of - timedelta(days=int(age * 365.2425) + rng.randint(1, 364))

    def age(self, birth: date) -> int:
        return self.as_of.year - birth.year - ((self.as_of.month, self.as_of.day) < (birth.month, birth.day))


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` proportionally (largest remainder)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], -i), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _day_in(rng, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


class RowFactory:
    """Builds unsaved rows through the model's positional constructor, the
    fast path Django itself uses when loading rows: with tens of thousands of
    rows per chunk, keyword construction dominated the seeder's time."""

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.model = model
        self.defaults = [None if f.primary_key else f.get_default() for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}

    def __call__(self, **values):
        args = self.defaults.copy()
        for name, value in values.items():
            args[self.position[name]] = value
        return self.model(*args)


@functools.cache
def _factory(model) -> RowFactory:
    return RowFactory(model)


def new(model, **values):
    """An unsaved ``model`` row; foreign keys are given as ``<name>_id``."""
    return _factory(model)(**values)


# --- cadres ----------------------------------------------------------------


def build_cadres(rng, demo, per_township: dict[int, int]) -> dict[int, tuple[list[Cadre], list[Cadre]]]:
    """About one cadre per 5–8 households: county units (registered at the
    county) and township cadres. Returns per township (active, departed)."""
    pools: dict[int, tuple[list[Cadre], list[Cadre]]] = {}
    every = []
    for township in demo.townships:
        count = per_township.get(township.pk, 0)
        if count == 0:
            continue
        cadres = []
        for _ in range(max(1, round(count / rng.uniform(5, 8)))):
            if rng.random() < 0.6:
                unit = rng.choice(UNITS)
                level = UnitLevel.PROVINCE if unit.startswith("省") else UnitLevel.CITY if unit.startswith("市") else UnitLevel.COUNTY
                cadre = Cadre(name=person_name(rng), unit=unit, unit_level=level, position=rng.choice(COUNTY_POSITIONS),
                              phone=mobile(rng), area=demo.county)
            else:
                cadre = Cadre(name=person_name(rng), unit=f"{township.name}人民政府", unit_level=UnitLevel.TOWNSHIP,
                              position=rng.choice(TOWNSHIP_POSITIONS), phone=mobile(rng), area=township)
            # A few have retired or moved on: they appear only in past pairings.
            cadre.active = rng.random() >= 0.05
            cadres.append(cadre)
        if not any(c.active for c in cadres):
            cadres[0].active = True
        rng.shuffle(cadres)
        pools[township.pk] = ([c for c in cadres if c.active], [c for c in cadres if not c.active])
        every.extend(cadres)
    Cadre.objects.bulk_create(every, batch_size=BATCH_SIZE)
    return pools


class CadrePicker:
    """Hands each active cadre of a township a run of consecutive households,
    so a cadre's 5–8 households mostly lie in one village, as in practice."""

    def __init__(self, pools, per_township: dict[int, int]):
        self.pools = pools
        self.run_length = {t: max(1, math.ceil(per_township[t] / len(active))) for t, (active, _) in pools.items()}
        self.turn: dict[int, int] = {}

    def next(self, township_id: int) -> Cadre:
        active = self.pools[township_id][0]
        position = self.turn.get(township_id, 0)
        self.turn[township_id] = position + 1
        return active[(position // self.run_length[township_id]) % len(active)]

    def departed(self, rng, township_id: int) -> Cadre:
        """The cadre of a pairing that has ended: often one who has since left."""
        departed = self.pools[township_id][1]
        return rng.choice(departed) if departed and rng.random() < 0.6 else self.next(township_id)


# --- people ----------------------------------------------------------------


def _given(rng, surname: str) -> str:
    return surname + person_name(rng)[1:]


def family(rng, size: int, attribute: str) -> list[Person]:
    """户主 and size − 1 relatives whose ages fit their relation."""
    male_head = rng.random() < 0.85
    head_sex = "男" if male_head else "女"
    if attribute == "特困供养贫困户" or size == 2:
        head_age = int(rng.triangular(30, 88, 66))
    else:
        head_age = int(rng.triangular(27, 80, 47))
    head_name = person_name(rng)
    surname = head_name[0]
    people = [Person(head_name, "户主", head_sex, head_age)]
    other_sex = "女" if male_head else "男"

    def add(relation, sex, age, name=None):
        if len(people) < size:
            people.append(Person(name or _given(rng, surname), relation, sex, max(0, age)))

    # Women head a household mostly when widowed or their husband is away.
    married = rng.random() < (0.85 if size >= 3 else 0.55) * (1 if male_head else 0.3)
    if married:
        spouse_age = head_age + (rng.randint(-6, 2) if male_head else rng.randint(-2, 6))
        add("配偶", other_sex, spouse_age, person_name(rng))
    if size == 2 and len(people) < size:
        # Old people living with a grandchild left behind, or a widow(er) with a child or parent.
        if head_age >= 58 and rng.random() < 0.4:
            relation, sex = ("之孙子", "男") if rng.random() < 0.52 else ("之孙女", "女")
            add(relation, sex, rng.randint(3, 16))
        elif head_age <= 55 and rng.random() < 0.35:
            relation, sex = ("之母", "女") if rng.random() < 0.7 else ("之父", "男")
            add(relation, sex, head_age + rng.randint(22, 32), person_name(rng) if sex == "女" else None)
    # Children, then a son's wife and grandchildren, then the head's parents.
    children = max(0, min(size - len(people), rng.choice([1, 2, 2, 3])))
    first_child_gap = rng.randint(21, 30)
    for index in range(children):
        age = head_age - first_child_gap - index * rng.randint(2, 5)
        if age < 0:
            break
        son = rng.random() < 0.52
        add("之子" if son else "之女", "男" if son else "女", age)
    sons = [p for p in people if p.relation == "之子" and p.age >= 22]
    if sons and len(people) < size:
        son = sons[0]
        add("之儿媳", "女", son.age + rng.randint(-4, 3), person_name(rng))
        grandchild_age = son.age - rng.randint(22, 30)
        while len(people) < size and grandchild_age >= 0:
            boy = rng.random() < 0.52
            add("之孙子" if boy else "之孙女", "男" if boy else "女", grandchild_age)
            grandchild_age -= rng.randint(2, 5)
    if head_age <= 58 and len(people) < size:
        add("之母", "女", head_age + rng.randint(22, 32), person_name(rng))
        if len(people) < size and rng.random() < 0.6:
            add("之父", "男", head_age + rng.randint(24, 35))
    while len(people) < size:
        # Fill with children of plausible age, or a sibling if the head is too young.
        if head_age >= 24:
            gap = rng.randint(20, min(42, head_age))
            son = rng.random() < 0.5
            add("之子" if son else "之女", "男" if son else "女", head_age - gap)
        else:
            add("之兄弟姐妹", rng.choice("男女"), head_age + rng.randint(-5, 5))
    return people


def _education(rng, age: int) -> tuple[str, str]:
    """(文化程度, 在校生状况): every child aged 6–15 is at school."""
    if age < 3:
        return "", ""
    if age < 6:
        return "", "学前教育" if rng.random() < 0.7 else ""
    if age <= 11:
        return "小学", "小学"
    if age <= 15:
        return "初中", "初中"
    if age <= 18 and rng.random() < 0.6:
        return "初中", "高中" if rng.random() < 0.65 else "中职"
    if age <= 22 and rng.random() < 0.25:
        return "高中", rng.choice(["大专", "高职", "本科及以上"])
    for lower in (65, 45, 25, 16):
        if age >= lower:
            return ADULT_EDUCATION[lower].pick(rng), ""
    return "初中", ""


def _labour(rng, age: int, health: str, grade: str, at_school: bool) -> str:
    if age < 16 or at_school:
        return "无劳动力"
    if health == "患有大病" or grade in ("一级", "二级"):
        return "丧失劳动力"
    if age >= 70:
        return "丧失劳动力" if rng.random() < 0.4 else "无劳动力"
    if age >= 60:
        return rng.choices(["弱劳动力或半劳动力", "普通劳动力", "丧失劳动力"], [65, 20, 15])[0]
    if health in ("长期慢性病", "残疾"):
        return "弱劳动力或半劳动力" if rng.random() < 0.6 else "普通劳动力"
    return rng.choices(["普通劳动力", "技能劳动力", "弱劳动力或半劳动力"], [72, 18, 10])[0]


def build_members(rng, ref: Reference, people: list[Person], main_cause: str, attribute: str) -> list[Member]:
    """Members with IDs, schooling, health, labour and insurance fitting their age."""
    ethnicity = ETHNICITIES.pick(rng)
    members = []
    for person in people:
        id_number, birth = ref.id_number(rng, ref.birth(rng, person.age), person.sex)
        age = ref.age(birth)
        education, school = _education(rng, age)
        band = "child" if age < 16 else "adult" if age < 60 else "elder"
        health = HEALTH[band].pick(rng)
        members.append(
            new(
                Member, name=person.name, id_number=id_number, sex=person.sex, birth_date=birth,
                relation=person.relation,
                ethnicity=ethnicity if person.relation not in ("配偶", "之儿媳") else ETHNICITIES.pick(rng),
                education=education, school_status=school, health=health,
            )
        )
    # The main cause shows in the people: someone ill, or someone disabled.
    if main_cause in ("因病", "因残"):
        adults = [m for m in members if ref.age(m.birth_date) >= 16] or members
        patient = rng.choice(adults)
        if main_cause == "因病" and patient.health not in ("长期慢性病", "患有大病"):
            patient.health = "患有大病" if rng.random() < 0.4 else "长期慢性病"
        elif main_cause == "因残":
            patient.health = "残疾"
    for member in members:
        age = ref.age(member.birth_date)
        if member.health == "残疾":
            member.disability_grade = GRADES.pick(rng)
            # 残疾人证号: the ID, then the disability category (1–7) and grade (1–4).
            grade = "一二三四".index(member.disability_grade[0]) + 1
            member.disability_cert_number = f"{member.id_number}{rng.randint(1, 7)}{grade}"
        at_school = bool(member.school_status) and age >= 6
        member.labour_skill = _labour(rng, age, member.health, member.disability_grade, at_school)
        if member.labour_skill in ("普通劳动力", "技能劳动力") and rng.random() < 0.65:
            member.work_status = WORK_PLACES.pick(rng)
            member.work_months = rng.choice([3, 4, 6, 6, 8, 9, 10, 10, 11, 12, 12, 12])
        elif member.labour_skill == "弱劳动力或半劳动力" and rng.random() < 0.2:
            member.work_status = rng.choice(["乡镇内务工", "县内务工"])
            member.work_months = rng.randint(2, 8)
        member.medical_insurance = rng.random() < 0.995
        member.serious_illness_insurance = member.medical_insurance and rng.random() < 0.995
        member.pension_insurance = age >= 16 and not at_school and rng.random() < 0.92
        member.is_dibao = attribute == "低保贫困户" and (member.relation == "户主" or rng.random() < 0.7)
        member.is_tekun = attribute == "特困供养贫困户" and member.relation == "户主"
    return members


def departed_member(rng, ref: Reference, head: Member, identification_year: int) -> Member:
    """A member who left by a dated change: a parent who died or a daughter who married out."""
    head_age = ref.age(head.birth_date)
    surname = head.name[0]
    if head_age <= 65 and rng.random() < 0.6:
        relation, sex = ("之父", "男") if rng.random() < 0.5 else ("之母", "女")
        age, reason, note = head_age + rng.randint(24, 34), "死亡", "病故"
    elif head_age >= 47:
        relation, sex, age, reason, note = "之女", "女", head_age - rng.randint(20, 25), "婚出", "嫁到外村"
    else:
        relation, sex, age, reason, note = "其他", rng.choice("男女"), head_age + rng.randint(-5, 5), "迁出", "户籍迁出"
    id_number, birth = ref.id_number(rng, ref.birth(rng, age), sex)
    latest = ref.as_of - timedelta(days=30)
    # Married out as an adult, and only after the household was registered.
    earliest = min(max(date(max(identification_year, 2016), 1, 1), date(birth.year + 20, 1, 1)), latest)
    left = _day_in(rng, earliest, latest)
    return new(
        Member, name=_given(rng, surname), id_number=id_number, sex=sex, birth_date=birth,
        relation=relation, education=ADULT_EDUCATION[65 if age >= 65 else 25].pick(rng), labour_skill="无劳动力" if age >= 70 else "普通劳动力",
        medical_insurance=True, serious_illness_insurance=True, left_date=left, left_reason=reason, left_note=note,
    )


# --- household -------------------------------------------------------------


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
        relocation_date=_day_in(rng, date(max(year, 2017), 1, 1), date(2020, 12, 31)) if relocated else None,
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


def build_assignments(rng, ref: Reference, household: Household, township_id: int, picker: CadrePicker) -> list[Assignment]:
    """A pairing from identification on; some cadres replaced; 不再享受政策 households released."""
    start = date(household.identification_year, rng.randint(3, 12), rng.randint(1, 28))
    assignments = []
    if rng.random() < 0.2:
        first = picker.departed(rng, township_id)
        end = _day_in(rng, start + timedelta(days=365), date(2023, 12, 31))
        assignments.append(new(Assignment, cadre_id=first.pk, start_date=start, end_date=end,
                               end_reason=rng.choice(REPLACE_REASONS)))
        start = end + timedelta(days=1)
    current = new(Assignment, cadre_id=picker.next(township_id).pk, start_date=start)
    if household.status == "4":
        current.end_date = _day_in(rng, max(start, date(household.exit_year + 1, 1, 1)), date(2024, 12, 31))
        current.end_reason = "脱贫稳定，不再享受帮扶政策，解除结对"
    assignments.append(current)
    return assignments


def cadre_on(assignments: list[Assignment], day: date) -> int:
    """The cadre paired with the household that day (the last one after release)."""
    for assignment in assignments:
        if assignment.start_date <= day and (assignment.end_date is None or day <= assignment.end_date):
            return assignment.cadre_id
    return assignments[-1].cadre_id


# --- incomes ---------------------------------------------------------------


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


# --- measures, visits, monitoring -----------------------------------------


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
                done = _day_in(rng, planned, ref.as_of)
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
        day = _day_in(rng, first, last)
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
        identified = _day_in(rng, start, ref.as_of - timedelta(days=30 if not closed else 400))
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
            eliminated = _day_in(rng, identified + timedelta(days=200), min(identified + timedelta(days=540), ref.as_of))
            case.risk_eliminated, case.risk_eliminated_date = True, eliminated
            case.income_stable_since = eliminated - timedelta(days=rng.randint(183, 200))
            start = eliminated + timedelta(days=30)
        elif case.stage == "identified" and rng.random() < 0.3:
            case.income_stable_since = _day_in(rng, identified, ref.as_of)
        cases.append(case)
        if start >= ref.as_of - timedelta(days=60):
            break
    return cases


# --- writing ---------------------------------------------------------------


class BulkWriter:
    """Multi-row INSERTs for one model, up to a thousand rows per statement.

    ``bulk_create`` spends most of its time preparing each value in Python
    (about 60 million of them for 150,000 households); the seeder's values
    are already in their database form, so they go straight to the driver.
    With ``returning`` the new primary keys are set on the objects, as
    ``bulk_create`` does, so rows pointing at them can follow.
    """

    def __init__(self, model, *, returning: bool = False):
        self.connection = connections[router.db_for_write(model)]
        quote = self.connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.returning = returning
        self.get_values = operator.attrgetter(*(f.attname for f in fields))
        # Timestamps and files need the backend's own conversion.
        now = timezone.now()
        self.converters = []
        for index, f in enumerate(fields):
            if isinstance(f, models.DateTimeField):
                if f.auto_now or f.auto_now_add:
                    fixed = self.connection.ops.adapt_datetimefield_value(now)
                    self.converters.append((index, lambda value, fixed=fixed: fixed))
                else:
                    self.converters.append((index, self.connection.ops.adapt_datetimefield_value))
            elif isinstance(f, models.FileField):
                self.converters.append((index, lambda value: value.name or ""))
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        limit = self.connection.features.max_query_params or 30000
        self.rows_per_statement = max(1, min(1000, limit // len(fields)))
        self.head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
        self.row = row
        self.tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""

    def insert(self, objs: list) -> None:
        with self.connection.cursor() as wrapper:
            # The raw driver cursor: the debug wrapper would log every parameter.
            cursor = wrapper.cursor
            for start in range(0, len(objs), self.rows_per_statement):
                batch = objs[start:start + self.rows_per_statement]
                params = []
                for obj in batch:
                    values = list(self.get_values(obj))
                    for index, convert in self.converters:
                        values[index] = convert(values[index])
                    params.extend(values)
                cursor.execute(self.head + ", ".join([self.row] * len(batch)) + self.tail, params)
                if self.returning:
                    for obj, (pk,) in zip(batch, cursor.fetchall()):
                        obj.pk = pk
                        obj._state.adding = False


def _flush(plans: list[Plan], writers: dict) -> None:
    """Write a chunk of households in one transaction, parents before children."""
    with transaction.atomic():
        writers[Household].insert([p.household for p in plans])
        members = []
        for plan in plans:
            for row in itertools.chain(plan.members, plan.assignments, plan.rest):
                row.household_id = plan.household.pk
            members.extend(plan.members)
        writers[Member].insert(members)
        writers[Assignment].insert([a for p in plans for a in p.assignments])
        rows: dict[type, list] = {Measure: []}
        for plan in plans:
            for row in plan.rest:
                rows.setdefault(type(row), []).append(row)
            for measure, member in plan.measures:
                measure.household_id = plan.household.pk
                measure.member_id = member.pk if member else None
                rows[Measure].append(measure)
        for model in (Income, Measure, Visit, Monitoring):
            writers[model].insert(rows.get(model, []))


def _refresh_statistics(tables: list) -> None:
    """Planner statistics for the freshly loaded tables: PostgreSQL's
    autovacuum gets to them only later, and until then the first pages
    people open pick slow plans (a household page took three times as long)."""
    connection = connections[router.db_for_write(Household)]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def seed_households(*, rng, demo, households: int, log) -> None:
    """Fill the registry of the demo county with ``households`` households,
    spread over the villages by rural population; deterministic per ``rng``."""
    if households <= 0 or not demo.villages:
        return
    ref = Reference()
    per_village = _allocate(households, [v.rural_population or 0 for v in demo.villages])
    township_of = {v.pk: v.parent_id for v in demo.villages}
    townships = {t.pk: t for t in demo.townships}
    per_township: dict[int, int] = {}
    for village, count in zip(demo.villages, per_village):
        village.parent = townships[village.parent_id]
        per_township[village.parent_id] = per_township.get(village.parent_id, 0) + count
    pools = build_cadres(rng, demo, per_township)
    log(f"帮扶责任人：{sum(len(a) + len(d) for a, d in pools.values())} 名")
    picker = CadrePicker(pools, per_township)
    writers = {model: BulkWriter(model, returning=model in (Household, Member))
               for model in (Household, Member, Assignment, Income, Measure, Visit, Monitoring)}
    plans: list[Plan] = []
    done = members_total = 0
    started = time.monotonic()
    for village, count in zip(demo.villages, per_village):
        groups = rng.randint(4, 12)
        for sequence in range(1, count + 1):
            household, members, returned_in = build_household(rng, ref, village, f"{village.code}{sequence:04d}", groups)
            plan = Plan(household, members)
            plan.assignments = build_assignments(rng, ref, household, township_of[village.pk], picker)
            plan.rest.extend(build_incomes(rng, ref, household, members, returned_in))
            plan.measures = build_measures(rng, ref, household, members, plan.assignments)
            plan.rest.extend(build_visits(rng, ref, household, plan.assignments))
            # About 3% of households are monitored, all of them out of poverty by now.
            if household.status in ("1", "4") and rng.random() < 0.031:
                plan.rest.extend(build_monitoring(rng, ref, household, members))
            plans.append(plan)
            done += 1
            members_total += household.member_count
            if len(plans) >= CHUNK_HOUSEHOLDS:
                _flush(plans, writers)
                plans = []
                if done % (CHUNK_HOUSEHOLDS * 4) == 0:
                    log(f"贫困户：已写入 {done}/{households} 户，用时 {time.monotonic() - started:.0f} 秒")
    if plans:
        _flush(plans, writers)
    _refresh_statistics([Cadre, *writers])
    log(f"贫困户：共 {done} 户，现有成员 {members_total} 人，用时 {time.monotonic() - started:.0f} 秒")


if seed_households not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_households)
