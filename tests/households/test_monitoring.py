"""防返贫监测: flagging any household, one open case, elimination only when
income, stability, 三保障 and 饮水 all hold, and the monitoring list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.models import AnnualStandard, Income, Member, Monitoring
from households.services.monitoring import add_months, monitoring_eliminate_risk, monitoring_save
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db


def open_case(household, identified=date(2025, 12, 1), **extra):
    """A case identified (县级审定) on ``identified``, its first signal the same day."""
    return Monitoring.objects.create(
        household=household, object_type="边缘易致贫户", risk_description="户主因病住院，自付费用高",
        signal_date=identified, due_date=identified + timedelta(days=15), stage="identified", stage_date=identified,
        decided_on=identified, risk_identified_date=identified, **extra,
    )


def income(household, year=2026, per_capita="9000.00"):
    return Income.objects.create(household=household, year=year, household_size=1, net_income_per_capita=Decimal(per_capita))


@pytest.fixture
def ready(households):
    """A case in village X for which every elimination condition holds on 2026-09-01."""
    income(households.x, 2025, "9000.00")  # the 12 months before 2026-09-01 fall in 2025 and 2026
    income(households.x, 2026, "9000.00")  # 2026 monitoring line: 7500
    return open_case(households.x, income_stable_since=date(2026, 2, 1))


def eliminate(client, case, on_date="2026-09-01"):
    return client.post(reverse("households:monitoring_eliminate", args=[case.pk]), {"on_date": on_date})


# ----------------------------------------------------------------- flagging


@pytest.mark.parametrize("status", ["0", "1", "4"])
def test_any_household_can_be_flagged_poor_exited_or_ordinary(client_for, personas, areas, status):
    household = make_household(areas.village_x, "6104991012010009", "赵大山", IDS[3], status=status)
    client = client_for(personas.village_x)
    response = client.post(
        reverse("households:monitoring_create", args=[household.pk]),
        {"object_type": "突发严重困难户", "risk_description": "房屋遭洪水损毁", "signal_kind": "农户申报", "signal_date": "2026-11-20"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#monitoring")
    case = Monitoring.objects.get(household=household)
    assert case.object_type == "突发严重困难户" and not case.risk_eliminated
    assert LogEntry.objects.get_for_object(case).get().actor == personas.village_x


def test_a_second_open_case_is_refused(client_for, personas, households):
    open_case(households.x)
    response = client_for(personas.village_x).post(
        reverse("households:monitoring_create", args=[households.x.pk]),
        {"object_type": "边缘易致贫户", "risk_description": "收入下降", "signal_kind": "干部排查", "signal_date": "2026-11-01"},
    )
    assert response.status_code == 200
    assert "同一时间只能有一条" in response.content.decode()
    assert Monitoring.objects.filter(household=households.x).count() == 1

    # The service holds the rule whatever calls it.
    second = Monitoring(household=households.x, object_type="边缘易致贫户", risk_description="收入下降",
                        signal_kind="干部排查", signal_date=date(2026, 11, 1))
    with pytest.raises(ValidationError) as refused:
        monitoring_save(actor=personas.village_x, monitoring=second)
    assert "该户已有未消除风险的监测记录" in str(refused.value)
    assert Monitoring.objects.filter(household=households.x).count() == 1


def test_a_signal_date_in_the_future_is_refused(client_for, personas, households):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(personas.village_x).post(
        reverse("households:monitoring_create", args=[households.x.pk]),
        {"object_type": "边缘易致贫户", "risk_description": "收入下降", "signal_kind": "农户申报", "signal_date": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "首次风险信号日期不能晚于今天" in response.content.decode()
    assert not Monitoring.objects.exists()


def test_editing_records_the_stable_income_date_and_labour_capacity(client_for, personas, households):
    case = open_case(households.x)
    response = client_for(personas.township_a).post(
        reverse("households:monitoring_update", args=[case.pk]),
        {
            "object_type": case.object_type, "risk_description": case.risk_description,
            "income_stable_since": "2026-03-01", "no_labour_capacity": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.income_stable_since == date(2026, 3, 1) and case.no_labour_capacity
    assert LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).get().actor == personas.township_a


def test_a_closed_case_cannot_be_edited(client_for, personas, households):
    case = open_case(households.x, risk_eliminated=True, risk_eliminated_date=date(2026, 6, 1))
    client = client_for(personas.village_x)
    assert "消除并归档，不能修改" in client.get(reverse("households:monitoring_update", args=[case.pk])).content.decode()
    response = client.post(
        reverse("households:monitoring_update", args=[case.pk]),
        {"object_type": "边缘易致贫户", "risk_description": "改写"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.risk_description == "户主因病住院，自付费用高"


def test_out_of_scope_cases_are_not_found(client_for, personas, households):
    case = open_case(households.z)
    client = client_for(personas.township_a)
    assert client.get(reverse("households:monitoring_update", args=[case.pk])).status_code == 404
    assert eliminate(client, case).status_code == 404
    assert client.post(
        reverse("households:monitoring_create", args=[households.z.pk]),
        {"object_type": "边缘易致贫户", "risk_description": "x", "signal_kind": "其他", "signal_date": "2026-11-01"},
    ).status_code == 404
    case.refresh_from_db()
    assert not case.risk_eliminated


# -------------------------------------------------------------- elimination


def test_elimination_is_allowed_when_every_condition_holds(client_for, personas, ready):
    client = client_for(personas.village_x)
    page = client.get(reverse("households:monitoring_eliminate", args=[ready.pk]), {"on_date": "2026-09-01"}).content.decode()
    assert "不满足" not in page
    response = eliminate(client, ready)
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.risk_eliminated and ready.risk_eliminated_date == date(2026, 9, 1)
    entry = LogEntry.objects.get_for_object(ready).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == personas.village_x
    assert entry.changes_dict["risk_eliminated"] == ["False", "True"]
    again = client.get(reverse("households:monitoring_eliminate", args=[ready.pk])).content.decode()
    assert "该户风险已于 2026-09-01 消除" in again and "确认消除风险" not in again
    assert eliminate(client, ready).status_code == 200
    ready.refresh_from_db()
    assert ready.risk_eliminated_date == date(2026, 9, 1)


def test_after_elimination_a_new_case_can_be_opened(client_for, personas, ready, households):
    client = client_for(personas.village_x)
    eliminate(client, ready)
    response = client.post(
        reverse("households:monitoring_create", args=[households.x.pk]),
        {"object_type": "突发严重困难户", "risk_description": "再次遭灾", "signal_kind": "农户申报", "signal_date": "2026-11-01"},
    )
    assert response.status_code == 302
    assert Monitoring.objects.filter(household=households.x).count() == 2


def test_elimination_is_refused_listing_every_unmet_condition(client_for, personas, households):
    household = households.x
    household.safe_drinking_water = False
    household.save()
    Member.objects.filter(household=household).update(medical_insurance=False)
    case = open_case(household)
    response = eliminate(client_for(personas.village_x), case)
    assert response.status_code == 200
    refusal = response.context["form"].non_field_errors()
    text = " ".join(refusal)
    assert "没有收入测算" in text
    assert "未登记“收入稳定超过监测线起始日”" in text
    assert "基本医疗有保障未满足：未参加基本医保或大病保险：张建国" in text
    assert "饮水安全有保障未满足：饮水不安全" in text
    assert len(refusal) == 4
    case.refresh_from_db()
    assert not case.risk_eliminated and case.risk_eliminated_date is None


def test_income_not_above_the_monitoring_line_is_refused(client_for, personas, ready):
    # 2025 line 7,000 for the 122 days of 2025, 2026 line 7,500 for the 243 days of 2026.
    AnnualStandard.objects.filter(year=2025).update(monitoring_line=Decimal("7500.00"))
    Income.objects.filter(household=ready.household).update(net_income_per_capita=Decimal("7500.00"))
    response = eliminate(client_for(personas.village_x), ready)
    assert "人均纯收入折合 7,500.00 元，未高于同期监测标准 7,500.00 元" in response.content.decode()
    ready.refresh_from_db()
    assert not ready.risk_eliminated


def test_the_twelve_months_before_decide_not_the_latest_record(personas, ready):
    """2026 alone is well above its line; the eight months of 2025 in the
    window were far below it, so the last 12 months are not."""
    Income.objects.filter(household=ready.household, year=2025).update(net_income_per_capita=Decimal("3000.00"))
    Income.objects.filter(household=ready.household, year=2026).update(net_income_per_capita=Decimal("12000.00"))
    with pytest.raises(ValidationError) as refused:
        monitoring_eliminate_risk(actor=personas.village_x, monitoring=ready, on_date=date(2026, 3, 1))
    assert any("近12个月（2025-03-01 至 2026-02-28）" in m and "未高于同期监测标准" in m for m in refused.value.messages)
    # Later in 2026 the window is mostly 2026, and the household is above the line.
    Monitoring.objects.filter(pk=ready.pk).update(income_stable_since=date(2026, 1, 1))
    monitoring_eliminate_risk(actor=personas.village_x, monitoring=ready, on_date=date(2026, 11, 1))
    ready.refresh_from_db()
    assert ready.risk_eliminated


def test_a_missing_year_in_the_window_is_named(personas, ready):
    Income.objects.filter(household=ready.household, year=2025).delete()
    with pytest.raises(ValidationError) as refused:
        monitoring_eliminate_risk(actor=personas.village_x, monitoring=ready, on_date=date(2026, 9, 1))
    assert any("须先登记2025年收入测算" in m for m in refused.value.messages)


def test_a_year_without_a_monitoring_line_is_refused_saying_so(client_for, personas, ready):
    AnnualStandard.objects.filter(year=2026).update(monitoring_line=None)
    response = eliminate(client_for(personas.village_x), ready)
    assert "2026年未设置监测标准" in response.content.decode()
    ready.refresh_from_db()
    assert not ready.risk_eliminated


def test_less_than_six_months_of_stable_income_is_refused_with_the_earliest_date(client_for, personas, ready):
    response = eliminate(client_for(personas.village_x), ready, on_date="2026-07-31")
    page = response.content.decode()
    assert "不足6个月" in page and "最早可于 2026-08-01 消除风险" in page
    ready.refresh_from_db()
    assert not ready.risk_eliminated
    assert eliminate(client_for(personas.village_x), ready, on_date="2026-08-01").status_code == 302


def test_a_household_without_labour_capacity_stays_monitored(client_for, personas, ready):
    Monitoring.objects.filter(pk=ready.pk).update(no_labour_capacity=True)
    response = eliminate(client_for(personas.village_x), ready)
    assert "纳入兜底保障后仍须持续监测" in response.content.decode()
    ready.refresh_from_db()
    assert not ready.risk_eliminated


def test_the_service_refuses_on_its_own_and_changes_nothing(personas, ready):
    Monitoring.objects.filter(pk=ready.pk).update(income_stable_since=None)
    with pytest.raises(ValidationError) as refused:
        monitoring_eliminate_risk(actor=personas.village_x, monitoring=ready, on_date=date(2026, 9, 1))
    assert any("收入稳定超过监测线起始日" in m for m in refused.value.messages)
    ready.refresh_from_db()
    assert not ready.risk_eliminated


def test_elimination_cannot_be_dated_before_identification(client_for, personas, ready):
    response = eliminate(client_for(personas.village_x), ready, on_date="2025-11-01")
    assert "风险消除时间不能早于风险识别时间" in response.content.decode()


def test_six_months_later_stays_inside_short_months():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 2, 1), 6) == date(2026, 8, 1)


# ------------------------------------------------------------------- list


def signalled(household, days_ago: int, **extra):
    """A case opened by a signal ``days_ago`` days ago and not yet decided."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return Monitoring.objects.create(
        household=household, object_type="突发严重困难户", risk_description="务工收入中断", signal_kind="农户申报",
        signal_date=day, due_date=day + timedelta(days=15), stage_date=day, **extra,
    )


