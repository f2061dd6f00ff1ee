"""“下一环节” on the monitoring list and the household page appears only to
the level whose step is next, and opens for them (never a 403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Monitoring
from households.services.monitoring import monitoring_advance, monitoring_save

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def case(personas, households):
    return monitoring_save(
        actor=personas.village_x,
        monitoring=Monitoring(
            household=households.x, object_type="边缘易致贫户", risk_description="务工收入中断",
            signal_kind="干部排查", signal_date=TODAY - timedelta(days=10),
        ),
    )


def step_links(client, case):
    """The "下一环节" targets on the monitoring list and on the household page."""
    found = []
    for url in (reverse("households:monitoring_list"), reverse("households:household_detail", args=[case.household_id])):
        page = client.get(url).content.decode()
        assert "务工收入中断" in page or "边缘易致贫户" in page
        found += [name for name in ("monitoring_step", "monitoring_township", "monitoring_county")
                  if f'href="{reverse(f"households:{name}", args=[case.pk])}"' in page]
    return found


def test_a_case_waiting_for_the_village_links_the_village_step_only_for_the_village(client_for, personas, case):
    assert step_links(client_for(personas.village_x), case) == ["monitoring_step", "monitoring_step"]
    assert step_links(client_for(personas.township_a), case) == []
    assert step_links(client_for(personas.county_admin), case) == []


def test_a_case_waiting_for_the_township_links_its_review_only_for_the_township(client_for, personas, case):
    for days in (9, 8, 7, 2):  # 入户核查, 民主评议, 公示开始, 公示期满
        monitoring_advance(actor=personas.village_x, monitoring=case, day=TODAY - timedelta(days=days))
    assert step_links(client_for(personas.village_x), case) == []
    assert step_links(client_for(personas.county_admin), case) == []
    township = client_for(personas.township_a)
    assert step_links(township, case) == ["monitoring_township", "monitoring_township"]
    assert township.get(reverse("households:monitoring_township", args=[case.pk])).status_code == 200
