"""The fund ledger pages as a reader pages through them: the totals count
the rows the pages hold, cancelled allocations are in neither, and a
measures allocation over two townships shows each township its own shares."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from funds import services
from funds.models import AllocationMeasure
from tests.funds.conftest import make_allocation, make_project, make_source

pytestmark = pytest.mark.django_db


def test_the_pages_hold_as_many_rows_as_the_totals_count(client_for, personas, areas):
    admin = personas.county_admin
    source = make_source(admin, "10000000.00")
    project = make_project(admin, [areas.village_x])
    allocations = [make_allocation(admin, source, project, "100.00") for _ in range(53)]
    services.allocation_cancel(actor=admin, allocation=allocations[0], reason="重复分配")
    client = client_for(admin)
    url = reverse("funds:ledger") + "?by=allocation"
    first = client.get(url)
    assert first.context["totals"]["rows"] == 52
    assert first.context["totals"]["allocated"] == Decimal("5200.00")
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(url + "&page=2")
    assert len(second.context["page_obj"]) == 2
    shown = {a.pk for a in first.context["page_obj"]} | {a.pk for a in second.context["page_obj"]}
    assert shown == {a.pk for a in allocations[1:]}
    by_source = client.get(reverse("funds:ledger") + "?by=source")
    assert by_source.context["totals"]["rows"] == 1 and len(by_source.context["page_obj"]) == 1


def test_each_township_sees_its_own_shares_of_a_measures_allocation(client_for, personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    in_a = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    in_b = Measure.objects.create(household=households.z, year=2024, category=category, content="雨露计划补助", amount=1000)
    allocation = services.allocation_create(
        actor=personas.county_admin, source=make_source(personas.county_admin, "10000.00"), target="measures",
        measures=[in_a, in_b], day=date(2024, 5, 1),
    )
    assert allocation.area.level == "county"  # two townships
    villages = dict(AllocationMeasure.objects.filter(allocation=allocation).values_list("measure", "village"))
    assert villages == {in_a.pk: households.x.village_id, in_b.pk: households.z.village_id}
    url = reverse("funds:ledger") + "?by=measure"
    for persona, measure, amount in ((personas.township_a, in_a, "3000.00"), (personas.outsider, in_b, "1000.00")):
        page = client_for(persona).get(url)
        assert [row.measure_id for row in page.context["page_obj"]] == [measure.pk]
        assert (page.context["totals"]["rows"], page.context["totals"]["allocated"]) == (1, Decimal(amount))
    county = client_for(personas.county_viewer).get(url)
    assert county.context["totals"]["allocated"] == Decimal("4000.00")
    assert client_for(personas.village_x).get(url + f"&village={households.x.village_id}").context["totals"]["rows"] == 1
