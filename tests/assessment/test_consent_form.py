"""The 户主认可书: printed from the review once 入户核实 saved the criteria,
one A4 page with the household, the seven criteria as saved, income against
the line, the dates and the signature lines; ID masked, each print logged."""

import pytest
from django.urls import reverse

from households.models import Household
from povertyrelief.models import PersonalDataAccess
from tests.assessment.conftest import YEAR, day, walk
from tests.conftest import IDS
from tests.households.test_printing import page_count, pdf_text

pytestmark = pytest.mark.django_db


def form_url(review) -> str:
    return reverse("assessment:review_consent_form_pdf", args=[review.pk])


def flat(content: bytes) -> str:
    return pdf_text(content).replace(" ", "").replace("\n", "")


def test_the_form_names_the_household_the_criteria_and_the_statement(client_for, personas, ready):
    review = walk(personas, ready, to="verified")
    response = client_for(personas.village_x).get(form_url(review))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert page_count(response.content) == 1
    text = flat(response.content)
    assert f"{YEAR}年贫困户脱贫退出户主认可书" in text
    assert "秦川县" in text and "城关镇" in text and "张家沟村" in text and "6104991012010001" in text
    assert "张建国" in text and "1人" in text
    # The head's ID as the 明白卡 prints it: first 6 and last 4.
    assert "610499********0011" in text and IDS[0] not in text
    for label in ("收入超过扶贫标准", "不愁吃", "不愁穿", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"):
        assert label in text
    assert text.count("√达标") == 7
    assert f"{YEAR}年人均纯收入5,600.00元{YEAR}年扶贫标准4,600.00元是否高于标准高于" in text
    assert f"{day(0).year}年{day(0).month}月{day(0).day}日" in text and f"{day(1).year}年{day(1).month}月{day(1).day}日" in text
    assert "本户同意脱贫退出" in text
    assert "户主签字（按手印）" in text and "帮扶责任人签字" in text and "村委会（盖章）" in text


def test_each_print_is_logged(client_for, personas, ready):
    review = walk(personas, ready, to="consented")
    client_for(personas.township_a).get(form_url(review))
    record = PersonalDataAccess.objects.get()
    assert record.user == personas.township_a and record.kind == "print"
    assert "户主认可书" in record.what and "张建国" in record.object_repr and record.rows == 1


def test_the_form_prints_at_every_stage_after_the_verification(client_for, personas, ready):
    review = walk(personas, ready, to="announced")
    client = client_for(personas.county_admin)
    page = client.get(review.get_absolute_url()).content.decode()
    assert form_url(review) in page and "打印户主认可书" in page
    assert client.get(form_url(review)).status_code == 200


def test_before_the_verification_there_is_no_button_and_the_url_says_why(client_for, personas, ready):
    review = walk(personas, ready, to="proposed")
    client = client_for(personas.village_x)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "打印户主认可书" not in page
    response = client.get(form_url(review))
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "尚未登记入户核实，不能打印户主认可书" in page
    assert not PersonalDataAccess.objects.exists()


def test_another_townships_review_is_a_404(client_for, personas, ready):
    review = walk(personas, ready, to="verified")
    assert client_for(personas.outsider).get(form_url(review)).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_form_prints_the_criteria_saved_at_the_verification(client_for, personas, ready):
    review = walk(personas, ready, to="verified")
    # A later change to the record does not rewrite what the head signs.
    Household.objects.filter(pk=ready.pk).update(safe_drinking_water=False)
    text = flat(client_for(personas.village_x).get(form_url(review)).content)
    assert text.count("√达标") == 7 and "×未达标" not in text


def test_the_cadre_signature_line_names_the_current_cadre(client_for, personas, ready, areas):
    from datetime import date

    from households.models import Assignment, Cadre

    review = walk(personas, ready, to="verified")
    current = Cadre.objects.create(name="马帮扶", unit="县农业农村局", unit_level="县直", phone="13800001234", area=areas.county)
    former = Cadre.objects.create(name="牛离任", unit="县农业农村局", unit_level="县直", phone="13800004321", area=areas.county)
    Assignment.objects.create(household=review.household, cadre=former, start_date=date(2020, 1, 1), end_date=date(2022, 1, 1), end_reason="调离")
    Assignment.objects.create(household=review.household, cadre=current, start_date=date(2022, 1, 2))
    text = flat(client_for(personas.village_x).get(form_url(review)).content)
    assert "（帮扶责任人：马帮扶）" in text and "牛离任" not in text
