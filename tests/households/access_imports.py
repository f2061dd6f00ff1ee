from tests.access import CHANGERS, Case

# Importing writes households, so it needs "change"; the county viewer and
# the auditor get 403. Neither page shows an object, so there is no 404 case.
CASES = {
    "households:import_upload": Case(CHANGERS),
    "households:import_template": Case(CHANGERS),
}
