"""Printing as people use it: the card download, batch printing, the print
queue, 公示 lists, PDF ledgers and the print_cards command."""

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from households.selectors import publicity
from households.models import CardPrint, Household, Income, Member, Monitoring
from povertyrelief import pdf
from povertyrelief.models import Job, PersonalDataAccess, User
from tests.conftest import make_household
from tests.households.test_printing import THIS_YEAR, full_household, id_with_check, page_count, pdf_text

FULL_ID = re.compile(r"\d{17}[\dX]")
PHONE = re.compile(r"1\d{10}")


def card_url(household, **query):
    url = reverse("households:household_card_pdf", args=[household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def pdf_bytes(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content) if response.streaming else response.content


def record_printed(client, household, **data):
    """打印登记 on the household page: the explicit POST."""
    response = client.post(reverse("households:household_card_printed", args=[household.pk]), data)
    assert response.status_code == 302, response.content[:500]
    return response


def more_households(village, count: int, start: int = 2) -> list[Household]:
    prefix = village.code
    return [
        make_household(village, f"{prefix}{serial:04d}", f"户主{serial}", id_with_check(f"{prefix[:6]}1970{1 + serial % 12:02d}{1 + serial % 28:02d}{serial:03d}"))
        for serial in range(start, start + count)
    ]


# --- One card -------------------------------------------------------------------------


def test_a_village_cadre_downloads_a_card_and_only_the_access_log_records_it(client_for, personas, households, work_teams):
    audit_entries = LogEntry.objects.count()
    response = client_for(personas.village_x).get(card_url(households.x))
    text = pdf_text(pdf_bytes(response))
    assert "张建国" in text and "6104991012010001" in text and "12317" in text
    assert "inline" in response["Content-Disposition"] and response["Cache-Control"] == "private, no-store"
    # Opening the PDF is not printing it: no print record, no audit entry.
    assert not CardPrint.objects.exists()
    assert LogEntry.objects.count() == audit_entries
    logged = PersonalDataAccess.objects.get(user=personas.village_x)
    assert logged.kind == "print" and logged.rows == 1


def test_recording_a_print_is_an_audited_post_and_a_resubmission_is_one_print(client_for, personas, households):
    client = client_for(personas.village_x)
    response = record_printed(client, households.x)
    assert response["Location"] == households.x.get_absolute_url()
    card_print = CardPrint.objects.get(household=households.x)
    assert card_print.year == THIS_YEAR and card_print.printed_by == personas.village_x
    assert LogEntry.objects.get_for_object(card_print).get().actor == personas.village_x
    assert "已登记张建国户" in client.get(response["Location"]).content.decode()
    record_printed(client, households.x)
    assert CardPrint.objects.count() == 1
    # Once the card's content changes, printing again is a new print.
    Household.objects.filter(pk=households.x.pk).update(card_data_changed_at=timezone.now() + timedelta(seconds=1))
    CardPrint.objects.update(printed_at=timezone.now() - timedelta(minutes=1))
    record_printed(client, households.x)
    assert CardPrint.objects.count() == 2


def test_a_card_of_another_area_is_a_404(client_for, personas, households):
    assert client_for(personas.outsider).get(card_url(households.x)).status_code == 404
    assert client_for(personas.village_x).get(card_url(households.y)).status_code == 404
    assert not CardPrint.objects.exists()


def test_a_county_viewers_reading_copy_does_not_count_as_the_households_card(client_for, personas, households):
    client = client_for(personas.county_viewer)
    pdf_bytes(client.get(card_url(households.x)))
    assert client.post(reverse("households:household_card_printed", args=[households.x.pk])).status_code == 403
    assert not CardPrint.objects.exists()
    assert PersonalDataAccess.objects.filter(user=personas.county_viewer, kind="print").count() == 1


def test_the_year_parameter_picks_the_cards_year(client_for, personas, households):
    text = pdf_text(pdf_bytes(client_for(personas.township_a).get(card_url(households.x, year=THIS_YEAR - 1))))
    assert f"{THIS_YEAR - 1}年精准扶贫明白卡" in text
    record_printed(client_for(personas.township_a), households.x, year=THIS_YEAR - 1)
    assert CardPrint.objects.get(household=households.x).year == THIS_YEAR - 1
    # Nonsense falls back to this year rather than failing.
    text = pdf_text(pdf_bytes(client_for(personas.township_a).get(card_url(households.x, year="abc"))))
    assert f"{THIS_YEAR}年精准扶贫明白卡" in text


# --- Batch ------------------------------------------------------------------------------


def test_a_village_batch_is_one_pdf_with_one_page_per_household(client_for, personas, areas, households):
    more_households(areas.village_x, 3)
    response = client_for(personas.village_x).get(reverse("households:card_batch"), {"area": areas.village_x.pk})
    content = pdf_bytes(response)
    assert page_count(content) == 4
    assert not FULL_ID.search(pdf_text(content).replace(" ", ""))
    assert not CardPrint.objects.exists()
    assert PersonalDataAccess.objects.get(user=personas.village_x).rows == 4


def test_the_batch_page_offers_only_areas_in_reach(client_for, personas, areas):
    page = client_for(personas.township_a).get(reverse("households:card_batch")).content.decode()
    assert "张家沟村" in page and "李家湾村" in page and "王家坪村" not in page
    assert "城关镇（全乡镇）" in page and "城关镇 张家沟村" in page


def test_submitting_the_batch_chooser_without_an_area_asks_for_one(client_for, personas, areas):
    response = client_for(personas.township_a).get(reverse("households:card_batch"), {"area": "", "year": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个字段是必填项" in page and 'name="area"' in page


@pytest.mark.django_db(transaction=True)
def test_a_township_batch_runs_in_the_background_with_progress(client_for, personas, areas, households):
    more_households(areas.village_x, 2)
    more_households(areas.village_y, 2, start=10)
    client = client_for(personas.township_a)
    confirm = client.get(reverse("households:card_batch"), {"area": areas.township_a.pk})
    assert confirm.status_code == 200 and "6</strong> 户" in confirm.content.decode()
    assert not Job.objects.exists()  # looking is not starting
    response = client.post(reverse("households:card_batch"), {"area": areas.township_a.pk, "year": THIS_YEAR})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.message
    assert job.progress == job.total == 6 and job.percent == 100
    assert page_count(job.result_file.read()) == 6
    assert "已生成 6 户明白卡" in client.get(job.get_absolute_url()).content.decode()
    assert not CardPrint.objects.exists()


def test_a_township_cannot_batch_print_another_township(client_for, personas, areas, households):
    client = client_for(personas.outsider)
    assert client.get(reverse("households:card_batch"), {"area": areas.township_a.pk}).status_code == 404
    assert client.get(reverse("households:card_batch"), {"area": areas.village_x.pk}).status_code == 404
    response = client.post(reverse("households:card_batch"), {"area": areas.township_a.pk, "year": THIS_YEAR})
    assert response.status_code == 400 and not Job.objects.exists()
    assert client_for(personas.village_x).get(reverse("households:card_batch"), {"area": areas.township_a.pk}).status_code == 404


# --- Print queue --------------------------------------------------------------------------


def queue(client, **params):
    response = client.get(reverse("households:print_queue"), params)
    assert response.status_code == 200
    return response


def test_the_queue_follows_a_card_from_missing_to_handed_over(client_for, personas, households):
    client = client_for(personas.village_x)
    response = queue(client)
    assert [h.pk for h in response.context["rows"]] == [households.x.pk]
    assert response.context["rows"][0].state_label == "未打印"

    pdf_bytes(client.get(card_url(households.x)))
    assert queue(client).context["rows"][0].state_label == "未打印"  # downloaded, not recorded
    record_printed(client, households.x)
    assert queue(client).context["rows"] == []
    assert "没有需要打印的明白卡" in queue(client).content.decode()
    assert queue(client, state="printed").context["rows"][0].state_label == "已打印未发放"

    # Any change to what the card prints makes it stale.
    member = households.x.members.get()
    member.work_status = "县内务工"
    member.save()
    assert queue(client).context["rows"][0].state_label == "已过期"
    response = client.post(
        reverse("households:print_queue"),
        {"action": "handover", "household": households.x.pk, "year": THIS_YEAR, "handed_over_on": date.today(), "handed_over_by": "王会计"},
        follow=True,
    )
    assert "须先打印最新的明白卡" in response.content.decode()
    assert CardPrint.objects.get().handed_over_on is None

    pdf_bytes(client.get(card_url(households.x)))
    assert queue(client).context["rows"][0].state_label == "已过期"
    response = client.post(reverse("households:print_queue"), {"action": "record", "household": households.x.pk, "year": THIS_YEAR}, follow=True)
    assert "已登记 1 户" in response.content.decode()
    response = client.post(
        reverse("households:print_queue"),
        {"action": "handover", "household": households.x.pk, "year": THIS_YEAR, "handed_over_on": date.today(), "handed_over_by": "王会计"},
        follow=True,
    )
    assert "已标记 1 户明白卡已发放" in response.content.decode()
    latest = CardPrint.objects.order_by("-printed_at", "-pk").first()
    assert latest.handed_over_on == date.today() and latest.handed_over_by == "王会计"
    assert LogEntry.objects.get_for_object(latest).filter(action=LogEntry.Action.UPDATE).get().actor == personas.village_x
    row = queue(client, state="handed").context["rows"][0]
    assert row.state_label == "已发放" and row.latest_print.handed_over_by == "王会计"


def test_the_queue_filters_by_village_and_counts_each_state(client_for, personas, areas, households):
    more_households(areas.village_y, 2, start=20)
    client = client_for(personas.township_a)
    record_printed(client, households.y)
    response = queue(client, state="all")
    assert len(response.context["rows"]) == 4
    counts = response.context["counts"]
    assert counts["missing"] == 3 and counts["printed"] == 1 and counts["todo"] == 3 and counts["all"] == 4
    response = queue(client, village=areas.village_y.pk)
    assert {h.village_id for h in response.context["rows"]} == {areas.village_y.pk} and len(response.context["rows"]) == 2
    assert len(queue(client, q="张建国").context["rows"]) == 1
    # Another township's village is not a choice: the filter is ignored, nothing leaks.
    outsider_rows = queue(client_for(personas.outsider), village=areas.village_x.pk, state="all").context["rows"]
    assert [h.pk for h in outsider_rows] == [households.z.pk]


def test_the_queue_costs_the_same_queries_for_many_rows(client_for, personas, areas, households, django_assert_max_num_queries):
    client = client_for(personas.village_x)
    record_printed(client, households.x)
    with django_assert_max_num_queries(15) as few:
        queue(client, state="all")
    for household in more_households(areas.village_x, 12):
        CardPrint.objects.create(household=household, year=THIS_YEAR, printed_at=timezone.now(), printed_by=personas.village_x)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = queue(client, state="all")
    assert len(response.context["rows"]) == 13


def test_printing_selected_rows_gives_their_cards_and_recording_them_marks_them_printed(client_for, personas, areas, households):
    others = more_households(areas.village_x, 2)
    client = client_for(personas.village_x)
    selected = {"household": [households.x.pk, others[1].pk], "year": THIS_YEAR}
    response = client.post(reverse("households:print_queue"), {"action": "print", **selected})
    assert page_count(pdf_bytes(response)) == 2
    assert not CardPrint.objects.exists()
    response = client.post(reverse("households:print_queue"), {"action": "record", **selected, "next": reverse("households:print_queue")})
    assert response.status_code == 302
    assert set(CardPrint.objects.values_list("household_id", flat=True)) == {households.x.pk, others[1].pk}
    assert [h.pk for h in queue(client).context["rows"]] == [others[0].pk]


def test_the_queue_refuses_handover_in_the_future_and_for_other_areas(client_for, personas, households):
    client = client_for(personas.village_x)
    record_printed(client, households.x)
    tomorrow = date.today() + timedelta(days=1)
    response = client.post(
        reverse("households:print_queue"),
        {"action": "handover", "household": households.x.pk, "year": THIS_YEAR, "handed_over_on": tomorrow, "handed_over_by": "王会计"},
        follow=True,
    )
    assert "发放日期不能晚于今天" in response.content.decode()
    assert CardPrint.objects.get().handed_over_on is None
    # Someone else's household: refused whole.
    response = client.post(
        reverse("households:print_queue"),
        {"action": "handover", "household": [households.x.pk, households.z.pk], "year": THIS_YEAR, "handed_over_on": date.today(), "handed_over_by": "王会计"},
    )
    assert response.status_code == 403 and CardPrint.objects.get().handed_over_on is None
    assert client.post(reverse("households:print_queue"), {"action": "print", "household": [households.z.pk]}).status_code == 403
    assert client.post(reverse("households:print_queue"), {"action": "record", "household": [households.x.pk, households.z.pk]}).status_code == 403
    assert CardPrint.objects.count() == 1


def test_a_county_viewer_sees_the_queue_but_cannot_change_it(client_for, personas, households):
    client = client_for(personas.county_viewer)
    page = queue(client).content.decode()
    assert "张建国" in page and "标记所选已发放" not in page and "登记所选已打印" not in page
    assert client.post(reverse("households:print_queue"), {"action": "print", "household": households.x.pk}).status_code == 403
    assert client.post(reverse("households:print_queue"), {"action": "record", "household": households.x.pk}).status_code == 403
    assert not CardPrint.objects.exists()


# --- 公示 lists ------------------------------------------------------------------------------


@pytest.fixture
def notice_village(areas, households):
    """In village X: one household whose exit review is at 村内公示, one above
    the line with no review (not a candidate: the list is the procedure's),
    one exited, and one whose monitoring case is at its 村级公示."""
    from assessment.models import ExitReview

    above = households.x
    Income.objects.create(household=above, year=2024, household_size=1, net_income_per_capita=Decimal("9000.00"))
    ExitReview.objects.create(
        household=above, year=2024, stage="publicity", stage_date=date(2024, 10, 8), proposed_on=date(2024, 10, 1),
        votes_for=31, votes_against=2, verified_on=date(2024, 10, 3), food_secure=True, clothing_secure=True,
        consented_on=date(2024, 10, 5), publicity_start=date(2024, 10, 8), created_by=User.objects.get(username="cun_x"),
    )
    below, exited, watched = more_households(areas.village_x, 3)
    Income.objects.create(household=below, year=2024, household_size=1, net_income_per_capita=Decimal("9000.00"))
    Household.objects.filter(pk=exited.pk).update(status="1", exit_year=2020)
    Income.objects.create(household=exited, year=2024, household_size=1, net_income_per_capita=Decimal("9000.00"))
    Member.objects.filter(household=watched).update(health="患有大病")
    Monitoring.objects.create(
        household=watched, object_type="突发严重困难户", risk_description="因病致贫风险", signal_kind="农户申报",
        signal_date=date(2025, 5, 1), due_date=date(2025, 5, 16), stage="publicity", stage_date=date(2025, 5, 6),
        checked_on=date(2025, 5, 2), reviewed_on=date(2025, 5, 4), publicity_start=date(2025, 5, 6),
    )
    return type("Notice", (), dict(above=above, below=below, exited=exited, watched=watched))


def publicity_url(kind, **query):
    return reverse("households:publicity_pdf", args=[kind]) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_exit_notice_lists_the_reviews_at_publicity_with_period_hotline_and_seal_and_nothing_private(client_for, personas, areas, notice_village):
    start = date(2026, 3, 2)
    response = client_for(personas.township_a).get(publicity_url("exit", village=areas.village_x.pk, start=start.isoformat()))
    text = pdf_text(pdf_bytes(response))
    assert "拟退出贫困户名单公示" in text and "秦川县城关镇张家沟村" in text
    assert "张建国" in text and "9,000.00" in text and "31/2/0" in text and "民主评议" in text
    assert notice_village.below.head_name not in text and notice_village.exited.head_name not in text
    assert "2026年3月2日" in text and "2026年3月8日" in text and "共 7 天" in text
    assert "12317" in text and "村民委员会（盖章）" in text
    compact = text.replace(" ", "").replace("\n", "")
    assert not FULL_ID.search(compact) and not PHONE.search(compact.replace("12317", ""))


def test_the_monitoring_notice_never_shows_health_or_the_risk_description(client_for, personas, areas, notice_village):
    text = pdf_text(pdf_bytes(client_for(personas.village_x).get(publicity_url("monitoring"))))
    assert notice_village.watched.head_name in text and "突发严重困难户" in text and "2025-05-01" in text
    assert notice_village.below.head_name not in text
    assert "张建国" not in text
    for private in ("患有大病", "因病致贫风险", "健康"):
        assert private not in text
    compact = text.replace(" ", "").replace("\n", "")
    assert not FULL_ID.search(compact) and not PHONE.search(compact.replace("12317", ""))
    assert "共 5 天" in text


def test_the_household_notice_gives_names_and_sizes_only(client_for, personas, areas, notice_village):
    Household.objects.filter(pk=notice_village.above.pk).update(phone="13512345678", bank_account="6228480000000000000")
    text = pdf_text(pdf_bytes(client_for(personas.village_x).get(publicity_url("households"))))
    assert "建档立卡贫困户名单公示" in text and "共 4 户" in text and "张建国" in text
    compact = text.replace(" ", "").replace("\n", "")
    assert "6228480000000000000" not in compact and not PHONE.search(compact.replace("12317", ""))
    assert not FULL_ID.search(compact)


def test_a_notice_for_another_areas_village_is_a_404(client_for, personas, areas, notice_village):
    assert client_for(personas.outsider).get(publicity_url("exit", village=areas.village_x.pk)).status_code == 404
    assert client_for(personas.village_x).get(publicity_url("exit", village=areas.village_y.pk)).status_code == 404
    assert client_for(personas.village_x).get(publicity_url("nonsense")).status_code == 404


def test_a_notice_period_shorter_than_the_rule_is_refused(client_for, personas, areas):
    response = client_for(personas.village_x).get(publicity_url("exit", days=3))
    assert response.status_code == 400 and "公示期不少于 7 天" in response.content.decode()


def test_the_notice_chooser_offers_in_scope_villages_and_sends_to_the_pdf(client_for, personas, areas):
    client = client_for(personas.township_a)
    page = client.get(reverse("households:publicity_pdf")).content.decode()
    assert "张家沟村" in page and "李家湾村" in page and "王家坪村" not in page
    response = client.get(reverse("households:publicity_pdf"), {"kind": "monitoring", "village": areas.village_y.pk, "start": "2026-04-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("households:publicity_pdf", args=["monitoring"]))
    assert f"village={areas.village_y.pk}" in response["Location"] and "days=5" in response["Location"]


def test_a_publicity_list_refuses_private_columns(areas):
    with pytest.raises(ValueError):
        publicity.PublicityList(
            kind="households", title="名单", intro="", columns=[publicity.PublicityColumn("id_number", "证件号码")], rows=[],
            village=areas.village_x, start=date.today(), end=date.today(),
        )


# --- PDF ledgers of the exporters ---------------------------------------------------------------


def ledger_request(user, identifier, **params):
    request = RequestFactory().get(f"/exports/{identifier}.pdf", params)
    request.user = user
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    return pdf.export_pdf(request, identifier=identifier)


def test_the_household_roster_prints_as_a_pdf_ledger_scoped_to_the_user(personas, areas, households):
    response = ledger_request(personas.township_a, "households")
    text = pdf_text(pdf_bytes(response))
    assert "秦川县城关镇贫困户花名册" in text and "张建国" in text and "李秀英" in text and "王德福" not in text
    assert "制表人" in text and "第 1 页 / 共" in text
    reader = PdfReader(BytesIO(response.content))
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
    assert PersonalDataAccess.objects.filter(user=personas.township_a, kind="export").exists()


def test_a_ledger_filtered_on_another_townships_village_is_a_404(personas, areas, households):
    from django.http import Http404

    with pytest.raises(Http404):
        ledger_request(personas.outsider, "households", village=areas.village_x.pk)
    response = ledger_request(personas.township_a, "households", village=areas.village_x.pk)
    text = pdf_text(pdf_bytes(response))
    assert "秦川县城关镇张家沟村贫困户花名册" in text and "李秀英" not in text


def test_a_roster_pdf_masks_ids_for_users_who_may_not_reveal_them(personas, households):
    text = pdf_text(pdf_bytes(ledger_request(personas.county_viewer, "households")))
    assert "张建国" in text and not FULL_ID.search(text.replace(" ", "").replace("\n", ""))


# --- Command line ---------------------------------------------------------------------------------


def test_print_cards_writes_a_villages_cards_to_a_file(tmp_path, areas, households, personas):
    more_households(areas.village_x, 2)
    out = tmp_path / "cards.pdf"
    call_command("print_cards", "--area", areas.village_x.code, "--out", str(out), "--user", personas.village_x.username)
    assert page_count(out.read_bytes()) == 3
    assert not CardPrint.objects.exists()  # writing the file records nothing
    call_command("print_cards", "--area", areas.village_x.code, "--out", str(out), "--user", personas.village_x.username, "--record")
    assert CardPrint.objects.filter(printed_by=personas.village_x).count() == 3
    township = tmp_path / "township.pdf"
    call_command("print_cards", "--area", areas.township_a.code, "--year", str(THIS_YEAR - 1), "--out", str(township))
    assert page_count(township.read_bytes()) == 4
    assert f"{THIS_YEAR - 1}年精准扶贫明白卡" in pdf_text(township.read_bytes())


def test_print_cards_refuses_unknown_areas_and_areas_outside_the_user(tmp_path, areas, personas):
    with pytest.raises(CommandError):
        call_command("print_cards", "--area", "610499999999", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("print_cards", "--area", areas.village_z.code, "--out", str(tmp_path / "x.pdf"), "--user", personas.village_x.username)
    with pytest.raises(CommandError):
        call_command("print_cards", "--area", areas.village_x.code, "--out", str(tmp_path / "x.txt"))
    with pytest.raises(CommandError, match="--user"):
        call_command("print_cards", "--area", areas.village_x.code, "--out", str(tmp_path / "x.pdf"), "--record")
    with pytest.raises(CommandError, match="不能登记"):
        call_command("print_cards", "--area", areas.village_x.code, "--out", str(tmp_path / "x.pdf"), "--user", personas.county_viewer.username, "--record")


def test_a_full_household_card_downloads_as_one_page(client_for, personas, areas, work_teams):
    household = full_household(areas.village_x, "6104991012010077")
    assert page_count(pdf_bytes(client_for(personas.village_x).get(card_url(household)))) == 1
