"""Rules kept by the database, and reported next to the field they are
about wherever a record is checked (a form, or a service's full_clean)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from households.models import AnnualStandard, Member
from households.services.income import standard_save
from households.services.registry import member_save

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [{"grain_cost_rate": Decimal("1.20")}, {"other_cost_rate": Decimal("-0.10")}, {"monitoring_line": Decimal("3000.00")}],
)
def test_the_database_refuses_a_standard_out_of_range_whoever_writes_it(changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualStandard.objects.filter(year=2021).update(**changes)


def test_a_standard_out_of_range_is_refused_by_the_service_naming_the_field(personas):
    standard = AnnualStandard.objects.get(year=2021)
    standard.livestock_cost_rate = Decimal("1.50")
    with pytest.raises(ValidationError) as refused:
        standard_save(actor=personas.county_admin, standard=standard)
    assert refused.value.message_dict["livestock_cost_rate"] == ["畜禽养殖成本系数应在0到1之间（如0.40表示40%）。"]


def test_a_members_work_months_and_disability_grade_are_refused_on_their_fields(personas, households):
    member = Member.objects.get(household=households.x)
    member.work_months, member.disability_grade = 13, "二级"
    with pytest.raises(ValidationError) as refused:
        member_save(actor=personas.village_x, member=member, expected_version=member.version)
    errors = refused.value.message_dict
    assert errors["work_months"] == ["务工时间为0到12个月。"]
    assert errors["disability_grade"] == ["只有健康状况为“残疾”时才能填写残疾等级。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(work_months=13)
