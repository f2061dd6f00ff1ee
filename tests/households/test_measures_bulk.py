"""Bulk add: one measure for many households, previewed, then all or nothing."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households.models import Measure, MeasureCategory, Monitoring
from tests.conftest import IDS, make_household

pytestmark = pytest.mark.django_db


def public_post():
    return MeasureCategory.objects.get(group="就业扶贫", name="公益岗位")


def bulk_form(**overrides):
    data = {
        "step": "preview", "category": public_post().pk, "year": "2026", "content": "村道保洁员", "amount": "6000.00",
        "status": "in_progress", "planned_date": "", "done_date": "", "cadre": "", "numbers": "",
    }
    data.update(overrides)
    return data


def test_preview_shows_how_many_households_then_confirm_adds_one_measure_each(client_for, personas, households):
    client = client_for(personas.township_a)
    numbers = f"{households.x.number}\n{households.y.number}\n\n{households.x.number}\n"
    preview = client.post(reverse("households:measure_bulk_add"), bulk_form(numbers=numbers))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "将为 <strong class=\"text-primary\">2</strong> 户添加以下措施" in page
    assert "张建国" in page and "李秀英" in page
    assert not Measure.objects.exists()

    done = client.post(reverse("households:measure_bulk_add"), bulk_form(numbers=numbers, step="confirm", expected_count="2"))
    assert done.status_code == 302
    measures = Measure.objects.order_by("household__number")
    assert [m.household for m in measures] == [households.x, households.y]
    assert all(m.content == "村道保洁员" and m.amount == Decimal("6000.00") and m.status == "in_progress" for m in measures)
    for measure in measures:
        entry = LogEntry.objects.get_for_object(measure).get()
        assert entry.actor == personas.township_a


def test_it_is_all_or_nothing_and_names_each_unknown_or_out_of_scope_number(client_for, personas, households):
    client = client_for(personas.township_a)
    numbers = "\n".join([households.x.number, households.z.number, "9999999999999999"])
    for step in ("preview", "confirm"):
        response = client.post(
            reverse("households:measure_bulk_add"), bulk_form(numbers=numbers, step=step, expected_count="1")
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "以下 2 个户编号不存在或不在您的管辖范围内" in page
        assert households.z.number in page and "9999999999999999" in page
        # Nothing tells the user the township-B household exists.
        assert "王德福" not in page
    assert not Measure.objects.exists()


def test_a_village_cadre_cannot_reach_a_neighbouring_village(client_for, personas, households):
    response = client_for(personas.village_x).post(
        reverse("households:measure_bulk_add"), bulk_form(numbers=households.y.number, step="confirm", expected_count="1")
    )
    assert response.status_code == 200
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    assert not Measure.objects.exists()


def test_households_can_come_from_a_filter(client_for, personas, households, areas):
    extra = make_household(areas.village_x, "6104991012010002", "张二牛", IDS[3], status="1")
    Monitoring.objects.create(
        household=extra, object_type="脱贫不稳定户", risk_description="务工中断", risk_identified_date=date(2026, 10, 1)
    )
    client = client_for(personas.township_a)
    preview = client.post(
        reverse("households:measure_bulk_add"), bulk_form(use_filter="on", village=areas.village_x.pk)
    )
    assert preview.context["count"] == 2
    monitored = client.post(
        reverse("households:measure_bulk_add"), bulk_form(use_filter="on", township=areas.township_a.pk, monitored="on")
    )
    assert [h.pk for h in monitored.context["households"]] == [extra.pk]

    response = client.post(
        reverse("households:measure_bulk_add"),
        bulk_form(use_filter="on", township=areas.township_a.pk, monitored="on", step="confirm", expected_count="1"),
    )
    assert response.status_code == 302
    assert list(Measure.objects.values_list("household", flat=True)) == [extra.pk]


def test_last_years_holders_can_be_renewed_from_the_measure_list(client_for, personas, households):
    Measure.objects.create(household=households.y, year=2025, category=public_post(), content="公益岗位", amount=5000)
    client = client_for(personas.township_a)
    listing = client.get(reverse("households:measure_list"), {"year": 2025, "category": public_post().pk})
    bulk_url = listing.context["bulk_url"]
    form_page = client.get(bulk_url)
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["has_year"] == "2025"

    preview = client.post(
        reverse("households:measure_bulk_add"), bulk_form(use_filter="on", has_year="2025", has_category=public_post().pk)
    )
    assert [h.pk for h in preview.context["households"]] == [households.y.pk]


def test_confirming_a_selection_that_changed_since_the_preview_adds_nothing(client_for, personas, households, areas):
    client = client_for(personas.township_a)
    response = client.post(
        reverse("households:measure_bulk_add"),
        bulk_form(use_filter="on", village=areas.village_x.pk, step="confirm", expected_count="5"),
    )
    assert response.status_code == 200
    assert "与预览时（5 户）不一致" in response.content.decode()
    assert response.context["count"] == 1
    assert not Measure.objects.exists()


def test_bulk_done_needs_a_done_date(client_for, personas, households):
    response = client_for(personas.township_a).post(
        reverse("households:measure_bulk_add"),
        bulk_form(numbers=households.x.number, status="done", step="confirm", expected_count="1"),
    )
    assert response.status_code == 200
    assert "已落实的措施须填写落实日期。" in response.content.decode()
    assert not Measure.objects.exists()


def test_an_empty_selection_is_refused(client_for, personas, households):
    response = client_for(personas.township_a).post(reverse("households:measure_bulk_add"), bulk_form())
    assert response.status_code == 200
    assert "请粘贴户编号" in response.content.decode()


def test_viewers_cannot_bulk_add(client_for, personas, households):
    response = client_for(personas.county_viewer).post(
        reverse("households:measure_bulk_add"), bulk_form(numbers=households.x.number, step="confirm", expected_count="1")
    )
    assert response.status_code == 403
    assert not Measure.objects.exists()


def _confirm_form_fields(html: str) -> dict:
    """The inputs a browser would send back from the preview's confirm form."""
    from html.parser import HTMLParser

    fields: dict = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
                fields[attrs["name"]] = attrs.get("value", "")

    Parser().feed(html)
    fields["step"] = "confirm"
    return fields


