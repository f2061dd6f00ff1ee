"""Access matrix entries for /funds/: every page and action, anonymous, no
permission (403), out of area (404) and in area. Objects "in X" are a
social donation to village X, a project of village X and the money sent
there; objects "in B" the same in village Z (township B)."""

from datetime import date
from decimal import Decimal

from tests.access import MANAGERS, VIEWERS, Case

# fund_record: county administrators and township staff.
RECORDERS = {"county_admin", "township_a", "outsider"}


def _source(ctx, village):
    from funds import services
    from funds.models import FundSource

    return services.source_save(
        actor=ctx.personas.county_admin,
        source=FundSource(
            area=village, year=2024, level="donation", name=f"{village.name}社会捐赠", document_number="捐〔2024〕1号",
            amount=Decimal("20000.00"), issued_date=date(2024, 3, 1),
        ),
    )


def _project(ctx, village, stage="approved"):
    from tests.funds.conftest import make_project

    return make_project(ctx.personas.county_admin, [village], stage=stage, name=f"{village.name}产业路")


def _allocation(ctx, village):
    from tests.funds.conftest import make_allocation

    return make_allocation(ctx.personas.county_admin, _source(ctx, village), _project(ctx, village), "10000.00")


def _pending(ctx, village):
    from tests.funds.conftest import record

    return record(ctx.personas.county_admin, _allocation(ctx, village), "500.00")


def _confirmed(ctx, village):
    from funds import services
    from tests.conftest import make_user

    entry = _pending(ctx, village)
    checker = make_user(f"checker{entry.pk}", "county_admin", ctx.areas.county)
    return services.disbursement_confirm(actor=checker, disbursement=entry)


def _x(build, **extra):
    return lambda c: build(c, c.areas.village_x, **extra)


def _b(build, **extra):
    return lambda c: build(c, c.areas.village_z, **extra)


CASES = {
    "funds:ledger": Case(VIEWERS),
    "funds:source_list": Case(VIEWERS),
    "funds:source_create": Case(MANAGERS),
    "funds:source_detail": Case(VIEWERS, in_x=_x(_source), in_b=_b(_source)),
    "funds:source_update": Case(MANAGERS, in_x=_x(_source), in_b=_b(_source)),
    "funds:project_list": Case(VIEWERS),
    "funds:project_create": Case(RECORDERS),
    "funds:project_detail": Case(VIEWERS, in_x=_x(_project), in_b=_b(_project)),
    "funds:project_update": Case(RECORDERS, in_x=_x(_project, stage="reserve"), in_b=_b(_project, stage="reserve")),
    "funds:project_advance": Case(RECORDERS, in_x=_x(_project), in_b=_b(_project)),
    "funds:project_publicity_pdf": Case(VIEWERS, in_x=_x(_project, stage="reserve"), in_b=_b(_project, stage="reserve")),
    "funds:allocation_list": Case(VIEWERS),
    "funds:allocation_create": Case(MANAGERS),
    "funds:allocation_detail": Case(VIEWERS, in_x=_x(_allocation), in_b=_b(_allocation)),
    "funds:allocation_update": Case(MANAGERS, in_x=_x(_allocation), in_b=_b(_allocation)),
    "funds:allocation_cancel": Case(MANAGERS, in_x=_x(_allocation), in_b=_b(_allocation)),
    "funds:disbursement_list": Case(VIEWERS),
    "funds:disbursement_create": Case(RECORDERS, in_x=_x(_allocation), in_b=_b(_allocation)),
    "funds:disbursement_detail": Case(VIEWERS, in_x=_x(_pending), in_b=_b(_pending)),
    "funds:disbursement_confirm": Case(MANAGERS, in_x=_x(_pending), in_b=_b(_pending)),
    "funds:disbursement_reject": Case(MANAGERS, in_x=_x(_pending), in_b=_b(_pending)),
    # Only the maker may withdraw a pending entry: anyone else's is a 404.
    "funds:disbursement_withdraw": Case(
        RECORDERS, in_x=_x(_pending), in_b=_b(_pending), sees_x={"county_admin"}, sees_b={"county_admin"}
    ),
    "funds:disbursement_reverse": Case(RECORDERS, in_x=_x(_confirmed), in_b=_b(_confirmed)),
}
