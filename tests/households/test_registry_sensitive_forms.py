"""Edit forms never hold a full ID or bank account: the input starts empty
with the masked value as its placeholder, a blank keeps the old value, and
the full value is shown only through the logged reveal."""

import pytest
from django.urls import reverse

from households.models import Household
from povertyrelief.models import PersonalDataAccess
from tests.conftest import IDS
from tests.households.test_registry_households import CREATE, create_form, edit_form
from tests.households.test_registry_members import add_member, member_form

pytestmark = pytest.mark.django_db

BANK = "6217001234567890123"
NEW_BANK = "6228489876543210987"


def member_url(member):
    return reverse("households:member_update", args=[member.pk])


def household_url(household):
    return reverse("households:household_update", args=[household.pk])


@pytest.fixture
def banked(households):
    Household.objects.filter(pk=households.x.pk).update(bank_account=BANK, bank_name="农村信用社")
    households.x.refresh_from_db()
    return households.x


class TestMemberForm:
    def test_the_form_shows_the_id_masked_and_the_input_empty(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        response = client_for(personas.village_x).get(member_url(member))
        page = response.content.decode()
        assert IDS[3] not in page
        assert 'placeholder="610499********0041（不修改请留空）"' in page
        assert response.context["form"]["id_number"].value() in ("", None)
        assert reverse("households:member_reveal_id", args=[member.pk]) in page
        assert not PersonalDataAccess.objects.exists()

    def test_a_blank_id_keeps_the_old_one(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        response = client_for(personas.village_x).post(
            member_url(member), member_form(id_number="", health="长期慢性病", version=member.version)
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert (member.id_number, member.health) == (IDS[3], "长期慢性病")

    def test_typing_a_new_id_replaces_it(self, client_for, personas, households):
        member = add_member(households.x, "张小军", IDS[3])
        client_for(personas.village_x).post(member_url(member), member_form(id_number=IDS[4], version=member.version))
        member.refresh_from_db()
        assert member.id_number == IDS[4] and member.birth_date.year == 1952

    def test_the_heads_id_is_masked_for_a_county_admin_too(self, client_for, personas, households):
        member = households.x.members.get()
        page = client_for(personas.county_admin).get(member_url(member)).content.decode()
        assert IDS[0] not in page and "610499********0011" in page

    def test_the_create_form_still_takes_a_full_id(self, client_for, personas, households):
        page = client_for(personas.village_x).get(reverse("households:member_create", args=[households.x.pk])).content.decode()
        assert "不修改请留空" not in page
        response = client_for(personas.village_x).post(reverse("households:member_create", args=[households.x.pk]), member_form())
        assert response.status_code == 302
        assert households.x.members.filter(id_number=IDS[3]).exists()


class TestHouseholdForm:
    def test_the_form_shows_the_bank_account_masked_and_the_input_empty(self, client_for, personas, banked):
        response = client_for(personas.village_x).get(household_url(banked))
        page = response.content.decode()
        assert BANK not in page
        assert 'placeholder="621700*********0123（不修改请留空）"' in page
        assert response.context["form"]["bank_account"].value() in ("", None)
        assert reverse("households:household_reveal_bank", args=[banked.pk]) in page

    def test_a_blank_bank_account_keeps_the_old_one(self, client_for, personas, banked):
        response = client_for(personas.village_x).post(household_url(banked), edit_form(banked, bank_account="", address="新址"))
        assert response.status_code == 302
        banked.refresh_from_db()
        assert (banked.bank_account, banked.address) == (BANK, "新址")

    def test_typing_a_new_bank_account_replaces_it(self, client_for, personas, banked):
        client_for(personas.village_x).post(household_url(banked), edit_form(banked, bank_account=NEW_BANK))
        banked.refresh_from_db()
        assert banked.bank_account == NEW_BANK

    def test_the_create_form_still_takes_a_bank_account(self, client_for, personas, areas):
        response = client_for(personas.village_x).post(CREATE, create_form(areas.village_x, bank_account=BANK))
        assert response.status_code == 302
        assert Household.objects.get(number="6104991012010077").bank_account == BANK


class TestRevealBank:
    def reveal(self, client, household, **extra):
        return client.post(reverse("households:household_reveal_bank", args=[household.pk]), **extra)

    def test_it_shows_the_full_account_and_logs_the_reveal(self, client_for, personas, banked):
        response = self.reveal(client_for(personas.village_x), banked)
        assert response.status_code == 200 and BANK in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        record = PersonalDataAccess.objects.get()
        assert (record.user, record.kind, record.what) == (personas.village_x, "reveal", "银行账号")
        assert "张建国" in record.object_repr

    def test_htmx_gets_only_the_fragment(self, client_for, personas, banked):
        body = self.reveal(client_for(personas.township_a), banked, headers={"HX-Request": "true"}).content.decode()
        assert body.startswith(f'<span id="household-bank-{banked.pk}"') and BANK in body and "<html" not in body

    def test_viewer_is_refused_out_of_scope_is_404_and_get_does_nothing(self, client_for, personas, banked, households):
        assert self.reveal(client_for(personas.county_viewer), banked).status_code == 403
        assert self.reveal(client_for(personas.outsider), banked).status_code == 404
        assert client_for(personas.village_x).get(reverse("households:household_reveal_bank", args=[banked.pk])).status_code == 405
        assert not PersonalDataAccess.objects.exists()
