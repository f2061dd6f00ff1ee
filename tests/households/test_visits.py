"""走访记录: recording a visit, the photo rules, and the scoped photo view."""

import io
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from households.models import Assignment, Cadre, Visit
from households.services import cadres as cadre_services

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def helper(areas, households):
    cadre = Cadre.objects.create(name="马帮扶", unit="县农业农村局", unit_level="县直", phone="13900000003", area=areas.county)
    Assignment.objects.create(household=households.x, cadre=cadre, start_date=date(2024, 1, 1))
    return cadre


def visit_data(helper, **extra):
    return {"date": "2024-10-08", "cadre": helper.pk, "content": "了解务工情况，宣讲小额信贷政策", **extra}


def post_visit(client, household, data):
    return client.post(reverse("households:visit_create", args=[household.pk]), data)


def test_form_defaults_to_the_current_cadre_and_today(client_for, personas, households, helper):
    page = client_for(personas.village_x).get(reverse("households:visit_create", args=[households.x.pk])).content.decode()
    assert f'<option value="{helper.pk}" selected>马帮扶' in page
    assert f'value="{date.today():%Y-%m-%d}"' in page


def test_visit_with_a_png_photo_is_saved_and_served_only_through_the_scoped_view(client_for, personas, households, helper):
    photo = SimpleUploadedFile("张建国家.png", image_bytes("PNG"), content_type="image/png")
    response = post_visit(client_for(personas.village_x), households.x, visit_data(helper, photo=photo))
    assert response.status_code == 302
    visit = Visit.objects.get(household=households.x)
    assert "张建国" not in visit.photo.name and visit.photo.name.endswith(".png")
    served = client_for(personas.county_viewer).get(reverse("households:visit_photo", args=[visit.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert client_for(personas.outsider).get(reverse("households:visit_photo", args=[visit.pk])).status_code == 404


def test_jpeg_photo_is_accepted(client_for, personas, households, helper):
    photo = SimpleUploadedFile("a.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    assert post_visit(client_for(personas.village_x), households.x, visit_data(helper, photo=photo)).status_code == 302
    visit = Visit.objects.get()
    served = client_for(personas.village_x).get(reverse("households:visit_photo", args=[visit.pk]))
    assert served["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(client_for, personas, households, helper):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not a photo at all", content_type="image/jpeg")
    response = post_visit(client_for(personas.village_x), households.x, visit_data(helper, photo=fake))
    assert response.status_code == 200
    assert "照片" in response.content.decode() and "图片" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_real_image_that_is_not_jpeg_or_png_is_refused(client_for, personas, households, helper):
    gif = SimpleUploadedFile("p.png", image_bytes("GIF"), content_type="image/png")
    page = post_visit(client_for(personas.village_x), households.x, visit_data(helper, photo=gif)).content.decode()
    assert "照片只能是 JPEG 或 PNG 图片" in page
    assert not Visit.objects.exists()


def test_a_photo_over_the_limit_is_refused(client_for, personas, households, helper, monkeypatch):
    # The rule is 10 MB; a smaller limit keeps the test fast while exercising the same check.
    monkeypatch.setattr(cadre_services, "PHOTO_MAX_BYTES", 50)
    photo = SimpleUploadedFile("big.png", image_bytes("PNG"), content_type="image/png")
    page = post_visit(client_for(personas.village_x), households.x, visit_data(helper, photo=photo)).content.decode()
    assert "照片不能超过10 MB" in page
    assert not Visit.objects.exists()


def test_a_future_date_is_refused(client_for, personas, households, helper):
    tomorrow = date.today() + timedelta(days=1)
    page = post_visit(client_for(personas.village_x), households.x, visit_data(helper, date=f"{tomorrow:%Y-%m-%d}")).content.decode()
    assert "走访日期不能晚于今天" in page
    assert not Visit.objects.exists()


def test_a_cadre_of_another_township_cannot_be_named(client_for, personas, areas, households, helper):
    foreign = Cadre.objects.create(name="外镇干部", unit="清河镇政府", unit_level="乡镇", phone="13900000004", area=areas.township_b)
    page = post_visit(client_for(personas.village_x), households.x, visit_data(foreign)).content.decode()
    assert "选择一个有效的选项" in page
    assert not Visit.objects.exists()


def test_visit_is_audited_with_the_actor(client_for, personas, households, helper):
    post_visit(client_for(personas.township_a), households.x, visit_data(helper))
    visit = Visit.objects.get()
    entry = LogEntry.objects.get_for_object(visit).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.township_a


def test_a_visit_without_photo_has_no_photo_page(client_for, personas, households, helper):
    post_visit(client_for(personas.village_x), households.x, visit_data(helper))
    visit = Visit.objects.get()
    assert client_for(personas.village_x).get(reverse("households:visit_photo", args=[visit.pk])).status_code == 404


def test_visits_section_lists_the_latest_and_the_total(households, helper):
    visits = [
        Visit.objects.create(household=households.x, cadre=helper, date=date(2024, 1, d), content=f"第{d}次走访") for d in (3, 2, 1)
    ]
    html = render_to_string(
        "households/sections/visits.html",
        {"household": households.x, "visits": visits[:2], "visit_count": 3, "can_change": True},
    )
    assert 'id="visits"' in html
    assert "共 3 次，显示最近 2 次" in html
    assert html.index("第3次走访") < html.index("第2次走访") and "第1次走访" not in html
    assert "马帮扶" in html and reverse("households:visit_create", args=[households.x.pk]) in html
