from tests.access import EVERYONE, Case

# /healthz is for monitors: no sign-in (tests/test_health.py).
CASES = {"healthz": Case(EVERYONE, public=True)}
