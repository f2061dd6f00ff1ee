"""帮扶责任人, 帮扶结对 and 走访记录 in the view-access matrix."""

from datetime import date

from tests.access import CHANGERS, VIEWERS, Case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _cadre(area, name="测干部"):
    from households.models import Cadre

    return Cadre.objects.create(name=name, unit=f"{area.name}政府", unit_level="乡镇", phone="13900000000", area=area)


def _assignment(household, area):
    from households.models import Assignment

    return Assignment.objects.create(household=household, cadre=_cadre(area), start_date=date(2024, 1, 1))


def _visit(household, area):
    from django.core.files.base import ContentFile

    from households.models import Visit

    visit = Visit(household=household, cadre=_cadre(area), date=date(2024, 3, 1), content="入户走访")
    visit.photo.save("p.png", ContentFile(PNG), save=False)
    visit.save()
    return visit


CASES = {
    "households:cadre_list": Case(VIEWERS),
    "households:cadre_create": Case(CHANGERS),
    # The cadre picker's search; what it finds is scoped (test_cadre_picker.py).
    "households:cadre_options": Case(VIEWERS),
    # A cadre registered in village X / township B.
    "households:cadre_detail": Case(
        VIEWERS, in_x=lambda c: _cadre(c.areas.village_x), in_b=lambda c: _cadre(c.areas.township_b)
    ),
    "households:cadre_update": Case(
        CHANGERS, in_x=lambda c: _cadre(c.areas.village_x), in_b=lambda c: _cadre(c.areas.township_b)
    ),
    "households:assignment_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:assignment_bulk": Case(CHANGERS),
    "households:assignment_end": Case(
        CHANGERS,
        in_x=lambda c: _assignment(c.households.x, c.areas.village_x),
        in_b=lambda c: _assignment(c.households.z, c.areas.township_b),
    ),
    "households:households_without_cadre": Case(VIEWERS),
    "households:visit_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:visit_photo": Case(
        VIEWERS,
        in_x=lambda c: _visit(c.households.x, c.areas.village_x),
        in_b=lambda c: _visit(c.households.z, c.areas.township_b),
    ),
}
