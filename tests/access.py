"""Shared vocabulary of the view-access matrix (tests/test_access_matrix.py).

An app adds its views in ``tests/<app>/access_<area>.py`` as ``CASES = {url
name: Case(...)}``. ``in_x`` builds an object in village X (township A),
``in_b`` one in township B; either may return ``(obj, *more)`` for URLs with
several arguments (pk values are taken from objects). Lambdas get a ``ctx``
with ``areas``, ``personas``, ``teams`` and ``households`` (x, y, z).
"""

from dataclasses import dataclass
from typing import Callable

PERSONAS = ["county_admin", "county_viewer", "township_a", "village_x", "auditor", "outsider"]
VIEWERS = {"county_admin", "county_viewer", "township_a", "village_x", "outsider"}
CHANGERS = {"county_admin", "township_a", "village_x", "outsider"}
MANAGERS = {"county_admin"}
REVEALERS = {"county_admin", "township_a", "village_x", "outsider"}
AUDITORS = {"auditor"}
EVERYONE = set(PERSONAS)


@dataclass
class Case:
    allowed: set
    # Objects for the URL: one in village X (township A), one in township B.
    in_x: Callable | None = None
    in_b: Callable | None = None
    public: bool = False
    # POST-only views are probed with an empty POST; in scope they may
    # answer 200 (form errors) or 302 (done), never change anything else.
    post: bool = False
    # Views that stream a file or redirect by design list their OK codes.
    ok_codes: tuple = (200,)
    # Who reaches the in_x / in_b objects when not everyone in their area
    # does (a job is its requester's alone); None: SEES_X / SEES_B.
    sees_x: set | None = None
    sees_b: set | None = None


# Where each persona's area reaches: objects in village X / township B.
SEES_X = {"county_admin", "county_viewer", "township_a", "village_x", "auditor"}
SEES_B = {"county_admin", "county_viewer", "outsider", "auditor"}
