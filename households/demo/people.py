"""The people of a household: a family whose ages fit their relations, then
members with IDs, schooling, health, labour and insurance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from povertyrelief.demo import person_name

from ..models import Member
from .data import ADULT_EDUCATION, ETHNICITIES, GRADES, HEALTH, WORK_PLACES
from .reference import Reference, day_in
from .rows import new


@dataclass
class Person:
    name: str
    relation: str
    sex: str  # 男 / 女
    age: int


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
    left = day_in(rng, earliest, latest)
    return new(
        Member, name=_given(rng, surname), id_number=id_number, sex=sex, birth_date=birth,
        relation=relation, education=ADULT_EDUCATION[65 if age >= 65 else 25].pick(rng), labour_skill="无劳动力" if age >= 70 else "普通劳动力",
        medical_insurance=True, serious_illness_insurance=True, left_date=left, left_reason=reason, left_note=note,
    )
