"""Access matrix entries for the household list, page, forms and members."""

from tests.access import CHANGERS, REVEALERS, VIEWERS, Case
from tests.conftest import IDS


def _second_member(household, id_number):
    """A non-head member, so leave and make-head show their real forms."""
    from households.models import Member
    from households.rules import birth_from_id

    birth, sex = birth_from_id(id_number)
    return Member.objects.create(household=household, name="成员乙", id_number=id_number, relation="之子", birth_date=birth, sex=sex)


def _head(household):
    return household.members.first()


CASES = {
    "households:household_list": Case(VIEWERS),
    "households:household_search_id": Case(VIEWERS, post=True),
    "households:household_create": Case(CHANGERS),
    "households:household_detail": Case(VIEWERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:household_update": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:member_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:member_update": Case(CHANGERS, in_x=lambda c: _head(c.households.x), in_b=lambda c: _head(c.households.z)),
    "households:member_leave": Case(
        CHANGERS, in_x=lambda c: _second_member(c.households.x, IDS[3]), in_b=lambda c: _second_member(c.households.z, IDS[4])
    ),
    "households:member_make_head": Case(
        CHANGERS, in_x=lambda c: _second_member(c.households.x, IDS[3]), in_b=lambda c: _second_member(c.households.z, IDS[4])
    ),
    "households:member_reveal_id": Case(
        REVEALERS, in_x=lambda c: _head(c.households.x), in_b=lambda c: _head(c.households.z), post=True
    ),
    "households:household_reveal_bank": Case(
        REVEALERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z, post=True
    ),
}