@pytest.fixture
def cases(households, areas):
    today = timezone.localdate()
    other = make_household(areas.village_x, "6104991012010002", "张二牛", IDS[3], status="1")
    return dict(
        overdue=signalled(households.x, 20),
        fresh=signalled(other, 3),
        closed=open_case(households.y, identified=date(2025, 1, 5), risk_eliminated=True, risk_eliminated_date=date(2026, 3, 1)),
        outside=open_case(households.z, identified=today - timedelta(days=40)),
    )


def test_the_list_flags_overdue_cases_and_stays_in_reach(client_for, personas, cases):
    response = client_for(personas.township_a).get(reverse("households:monitoring_list"))
    rows = {case.pk: case for case in response.context["page_obj"]}
    assert set(rows) == {cases["overdue"].pk, cases["fresh"].pk, cases["closed"].pk}
    assert rows[cases["overdue"].pk].is_overdue and not rows[cases["fresh"].pk].is_overdue
    # Identified the day its risk was first signalled: on time, whenever that was.
    assert not rows[cases["closed"].pk].is_overdue
    totals = response.context["totals"]
    assert (totals["count"], totals["identifying"], totals["open"], totals["closed"], totals["overdue"]) == (3, 2, 0, 1, 1)
    assert "逾期" in response.content.decode()


