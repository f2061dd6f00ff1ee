"""Access-matrix entries for the battle map and the quality finder.

A map's URL names its area by the 12-digit code: village X (township A) is
in scope for the county, township A and village X; township B only for the
county and the outsider. The finder and the targets page take no object
(the finder's area filter is tested in test_map_scope.py)."""

from tests.access import MANAGERS, VIEWERS, Case


def _code(area):
    return (area.code,)


CASES = {
    "dashboard:map": Case(VIEWERS, in_x=lambda c: _code(c.areas.village_x), in_b=lambda c: _code(c.areas.township_b)),
    "dashboard:map_xlsx": Case(VIEWERS, in_x=lambda c: _code(c.areas.village_x), in_b=lambda c: _code(c.areas.township_b)),
    "dashboard:target_edit": Case(MANAGERS),
    "dashboard:quality": Case(VIEWERS),
}
