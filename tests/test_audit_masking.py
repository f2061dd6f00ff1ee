"""The audit trail never shows a full ID, bank or disability certificate
number: not on the auditor's pages, not in a record's change history. The
full value is only seen through the logged reveal."""

import pytest
from auditlog.models import LogEntry
from django.template.loader import render_to_string
from django.urls import reverse

from households.models import Member
from households.services.registry import household_update, member_save
from povertyrelief.audit import history_for
from povertyrelief.models import PersonalDataAccess
from tests.conftest import IDS

pytestmark = pytest.mark.django_db

BANK_OLD, BANK_NEW = "6217001234567890123", "6228489876543210987"
CERT = "61049920100607004142"


@pytest.fixture
def changed(personas, households):
    """A member whose ID was corrected, and a household whose bank account changed."""
    member = Member(household=households.x, name="张小军", id_number=IDS[3], relation="之子", disability_cert_number=CERT)
    member_save(actor=personas.village_x, member=member)
    member.id_number = IDS[4]
    member_save(actor=personas.village_x, member=member)
    household = households.x
    household.refresh_from_db()
    household.bank_account = BANK_OLD
    household_update(actor=personas.village_x, household=household, expected_version=household.version)
    household.refresh_from_db()
    household.bank_account = BANK_NEW
    household_update(actor=personas.village_x, household=household, expected_version=household.version)
    return type("Changed", (), dict(member=member, household=household))


FULL_VALUES = (IDS[3], IDS[4], BANK_OLD, BANK_NEW, CERT)


def assert_masked(page: str) -> None:
    for value in FULL_VALUES:
        assert value not in page
    assert "（已记录查看）" not in page


def entries(obj, action):
    return LogEntry.objects.get_for_object(obj).filter(action=action)


def test_auditor_sees_an_id_change_masked_before_and_after(client_for, personas, changed):
    entry = entries(changed.member, LogEntry.Action.UPDATE).get()
    page = client_for(personas.auditor).get(reverse("audit_entry", args=[entry.pk])).content.decode()
    assert_masked(page)
    assert "证件号码" in page
    assert "610499********0041" in page and "610499********005X" in page


def test_auditor_sees_a_new_members_numbers_masked(client_for, personas, changed):
    entry = entries(changed.member, LogEntry.Action.CREATE).get()
    page = client_for(personas.auditor).get(reverse("audit_entry", args=[entry.pk])).content.decode()
    assert_masked(page)
    assert "610499********0041" in page and "6104****" in page  # ID and 残疾证号


def test_auditor_sees_bank_accounts_masked(client_for, personas, changed):
    entry = entries(changed.household, LogEntry.Action.UPDATE).order_by("pk").last()
    page = client_for(personas.auditor).get(reverse("audit_entry", args=[entry.pk])).content.decode()
    assert_masked(page)
    assert "银行账号" in page and "621700*********0123" in page and "622848*********0987" in page


def test_the_audit_list_names_changed_fields_without_values(client_for, personas, changed):
    page = client_for(personas.auditor).get(reverse("audit_log")).content.decode()
    assert_masked(page)
    assert "证件号码" in page and "银行账号" in page
    assert not PersonalDataAccess.objects.exists()


def test_household_page_history_masks_ids_banks_and_certificates(client_for, personas, changed):
    page = client_for(personas.county_admin).get(reverse("households:household_detail", args=[changed.household.pk])).content.decode()
    history = page.split('id="history"')[1]
    assert_masked(history)
    assert "张小军·残疾证号" in history and "6104****" in history
    assert "610499********005X" in history and "622848*********0987" in history


def test_record_history_template_masks_audit_entries(personas, changed):
    html = render_to_string("generic/_history.html", {"history": history_for(changed.member)})
    assert_masked(html)
    assert "610499********0041" in html and "610499********005X" in html

