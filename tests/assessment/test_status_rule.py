"""销号 is the only way into 已脱贫: the Django admin shows 脱贫状态 and
脱贫年度 read-only, a township or village user's household edit cannot set
them, and only a county administrator's registry edit still can."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from households.models import Household
from povertyrelief.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_admin_site_cannot_change_the_status(client_for, areas, households):
    superuser = make_user("root", Role.COUNTY_ADMIN, areas.county, is_staff=True, is_superuser=True)
    client = client_for(superuser)
    url = reverse("admin:households_household_change", args=[households.x.pk])
    page = client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="exit_year"' not in page
    assert "脱贫状态" in page  # shown, read-only


def test_a_village_edit_cannot_mark_a_household_exited(client_for, personas, households):
    from households.services.registry import household_update

    household = Household.objects.get(pk=households.x.pk)
    household.status, household.exit_year = "1", 2024
    with pytest.raises(PermissionDenied):
        household_update(actor=personas.village_x, household=household, expected_version=household.version)
    households.x.refresh_from_db()
    assert households.x.status == "0"
