"""Funds factories: sources, projects at a stage, allocations, disbursements,
built through the services (so their running totals are right)."""

from datetime import date
from decimal import Decimal

import pytest

from funds import services
from funds.models import STAGE_ORDER, AllocationTarget, FundLevel, FundSource, Project, ProjectStage
from povertyrelief.models import Role
from tests.conftest import make_user

ISSUED = date(2024, 3, 1)


@pytest.fixture
def second_admin(areas):
    """A second county administrator: the checker for the first one's entries."""
    return make_user("admin2", Role.COUNTY_ADMIN, areas.county)


def refreshed(obj):
    """The object as the database now holds it."""
    obj.refresh_from_db()
    return obj


def make_source(actor, amount="100000.00", *, area=None, year=2024, level=FundLevel.CENTRAL, name="中央财政衔接推进乡村振兴补助资金"):
    source = FundSource(
        area=area, year=year, level=level, name=name, document_number=f"陕财办农〔{year}〕{FundSource.objects.count() + 1}号",
        amount=Decimal(amount), budget_subject="2130599 其他扶贫支出", issued_date=ISSUED,
    )
    return services.source_save(actor=actor, source=source)


def make_project(actor, villages, *, stage=ProjectStage.APPROVED, name="张家沟村产业路硬化", budget="80000.00", approver=None):
    project = Project(
        year=2024, name=name, project_type="road", construction_nature="new", responsible_unit="城关镇人民政府",
        budget=Decimal(budget), performance_target="硬化道路 2 公里，受益群众满意度 ≥ 95%", beneficiary_households=30,
        beneficiary_people=96,
    )
    services.project_save(actor=actor, project=project, villages=villages, day=ISSUED)
    day = ISSUED
    for next_stage in STAGE_ORDER[1 : STAGE_ORDER.index(stage) + 1]:
        who = approver if services.STAGE_ACTION[next_stage] == "fund_manage" and approver else actor
        services.project_advance(actor=who, project=project, day=day)
    return project


def make_allocation(actor, source, project, amount="50000.00"):
    return services.allocation_create(
        actor=actor, source=source, target=AllocationTarget.PROJECT, project=project, amount=Decimal(amount), day=ISSUED,
        document_number="秦财农〔2024〕8号",
    )


def record(actor, allocation, amount="1000.00", **extra):
    disbursement, created = services.disbursement_record(
        actor=actor, allocation=allocation, amount=Decimal(amount), day=extra.pop("day", date(2024, 4, 1)),
        payee=extra.pop("payee", "秦川县路桥工程有限公司"), voucher_number=extra.pop("voucher_number", "记-0001"), **extra,
    )
    return disbursement


@pytest.fixture
def funds(personas, areas, second_admin):
    """A county source of 100,000 元, an approved project in village X and one
    in village Z, 50,000 元 allocated to each."""
    admin = personas.county_admin
    source = make_source(admin)
    project_x = make_project(admin, [areas.village_x])
    project_z = make_project(admin, [areas.village_z], name="王家坪村安全饮水巩固提升")
    allocation_x = make_allocation(admin, source, project_x)
    allocation_z = make_allocation(admin, source, project_z)
    return type(
        "Funds", (),
        dict(source=source, project_x=project_x, project_z=project_z, allocation_x=allocation_x, allocation_z=allocation_z),
    )
