"""Battle-map fixtures: a small county with households in every state,
members, cadres, monitoring cases, 明白卡 prints, measures and funds."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from households.models import Assignment, Cadre, CardPrint, Measure, MeasureCategory, Member, Monitoring
from povertyrelief.validators import id_check_char
from tests.conftest import make_household

_sequence = count(1)


def new_id(birth: date, sex: str = "男") -> str:
    """A valid resident ID no other test row uses."""
    serial = (next(_sequence) % 450) * 2 + (1 if sex == "男" else 0)
    first17 = f"610499{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)


def household(village, number: str, *, people: int = 1, **extra):
    """A household with its head and ``people - 1`` more current members."""
    birth = date(1970, 3, 1) + timedelta(days=next(_sequence))
    head = make_household(village, number, f"户主{number[-3:]}", new_id(birth), member_count=people, **extra)
    for index in range(people - 1):
        born = date(1995, 1, 1) + timedelta(days=next(_sequence))
        Member.objects.create(
            household=head, name=f"成员{number[-3:]}{index}", id_number=new_id(born, "女"), relation="之女", sex="女",
            birth_date=born, medical_insurance=True, serious_illness_insurance=True,
        )
    return head


def monitoring_case(target, *, days_ago: int, decided: bool = False, **extra):
    day = timezone.localdate() - timedelta(days=days_ago)
    values = dict(
        household=target, object_type="边缘易致贫户", risk_description="因病支出大", signal_date=day,
        due_date=day + timedelta(days=15), stage_date=day,
    )
    if decided:
        values.update(stage="identified", decided_on=day + timedelta(days=5), risk_identified_date=day + timedelta(days=5))
    values.update(extra)
    return Monitoring.objects.create(**values)


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def county(areas, personas, households, year):
    """Households of every kind in villages X, Y (township A) and Z (township B)."""
    x, y, z = areas.village_x, areas.village_y, areas.village_z
    made = dict(
        x_poor=household(x, "6104991012010101", people=3),
        x_returned=household(x, "6104991012010102", people=2, status="3", exit_year=2019),
        x_out=household(x, "6104991012010103", people=4, status="1", exit_year=year),
        x_out_old=household(x, "6104991012010104", people=2, status="4", exit_year=2019),
        y_planned=household(y, "6104991012020101", people=2, planned_exit_year=year),
        y_out=household(y, "6104991012020102", people=5, status="1", exit_year=year),
        z_out=household(z, "6104991022010101", people=3, status="1", exit_year=year),
        z_poor=household(z, "6104991022010102", people=6),
    )
    cadre = Cadre.objects.create(name="周干部", unit="县财政局", unit_level="县直", phone="13900000000", area=areas.county)
    for key in ("x_poor", "y_planned", "z_poor"):
        Assignment.objects.create(household=made[key], cadre=cadre, start_date=date(2020, 1, 1))
    Assignment.objects.create(household=made["x_returned"], cadre=cadre, start_date=date(2019, 1, 1), end_date=date(2020, 1, 1))
    made["cases"] = [
        monitoring_case(made["x_out"], days_ago=40),  # undecided after 40 days: overdue
        monitoring_case(made["y_out"], days_ago=3),  # still within its 15 days
        monitoring_case(made["z_out"], days_ago=200, decided=True),  # open, decided in time
        monitoring_case(made["x_out_old"], days_ago=300, decided=True, risk_eliminated=True,
                        risk_eliminated_date=timezone.localdate() - timedelta(days=10)),
    ]
    now = timezone.now()
    CardPrint.objects.create(household=made["x_poor"], year=year, printed_at=now + timedelta(minutes=1), printed_by=personas.county_admin)
    CardPrint.objects.create(household=made["y_out"], year=year, printed_at=now - timedelta(days=400), printed_by=personas.county_admin)
    industry = MeasureCategory.objects.filter(group="产业扶贫").first()
    health = MeasureCategory.objects.filter(group="健康扶贫").first()
    for target, category, status, amount in (
        (made["x_poor"], industry, "done", "1200.00"), (made["x_poor"], health, "planned", None),
        (made["y_planned"], industry, "in_progress", "800.50"), (made["z_poor"], industry, "done", "300.00"),
    ):
        Measure.objects.create(
            household=target, year=year, category=category, content="发展产业", status=status,
            amount=Decimal(amount) if amount else None, done_date=date(year, 1, 2) if status == "done" else None,
        )
    Measure.objects.create(household=made["x_poor"], year=year - 1, category=industry, content="去年的", status="done",
                           done_date=date(year - 1, 5, 1))
    return type("County", (), made)
