"""The household page's measures, monitoring and attachments sections: what
they show, which buttons, and no queries of their own."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.models import Attachment, Cadre, Measure, MeasureCategory, Member, Monitoring
from tests.conftest import IDS

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def add_measure(household, year, status="planned", amount="1000.00", **extra):
    category = MeasureCategory.objects.get(group="就业扶贫", name="公益岗位")
    done_date = date(year, 6, 1) if status == "done" else None
    return Measure.objects.create(
        household=household, year=year, category=category, content=f"{year}年公益岗位", status=status,
        amount=Decimal(amount) if amount else None, done_date=done_date, **extra,
    )


def add_paper(household, user, name="申请书.png"):
    paper = Attachment(
        household=household, kind="申请书", original_name=name, content_type="image/png", size=len(PNG), uploaded_by=user
    )
    paper.file.save("p.png", ContentFile(PNG), save=False)
    paper.save()
    return paper


def flag(household, identified, object_type="边缘易致贫户", description="收入下降"):
    return Monitoring.objects.create(
        household=household, object_type=object_type, risk_description=description, risk_identified_date=identified
    )


def page(client, household):
    response = client.get(reverse("households:household_detail", args=[household.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_measures_are_grouped_by_year_with_planned_and_done_counts_and_amounts(client_for, personas, households):
    household = households.x
    household.planned_exit_year = 2026
    household.save()
    add_measure(household, 2026, "done", "6000.00")
    add_measure(household, 2026, "planned", "1500.50")
    add_measure(household, 2025, "in_progress", None)
    html = page(client_for(personas.village_x), household)
    assert 'id="measures"' in html
    assert "计划脱贫年度 2026" in html
    assert "2026年" in html and "2025年" in html
    assert "计划 1 · 实施中 0 · 已落实 1；金额 7,500.50 元（已落实 6,000.00 元，未落实 1,500.50 元）" in html
    assert "脱贫计划共 3 项" in html
    assert reverse("households:measure_create", args=[household.pk]) in html


def test_buttons_show_only_to_those_who_may_change(client_for, personas, households):
    household = households.x
    measure = add_measure(household, 2026)
    case = flag(household, date(2026, 1, 5))
    paper = add_paper(household, personas.village_x)
    viewer_html = page(client_for(personas.county_viewer), household)
    for name, arg in (("measure_update", measure), ("monitoring_eliminate", case), ("attachment_delete", paper)):
        assert reverse(f"households:{name}", args=[arg.pk]) not in viewer_html
    assert reverse("households:attachment_download", args=[paper.pk]) in viewer_html
    changer_html = page(client_for(personas.village_x), household)
    for name, arg in (("measure_update", measure), ("monitoring_eliminate", case), ("attachment_delete", paper)):
        assert reverse(f"households:{name}", args=[arg.pk]) in changer_html


def test_a_case_is_flagged_overdue_when_its_decision_is_late_or_missing(client_for, personas, households, areas):
    """Overdue runs from the first signal to the 县级审定, not from identification."""
    from tests.conftest import IDS, make_household

    today = timezone.localdate()
    # Signalled 16 days ago, still not decided.
    Monitoring.objects.create(
        household=households.x, object_type="边缘易致贫户", risk_description="收入下降", signal_date=today - timedelta(days=16),
        due_date=today - timedelta(days=1), stage_date=today - timedelta(days=16),
    )
    # Identified long ago, the day after its signal: on time for good.
    flag(households.y, today - timedelta(days=300))
    # Decided 20 days after its signal: late, and stays so.
    late = make_household(areas.village_x, "6104991012010005", "张迟", IDS[3])
    signal = today - timedelta(days=60)
    Monitoring.objects.create(
        household=late, object_type="突发严重困难户", risk_description="遭灾", signal_date=signal, due_date=signal + timedelta(days=15),
        stage="identified", stage_date=signal + timedelta(days=20), decided_on=signal + timedelta(days=20),
        risk_identified_date=signal + timedelta(days=20),
    )
    client = client_for(personas.township_a)
    assert "逾期" in page(client, households.x)
    assert "逾期" not in page(client, households.y)
    assert "逾期" in page(client, late)


def test_the_sections_add_no_queries_whatever_the_household_holds(client_for, personas, households, areas):
    household = households.x
    client = client_for(personas.village_x)
    add_measure(household, 2026)
    flag(household, date(2026, 1, 5))
    add_paper(household, personas.village_x)
    page(client, household)
    with CaptureQueriesContext(connection) as few:
        page(client, household)

    son = Member.objects.create(household=household, name="张小军", id_number=IDS[3], relation="之子")
    cadre = Cadre.objects.create(name="刘帮扶", unit="城关镇政府", unit_level="乡镇", phone="13900000001", area=areas.township_a)
    for year in (2023, 2024, 2025, 2026):
        add_measure(household, year, "done", member=son, cadre=cadre)
    Monitoring.objects.filter(household=household).update(risk_eliminated=True, risk_eliminated_date=date(2026, 3, 1))
    flag(household, date(2026, 4, 5), "突发严重困难户", "遭灾")
    for n in range(4):
        add_paper(household, personas.township_a, f"材料{n}.png")
    with CaptureQueriesContext(connection) as many:
        html = page(client, household)
    assert len(many) == len(few)
    assert html.count("刘帮扶") >= 4 and "材料3.png" in html
