"""The project library: 绩效目标 to enter, stages in order, dated, by the
right role, inside the actor's area."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from funds import services
from funds.models import Project, ProjectStage, ProjectStep
from tests.funds.conftest import ISSUED, make_project

pytestmark = pytest.mark.django_db


def new_project(**extra) -> Project:
    values = dict(
        year=2024, name="李家湾村光伏电站", project_type="industry", construction_nature="new", responsible_unit="城关镇人民政府",
        budget="300000.00", performance_target="年发电收益 3 万元，带动 40 户增收",
    )
    values.update(extra)
    return Project(**values)


def test_a_project_without_a_performance_target_cannot_enter_the_library(personas, areas):
    with pytest.raises(ValidationError, match="没有绩效目标的项目不能入库"):
        services.project_save(actor=personas.township_a, project=new_project(performance_target="  "), villages=[areas.village_y])
    assert not Project.objects.exists()


def test_township_staff_propose_a_project_in_their_villages(personas, areas):
    project = services.project_save(actor=personas.township_a, project=new_project(), villages=[areas.village_x, areas.village_y], day=ISSUED)
    assert project.stage == ProjectStage.RESERVE and project.stage_date == ISSUED
    assert project.area == areas.township_a  # two villages of one township
    step = ProjectStep.objects.get(project=project)
    assert (step.stage, step.actor, step.date) == (ProjectStage.RESERVE, personas.township_a, ISSUED)


def test_villages_outside_the_actors_area_are_refused(personas, areas):
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.project_save(actor=personas.township_a, project=new_project(), villages=[areas.village_z])
    with pytest.raises(PermissionDenied):
        services.project_save(actor=personas.village_x, project=new_project(), villages=[areas.village_x])


def test_stages_follow_in_order_each_dated_with_its_actor(personas, areas):
    project = make_project(personas.township_a, [areas.village_x], stage=ProjectStage.RESERVE)
    # Approval is the county's: township staff are refused.
    with pytest.raises(PermissionDenied):
        services.project_advance(actor=personas.township_a, project=project, day=ISSUED)
    services.project_advance(actor=personas.county_admin, project=project, day=date(2024, 3, 10))
    with pytest.raises(ValidationError, match="实施日期不能早于批准日期 2024-03-10"):
        services.project_advance(actor=personas.township_a, project=project, day=date(2024, 3, 9))
    services.project_advance(actor=personas.township_a, project=project, day=date(2024, 4, 1))
    services.project_advance(actor=personas.township_a, project=project, day=date(2024, 9, 30))
    services.project_advance(actor=personas.county_admin, project=project, day=date(2024, 10, 15))
    project.refresh_from_db()
    assert project.stage == ProjectStage.ACCEPTED
    steps = list(ProjectStep.objects.filter(project=project).order_by("date").values_list("stage", "actor__username"))
    assert steps == [
        ("reserve", "zhen_a"), ("approved", "admin1"), ("in_progress", "zhen_a"), ("completed", "zhen_a"), ("accepted", "admin1"),
    ]
    with pytest.raises(ValidationError, match="没有后续环节"):
        services.project_advance(actor=personas.county_admin, project=project, day=date(2024, 10, 16))


def test_a_step_cannot_be_dated_in_the_future(personas, areas):
    project = make_project(personas.township_a, [areas.village_x], stage=ProjectStage.RESERVE)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.project_advance(actor=personas.county_admin, project=project, day=timezone.localdate() + timedelta(days=1))


def test_only_a_project_in_reserve_can_be_edited(personas, areas):
    project = make_project(personas.township_a, [areas.village_x], stage=ProjectStage.APPROVED, approver=personas.county_admin)
    project.name = "改名"
    with pytest.raises(ValidationError, match="只有储备阶段的项目可以修改"):
        services.project_save(actor=personas.township_a, project=project, villages=[areas.village_x])


def test_out_of_area_staff_cannot_advance_a_project(personas, areas):
    project = make_project(personas.township_a, [areas.village_x], stage=ProjectStage.APPROVED, approver=personas.county_admin)
    with pytest.raises(PermissionDenied):
        services.project_advance(actor=personas.outsider, project=project, day=date(2024, 4, 1))
