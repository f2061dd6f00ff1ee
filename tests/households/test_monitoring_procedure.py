"""防返贫监测 as a procedure: any rural household (建档立卡 or not) can be
flagged; a case goes from its first signal through 入户核查, 民主评议,
村级公示, 乡镇审核 and 县级审定, each step by its level, in order, dated;
"overdue" runs from the first signal to the decision; 返贫 comes only from
a county decision."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from households.models import Household, Monitoring
from households.services.monitoring import monitoring_advance, monitoring_save
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def signal(actor, household, day, object_type="边缘易致贫户"):
    return monitoring_save(
        actor=actor,
        monitoring=Monitoring(
            household=household, object_type=object_type, risk_description="务工收入中断，家中两人上学",
            signal_kind="干部排查", signal_date=day,
        ),
    )


def walk(personas, case, start):
    """The village's four steps, the township's review and the county's
    decision, each a day or a few after the one before."""
    monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=1))  # 入户核查
    monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=2))  # 民主评议
    monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=3))  # 公示开始
    monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=7))  # 公示期满（5天）
    monitoring_advance(actor=personas.township_a, monitoring=case, day=start + timedelta(days=8))
    return monitoring_advance(actor=personas.county_admin, monitoring=case, day=start + timedelta(days=9))


def test_an_ordinary_household_without_a_poverty_record_is_registered_and_flagged(client_for, personas, areas):
    client = client_for(personas.village_x)
    response = client.post(reverse("households:household_create"), {
        "village": areas.village_x.pk, "number": "6104991012010901", "head_name": "周平安", "head_id_number": IDS[3],
        "not_registered": "on", "identification_standard": "national",
    })
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(number="6104991012010901")
    assert not household.registered and household.status == "" and household.identification_year is None
    assert household.attribute == "" and household.main_cause == ""
    response = client.post(reverse("households:monitoring_create", args=[household.pk]), {
        "object_type": "边缘易致贫户", "risk_description": "因病支出大", "signal_kind": "农户申报",
        "signal_date": TODAY.isoformat(),
    })
    assert response.status_code == 302
    case = Monitoring.objects.get(household=household)
    assert case.stage == "signalled" and case.due_date == TODAY + timedelta(days=15)
    assert "非建档立卡户" in client.get(reverse("households:monitoring_list")).content.decode()


def test_a_registered_household_still_needs_its_poverty_record(client_for, personas, areas):
    response = client_for(personas.village_x).post(reverse("households:household_create"), {
        "village": areas.village_x.pk, "number": "6104991012010902", "head_name": "周平", "head_id_number": IDS[3],
        "identification_standard": "national",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "建档立卡户须填写识别年度。" in errors["identification_year"]
    assert "建档立卡户须填写贫困户属性。" in errors["attribute"]
    assert "建档立卡户须填写主要致贫原因。" in errors["main_cause"]


def test_unstable_exited_type_needs_an_exited_registered_household(personas, households):
    with pytest.raises(ValidationError) as refused:
        signal(personas.village_x, households.x, TODAY, object_type="脱贫不稳定户")
    assert "脱贫不稳定户须为已脱贫的建档立卡户" in str(refused.value)


def test_each_step_is_taken_in_order_by_its_level_and_audited(personas, households):
    start = TODAY - timedelta(days=10)
    case = signal(personas.village_x, households.x, start)
    # The township cannot take the village's step, nor the village the county's.
    with pytest.raises(PermissionDenied):
        monitoring_advance(actor=personas.township_a, monitoring=case, day=start)
    case = walk(personas, case, start)
    assert case.stage == "identified" and case.risk_identified_date == case.decided_on == start + timedelta(days=9)
    assert (case.checked_on, case.reviewed_on, case.publicity_start, case.publicity_end, case.township_approved_on) == (
        start + timedelta(days=1), start + timedelta(days=2), start + timedelta(days=3), start + timedelta(days=7),
        start + timedelta(days=8),
    )
    actors = [e.actor for e in LogEntry.objects.get_for_object(case).order_by("pk")]
    assert actors == [personas.village_x] * 5 + [personas.township_a, personas.county_admin]
    with pytest.raises(ValidationError):
        monitoring_advance(actor=personas.county_admin, monitoring=case, day=TODAY)


def test_a_step_is_never_dated_before_the_previous_one_or_in_the_future(personas, households):
    start = TODAY - timedelta(days=5)
    case = signal(personas.village_x, households.x, start)
    with pytest.raises(ValidationError) as early:
        monitoring_advance(actor=personas.village_x, monitoring=case, day=start - timedelta(days=1))
    assert "不能早于上一环节" in str(early.value)
    with pytest.raises(ValidationError):
        monitoring_advance(actor=personas.village_x, monitoring=case, day=TODAY + timedelta(days=1))


def test_publicity_lasts_at_least_the_years_days(personas, households):
    start = TODAY - timedelta(days=10)
    case = signal(personas.village_x, households.x, start)
    for offset in (1, 2, 3):
        monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=offset))
    with pytest.raises(ValidationError) as short:
        monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=6))  # day 4 of 5
    assert "至少 5 天" in str(short.value) and "第 4 天" in str(short.value)
    monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=7))
    assert case.stage == "publicized"


def test_a_township_return_sends_the_case_back_one_step_with_its_reason(client_for, personas, households):
    start = TODAY - timedelta(days=10)
    case = signal(personas.village_x, households.x, start)
    for offset in (1, 2, 3, 7):
        monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=offset))
    response = client_for(personas.township_a).post(
        reverse("households:monitoring_township", args=[case.pk]),
        {"date": (start + timedelta(days=8)).isoformat(), "decision": "return", "reason": "公示期间群众反映收入有误"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "publicity" and case.publicity_end is None
    page = client_for(personas.village_x).get(reverse("households:household_detail", args=[households.x.pk])).content.decode()
    assert "退回原因：公示期间群众反映收入有误" in page


def test_step_pages_answer_403_to_the_wrong_level(client_for, personas, households):
    case = signal(personas.village_x, households.x, TODAY)
    url = reverse("households:monitoring_step", args=[case.pk])
    assert client_for(personas.township_a).get(url).status_code == 403
    assert "登记入户核查" in client_for(personas.village_x).get(url).content.decode()
    # The township's page shows whose step comes next, and refuses to take it.
    township_url = reverse("households:monitoring_township", args=[case.pk])
    assert "由村级办理" in client_for(personas.township_a).get(township_url).content.decode()
    assert client_for(personas.township_a).post(township_url, {"date": TODAY.isoformat()}).status_code == 403
    case.refresh_from_db()
    assert case.stage == "signalled"


def test_overdue_runs_from_the_first_signal_to_the_decision(client_for, personas, households, areas):
    on_time = signal(personas.village_x, households.x, TODAY - timedelta(days=40))
    walk(personas, on_time, TODAY - timedelta(days=40))  # decided on day 9
    late_household = make_household(areas.village_x, "6104991012010903", "张迟", IDS[3])
    late = signal(personas.village_x, late_household, TODAY - timedelta(days=30))
    for offset in (1, 2, 3, 7, 8):
        who = personas.township_a if offset == 8 else personas.village_x
        monitoring_advance(actor=who, monitoring=late, day=TODAY - timedelta(days=30 - offset))
    monitoring_advance(actor=personas.county_admin, monitoring=late, day=TODAY - timedelta(days=14))  # day 16
    waiting = signal(personas.township_a, households.y, TODAY - timedelta(days=16))
    fresh_household = make_household(areas.village_x, "6104991012010904", "张新", IDS[4])
    fresh = signal(personas.village_x, fresh_household, TODAY - timedelta(days=15))
    listed = client_for(personas.township_a).get(reverse("households:monitoring_list"), {"overdue": "on"})
    assert {c.pk for c in listed.context["page_obj"]} == {late.pk, waiting.pk}
    assert fresh.pk not in {c.pk for c in listed.context["page_obj"]}
    waiting_only = client_for(personas.township_a).get(reverse("households:monitoring_list"), {"overdue": "on", "state": "identifying"})
    assert [c.pk for c in waiting_only.context["page_obj"]] == [waiting.pk]


def test_returned_to_poverty_only_by_the_county_and_only_for_an_exited_household(personas, households):
    Household.objects.filter(pk=households.x.pk).update(status="1", exit_year=2019)
    start = TODAY - timedelta(days=10)
    case = signal(personas.village_x, households.x, start, object_type="脱贫不稳定户")
    for offset in (1, 2, 3, 7):
        monitoring_advance(actor=personas.village_x, monitoring=case, day=start + timedelta(days=offset))
    monitoring_advance(actor=personas.township_a, monitoring=case, day=start + timedelta(days=8))
    monitoring_advance(actor=personas.county_admin, monitoring=case, day=start + timedelta(days=9), returned_to_poverty=True)
    households.x.refresh_from_db()
    assert households.x.status == "3" and case.returned_to_poverty
    entry = LogEntry.objects.get_for_object(households.x).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.actor == personas.county_admin and entry.changes_dict["status"] == ["1", "3"]


def test_the_monitoring_ledger_keeps_an_overdue_column(client_for, personas, households):
    from io import BytesIO

    from openpyxl import load_workbook

    signal(personas.village_x, households.x, TODAY - timedelta(days=20))
    signal(personas.township_a, households.y, TODAY - timedelta(days=2))
    response = client_for(personas.township_a).get(reverse("exports:monitoring"))
    ws = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)).active
    headers = [c.value for c in ws[2]]
    column = next(i for i, h in enumerate(headers) if h and "逾期" in h)
    values = {row[headers.index("户主姓名")].value: row[column].value for row in ws.iter_rows(min_row=3)}
    assert values == {"张建国": "是", "李秀英": "否"}
