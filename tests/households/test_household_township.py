"""Household.township follows the household's village on every write path,
so the list's township filter (which reads it) never disagrees with the
village shown on the row."""

import pytest
from django.db import connection
from django.urls import reverse

from households.models import Household, Member
from households.services.registry import household_create, household_update
from households.township import drop_township_triggers, ensure_township_triggers
from tests.conftest import IDS, make_household
from tests.households.test_import_households import person, run
from tests.households.test_registry_list import rows, valid_id

pytestmark = pytest.mark.django_db

LIST = reverse("households:household_list")


def township_of(household) -> int | None:
    return Household.objects.filter(pk=household.pk).values_list("township_id", flat=True).get()


def new_household(village, number="6104991012019999", **extra):
    fields = dict(
        village=village, number=number, identification_year=2016, attribute="一般贫困户", main_cause="因病",
        housing_safety="安全", safe_drinking_water=True,
    )
    fields.update(extra)
    return Household(**fields)


def test_households_written_directly_carry_their_township(areas, households):
    assert township_of(households.x) == areas.township_a.pk
    assert township_of(households.z) == areas.township_b.pk


def test_registering_through_the_service(personas, areas):
    head = Member(name="孙建设", id_number=IDS[3], relation="户主")
    household = household_create(actor=personas.township_a, household=new_household(areas.village_y), head=head)
    assert township_of(household) == areas.township_a.pk


def test_moving_a_household_to_another_townships_village(client_for, personas, areas, households):
    household = Household.objects.get(pk=households.x.pk)
    household.village = areas.village_z
    household_update(actor=personas.county_admin, household=household, expected_version=household.version)
    assert township_of(household) == areas.township_b.pk
    client = client_for(personas.county_admin)
    assert rows(client.get(LIST, {"township": areas.township_b.pk})) == [households.x.number, households.z.number]
    assert rows(client.get(LIST, {"township": areas.township_a.pk})) == [households.y.number]


def test_moving_within_the_township_keeps_it(personas, areas, households):
    household = Household.objects.get(pk=households.x.pk)
    household.village = areas.village_y
    household_update(actor=personas.township_a, household=household, expected_version=household.version)
    assert township_of(household) == areas.township_a.pk


def test_queryset_update_and_bulk_create(areas, households):
    Household.objects.filter(pk=households.y.pk).update(village=areas.village_z)
    assert township_of(households.y) == areas.township_b.pk
    created = Household.objects.bulk_create([
        new_household(areas.village_x, "6104991012010101"), new_household(areas.village_z, "6104991022010101"),
    ])
    assert [township_of(h) for h in created] == [areas.township_a.pk, areas.township_b.pk]


def test_a_stale_township_in_memory_is_not_written_back(areas, households):
    household = Household.objects.get(pk=households.x.pk)
    household.village = areas.village_z  # township_id still says township A
    household.save()
    assert township_of(household) == areas.township_b.pk
    Household.objects.filter(pk=household.pk).update(township=areas.township_a)
    assert township_of(household) == areas.township_b.pk


def test_the_roster_import(personas, areas):
    report = run(personas.county_admin, rows=[
        person("H001", "张三", valid_id(801)),
        person("H002", "王五", valid_id(802), village="王家坪村", township="清河镇"),
    ])
    assert report.ok, report.errors
    by_number = dict(Household.objects.values_list("number", "township_id"))
    assert by_number == {"H001": areas.township_a.pk, "H002": areas.township_b.pk}


def test_a_village_moved_to_another_township_takes_its_households(client_for, personas, areas, households):
    village = areas.village_y
    village.parent = areas.township_b
    village.save()
    assert township_of(households.y) == areas.township_b.pk
    assert township_of(households.x) == areas.township_a.pk
    client = client_for(personas.county_admin)
    assert rows(client.get(LIST, {"township": areas.township_b.pk})) == [households.y.number, households.z.number]


def test_the_triggers_come_back_after_migrate_if_a_table_rebuild_dropped_them(areas):
    with connection.cursor() as cursor:
        drop_township_triggers(cursor, connection.vendor)
    ensure_township_triggers(using="default")
    household = make_household(areas.village_z, "6104991022010077", "周七", valid_id(803))
    assert township_of(household) == areas.township_b.pk
