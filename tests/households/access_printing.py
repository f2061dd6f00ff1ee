"""Access-matrix entries for 明白卡, batch printing, the print queue, 公示
lists and the PDF ledgers.

The batch and 公示 pages take their area from the query string, which the
matrix cannot vary: probed without one they show their chooser to every
viewer. Their scope (another area's village is a 404) is tested in
tests/households/test_printing_views.py.
"""

from django.urls import NoReverseMatch, reverse

from povertyrelief.exports import exporters
from tests.access import CHANGERS, VIEWERS, Case
from tests.households.access_exports import allowed

CASES = {
    "households:household_card_pdf": Case(VIEWERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    # 打印登记: POST only, by a role that keeps households.
    "households:household_card_printed": Case(
        CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z, post=True
    ),
    "households:card_batch": Case(VIEWERS),
    "households:print_queue": Case(VIEWERS),
    "households:publicity_pdf": Case(VIEWERS),
}


def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


# Each ledger's PDF twin (/exports/<identifier>.pdf), once the export URLs
# carry them, probed like the Excel file: the user's own area.
CASES.update(
    {f"exports:{key}_pdf": Case(allowed(cls.action)) for key, cls in exporters().items() if _has_url(f"exports:{key}_pdf")}
)
