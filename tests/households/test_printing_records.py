"""打印登记: a card counts as printed only when someone records it, with a
POST of its own; opening or downloading a card changes nothing but the
personal-data access log."""

import re

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from households.models import CardPrint
from povertyrelief.models import Job, PersonalDataAccess
from tests.households.test_printing import THIS_YEAR
from tests.households.test_printing_views import card_url, more_households, pdf_bytes


def printed_url(household):
    return reverse("households:household_card_printed", args=[household.pk])


def database_rows():
    return CardPrint.objects.count(), LogEntry.objects.count(), Job.objects.count()


def test_opening_cards_single_or_by_village_writes_only_the_access_log(client_for, personas, areas, households):
    more_households(areas.village_x, 2)
    before = database_rows()
    client = client_for(personas.township_a)
    pdf_bytes(client.get(card_url(households.x)))
    pdf_bytes(client.get(reverse("households:card_batch"), {"area": areas.village_x.pk}))
    pdf_bytes(client.post(reverse("households:print_queue"), {"action": "print", "household": [households.x.pk], "year": THIS_YEAR}))
    assert database_rows() == before
    assert list(PersonalDataAccess.objects.order_by("pk").values_list("kind", "rows")) == [("print", 1), ("print", 3), ("print", 1)]


def test_the_household_page_offers_the_record_button_to_roles_that_keep_households(client_for, personas, households):
    page = client_for(personas.village_x).get(households.x.get_absolute_url()).content.decode()
    assert f'action="{printed_url(households.x)}"' in page and "登记明白卡已打印" in page
    page = client_for(personas.county_viewer).get(households.x.get_absolute_url()).content.decode()
    assert printed_url(households.x) not in page


def test_recording_needs_the_csrf_token(personas, households):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.village_x, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(printed_url(households.x)).status_code == 403
    assert not CardPrint.objects.exists()
    page = client.get(households.x.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(printed_url(households.x), {"csrfmiddlewaretoken": token}).status_code == 302
    assert CardPrint.objects.get().printed_by == personas.village_x


@pytest.mark.parametrize("persona, status", [("county_viewer", 403), ("auditor", 403), ("outsider", 404)])
def test_recording_is_refused_outside_the_role_or_the_area(client_for, personas, households, persona, status):
    response = client_for(getattr(personas, persona)).post(printed_url(households.x), {"year": THIS_YEAR})
    assert response.status_code == status
    assert not CardPrint.objects.exists()


def test_recording_is_a_post_only(client_for, personas, households):
    assert client_for(personas.village_x).get(printed_url(households.x)).status_code == 405
    assert not CardPrint.objects.exists()


def test_a_village_or_township_is_recorded_as_printed_from_the_batch_page(client_for, personas, areas, households):
    more_households(areas.village_y, 2, start=30)
    client = client_for(personas.township_a)
    page = client.get(reverse("households:card_batch")).content.decode()
    assert "打印登记" in page and 'value="record"' in page
    response = client.post(reverse("households:card_batch"), {"action": "record", "area": areas.village_y.pk, "year": THIS_YEAR})
    assert response.status_code == 302 and response["Location"].startswith(reverse("households:print_queue"))
    assert set(CardPrint.objects.values_list("household__village", flat=True)) == {areas.village_y.pk}
    assert CardPrint.objects.count() == 3
    queue = client.get(response["Location"])
    assert f"已登记秦川县城关镇李家湾村 3 户{THIS_YEAR}年明白卡已打印" in queue.content.decode()
    assert {h.state_label for h in queue.context["rows"]} == {"已打印未发放"} and len(queue.context["rows"]) == 3
    client.post(reverse("households:card_batch"), {"action": "record", "area": areas.township_a.pk, "year": THIS_YEAR})
    assert CardPrint.objects.count() == 4  # village Y's three were just recorded: one each


def test_batch_recording_is_refused_outside_the_role_or_the_area(client_for, personas, areas, households):
    data = {"action": "record", "area": areas.township_a.pk, "year": THIS_YEAR}
    assert client_for(personas.county_viewer).post(reverse("households:card_batch"), data).status_code == 403
    assert client_for(personas.outsider).post(reverse("households:card_batch"), data).status_code == 404
    assert client_for(personas.village_x).post(reverse("households:card_batch"), data).status_code == 404
    assert not CardPrint.objects.exists()


def test_the_print_queue_follows_the_records_not_the_downloads(client_for, personas, areas, households):
    other = more_households(areas.village_x, 1)[0]
    client = client_for(personas.village_x)
    pdf_bytes(client.get(card_url(households.x)))
    pdf_bytes(client.get(card_url(other)))
    counts = client.get(reverse("households:print_queue")).context["counts"]
    assert counts["missing"] == 2 and counts["printed"] == 0
    client.post(reverse("households:print_queue"), {"action": "record", "household": [other.pk], "year": THIS_YEAR})
    response = client.get(reverse("households:print_queue"))
    assert [h.pk for h in response.context["rows"]] == [households.x.pk]
    assert response.context["counts"]["printed"] == 1
    # Nothing selected: told so, nothing recorded.
    response = client.post(reverse("households:print_queue"), {"action": "record", "year": THIS_YEAR}, follow=True)
    assert "请先勾选要登记已打印的户" in response.content.decode() and CardPrint.objects.count() == 1
