"""脱贫状态 and 脱贫年度 are set directly only by county administrators: other
roles' forms do not offer them, and neither a crafted POST nor a direct
service call changes them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from households.models import Household
from households.services.registry import household_create, household_update
from tests.households.test_registry_households import CREATE, create_form, edit_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["township_a", "village_x"])
def test_the_create_form_offers_status_only_to_county_admins(client_for, personas, persona):
    form = client_for(getattr(personas, persona)).get(CREATE).context["form"]
    assert "status" not in form.fields and "exit_year" not in form.fields
    admin_form = client_for(personas.county_admin).get(CREATE).context["form"]
    assert "status" in admin_form.fields and "exit_year" in admin_form.fields


def test_a_township_user_posting_status_on_create_registers_a_poor_household(client_for, personas, areas):
    response = client_for(personas.township_a).post(CREATE, create_form(areas.village_x, status="4", exit_year="2020"))
    assert response.status_code == 302
    household = Household.objects.get(number="6104991012010077")
    assert (household.status, household.exit_year) == ("0", None)


def test_a_county_admin_registers_a_household_with_its_status(client_for, personas, areas):
    response = client_for(personas.county_admin).post(CREATE, create_form(areas.village_x, status="1", exit_year="2020"))
    assert response.status_code == 302
    household = Household.objects.get(number="6104991012010077")
    assert (household.status, household.exit_year) == ("1", 2020)


def test_a_township_user_posting_status_on_edit_changes_nothing(client_for, personas, households):
    url = reverse("households:household_update", args=[households.x.pk])
    response = client_for(personas.township_a).post(url, edit_form(households.x, status="4", exit_year="2020", address="新址"))
    assert response.status_code == 302
    households.x.refresh_from_db()
    assert (households.x.status, households.x.exit_year, households.x.address) == ("0", None, "新址")


class TestService:
    def test_update_refuses_a_status_change_by_anyone_but_a_county_admin(self, personas, households):
        household = households.x
        household.status, household.exit_year = "1", 2020
        with pytest.raises(PermissionDenied, match="只有县级管理员"):
            household_update(actor=personas.township_a, household=household, expected_version=household.version)
        household.refresh_from_db()
        assert (household.status, household.exit_year) == ("0", None)

    def test_create_refuses_a_status_by_anyone_but_a_county_admin(self, personas, areas):
        household = Household(
            village=areas.village_x, number="N1", identification_year=2016, attribute="一般贫困户", main_cause="因病",
            status="1", exit_year=2020,
        )
        from households.models import Member

        with pytest.raises(PermissionDenied, match="只有县级管理员"):
            household_create(actor=personas.village_x, household=household, head=Member(name="甲", disability_cert_number="C1"))
        assert not Household.objects.exists()

    def test_a_county_admin_may_correct_the_status(self, personas, households):
        household = households.x
        household.status, household.exit_year = "1", 2020
        household_update(actor=personas.county_admin, household=household, expected_version=household.version)
        household.refresh_from_db()
        assert (household.status, household.exit_year, household.version) == ("1", 2020, 2)
