"""Access-matrix entries for the second-factor pages."""

from tests.access import EVERYONE, MANAGERS, Case

CASES = {
    "login_code": Case(EVERYONE, public=True),  # the login's code step; without a password step it goes back to login
    "two_factor": Case(EVERYONE),
    # Roles that must keep the second factor cannot turn it off.
    "two_factor_disable": Case(EVERYONE - {"county_admin"}, post=True),
    "user_reset_two_factor": Case(MANAGERS, in_x=lambda c: c.personas.village_x, in_b=lambda c: c.personas.outsider),
}