def test_the_preview_page_carries_everything_the_confirmation_needs(client_for, personas, households, areas):
    client = client_for(personas.township_a)
    preview = client.post(
        reverse("households:measure_bulk_add"),
        bulk_form(numbers=f"{households.y.number}\n", use_filter="on", village=areas.village_x.pk, status="done", done_date="2026-11-01"),
    )
    assert preview.context["count"] == 2
    response = client.post(reverse("households:measure_bulk_add"), _confirm_form_fields(preview.content.decode()))
    assert response.status_code == 302
    assert set(Measure.objects.values_list("household", flat=True)) == {households.x.pk, households.y.pk}
    assert set(Measure.objects.values_list("done_date", flat=True)) == {date(2026, 11, 1)}


def test_the_preview_warns_about_households_that_already_have_the_measure(client_for, personas, households):
    Measure.objects.create(household=households.x, year=2026, category=public_post(), content="公益岗位", amount=6000)
    preview = client_for(personas.township_a).post(
        reverse("households:measure_bulk_add"), bulk_form(numbers=f"{households.x.number} {households.y.number}")
    )
    assert preview.context["already"] == 1
    assert "其中 1 户在 2026 年已有“公益岗位”措施" in preview.content.decode()


def test_the_filters_area_drop_downs_offer_the_users_areas_a_village_after_its_township(client_for, personas, areas):
    form = client_for(personas.township_a).get(reverse("households:measure_bulk_add")).context["form"]
    assert list(form.fields["township"].choices) == [("", "不限"), (areas.township_a.pk, "城关镇")]
    assert list(form.fields["village"].choices) == [
        ("", "不限"), (areas.village_x.pk, "城关镇 张家沟村"), (areas.village_y.pk, "城关镇 李家湾村"),
    ]
