"""Every form that offers villages to choose from offers the same ones, in
the same words and order: the user's villages (for the action the form
needs), in code order, each after its township."""

import pytest
from django.urls import reverse

from dashboard.forms import TargetsForm
from funds.forms import AllocationForm, ProjectForm
from households.forms.registry import HouseholdForm
from villages.fields import AreaChoiceField
from villages.forms import WorkTeamForm

pytestmark = pytest.mark.django_db

VILLAGE_FORMS = [
    (HouseholdForm, "village"),
    (WorkTeamForm, "village"),
    (ProjectForm, "villages"),
    (AllocationForm, "village"),
]


def offered(form, name: str) -> list[str]:
    return [str(label) for value, label in form.fields[name].choices if value != ""]


@pytest.mark.parametrize(("form_class", "name"), VILLAGE_FORMS)
def test_a_county_user_is_offered_every_village_after_its_township_in_code_order(personas, form_class, name):
    form = form_class(user=personas.county_admin)
    assert offered(form, name) == ["城关镇 张家沟村", "城关镇 李家湾村", "清河镇 王家坪村"]


@pytest.mark.parametrize(("form_class", "name"), VILLAGE_FORMS[:2])
def test_a_village_cadre_is_offered_only_its_own_village(personas, form_class, name):
    assert offered(form_class(user=personas.village_x), name) == ["城关镇 张家沟村"]


def test_funds_drop_downs_follow_the_funds_permissions(personas):
    # Township staff record projects of their villages but do not allocate.
    assert offered(ProjectForm(user=personas.township_a), "villages") == ["城关镇 张家沟村", "城关镇 李家湾村"]
    assert offered(AllocationForm(user=personas.township_a), "village") == []


def test_the_project_form_page_lists_the_villages_to_choose(client_for, personas, areas):
    # The 实施村 list used to render empty: the Chinese empty-label pass had
    # frozen its choices before the form gave it its villages.
    page = client_for(personas.township_a).get(reverse("funds:project_create")).content.decode()
    villages = page.split('name="villages"')[1].split("</select>")[0]
    assert f'<option value="{areas.village_x.pk}">城关镇 张家沟村</option>' in villages
    assert f'<option value="{areas.village_y.pk}">城关镇 李家湾村</option>' in villages
    assert "王家坪村" not in villages


def test_a_village_of_another_township_does_not_validate(personas, areas):
    form = HouseholdForm(data={"village": areas.village_z.pk}, user=personas.township_a)
    assert not form.is_valid()
    assert "选择一个有效的选项" in str(form.errors["village"])


def test_a_field_not_yet_given_its_user_offers_nothing(personas):
    field = AreaChoiceField(label="村", level="village")
    assert list(field.queryset) == []
    field.offer_to(personas.township_a)
    assert [a.name for a in field.queryset] == ["张家沟村", "李家湾村"]


def test_annual_targets_have_a_row_per_township_of_the_user_in_code_order(personas):
    assert [t.name for t in TargetsForm(user=personas.county_admin, year=2024).townships] == ["城关镇", "清河镇"]
    assert TargetsForm(user=personas.township_a, year=2024).townships == []