def test_the_list_filters_by_state_type_overdue_and_area(client_for, personas, areas, cases):
    client = client_for(personas.county_admin)

    def shown(**params):
        return {case.pk for case in client.get(reverse("households:monitoring_list"), params).context["page_obj"]}

    assert shown(state="closed") == {cases["closed"].pk}
    assert shown(state="open") == {cases["outside"].pk}
    assert shown(state="identifying", overdue="on") == {cases["overdue"].pk}
    assert shown(township=areas.township_b.pk) == {cases["outside"].pk}
    assert shown(village=areas.village_y.pk) == {cases["closed"].pk}
    assert shown(object_type="边缘易致贫户") == {cases["closed"].pk, cases["outside"].pk}
    assert shown(signal_kind="农户申报") == {cases["overdue"].pk, cases["fresh"].pk}
    assert shown(q="张二牛") == {cases["fresh"].pk}


def test_the_list_costs_the_same_queries_for_few_or_many_rows(client_for, personas, areas, cases, django_assert_max_num_queries):
    client = client_for(personas.county_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("households:monitoring_list"))
    for n in range(6):
        household = make_household(areas.village_y, f"61049910120200{n + 10}", f"李{n}", f"61049919800101{n:03d}X", status="4")
        open_case(household)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("households:monitoring_list"))
    assert response.context["totals"]["count"] == 10


