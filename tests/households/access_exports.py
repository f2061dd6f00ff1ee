"""Access-matrix entries for /exports/: the index and one URL per ledger.

Export URLs take no object: the ledger's identifier is part of the URL
name, so each case probes the user's own area (always in scope). Scope
itself, an area filter outside the user's reach (404), is tested in
tests/households/test_exports.py. Every registered ledger is listed, so a
new one (funds, projects, exits) is probed without an entry of its own.
"""

from povertyrelief.exports import exporters
from povertyrelief.models import ROLE_ACTIONS
from tests.access import PERSONAS, Case

ROLES = {
    "county_admin": "county_admin",
    "county_viewer": "county_viewer",
    "township_a": "township",
    "village_x": "village",
    "auditor": "auditor",
    "outsider": "township",
}


def allowed(action: str) -> set:
    return {persona for persona in PERSONAS if action in ROLE_ACTIONS[ROLES[persona]]}


CASES = {"exports:index": Case(allowed("export"))}
CASES.update({f"exports:{key}": Case(allowed(cls.action)) for key, cls in exporters().items()})
