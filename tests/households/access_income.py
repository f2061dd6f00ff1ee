"""收入测算 and 年度标准 in the view-access matrix."""

from tests.access import CHANGERS, MANAGERS, Case


def _income(household):
    from households.models import Income

    return Income.objects.create(household=household, year=2024, household_size=1)


def _standard(ctx):
    from households.models import AnnualStandard

    return AnnualStandard.objects.get(year=2020, province="陕西省")


CASES = {
    "households:income_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:income_update": Case(
        CHANGERS, in_x=lambda c: _income(c.households.x), in_b=lambda c: _income(c.households.z)
    ),
    # County-wide settings: the role decides, there is no area to be outside of.
    "households:standard_list": Case(MANAGERS),
    "households:standard_create": Case(MANAGERS),
    "households:standard_update": Case(MANAGERS, in_x=_standard),
}