def test_the_stability_period_is_the_years_setting_not_a_constant(personas, households):
    """年度标准 can lengthen the 6-month rule; elimination then waits longer."""
    from datetime import date

    from households.models import AnnualStandard, Monitoring
    from households.services.monitoring import monitoring_elimination_conditions

    monitoring = Monitoring.objects.create(
        household=households.x, object_type="边缘易致贫户", risk_description="因病支出大",
        signal_date=date(2025, 1, 10), due_date=date(2025, 1, 25), stage="identified", stage_date=date(2025, 1, 10),
        decided_on=date(2025, 1, 10), risk_identified_date=date(2025, 1, 10), income_stable_since=date(2025, 2, 1),
    )
    on = date(2025, 9, 1)  # 7 months after the income became stable
    standard = AnnualStandard.objects.get(year=2025, province="陕西省")

    def stability():
        return next(c for c in monitoring_elimination_conditions(monitoring=monitoring, on_date=on) if "稳定" in c.label)

    assert stability().ok and "满6个月" in stability().label
    standard.monitoring_stable_months = 9
    standard.save()
    assert not stability().ok and "满9个月" in stability().label and "2025-11-01" in stability().reason


def test_the_overdue_deadline_is_the_years_setting(personas, households):
    from datetime import date

    from households.models import AnnualStandard
    from households.selectors.monitoring import monitoring_overdue_cutoff

    today = date(2025, 6, 30)
    assert monitoring_overdue_cutoff(today) == date(2025, 6, 15)
    AnnualStandard.objects.filter(year=2025).update(monitoring_deadline_days=10)
    assert monitoring_overdue_cutoff(today) == date(2025, 6, 20)
