"""Personas and factories shared by every test.

Personas: county admin, county viewer, township A staff, village X cadre
(village X lies in township A), auditor, and an outsider (township B staff).
"""

import os
from datetime import date

import pytest
from django.db import connection

from povertyrelief.models import Role, User
from villages.models import Area, AreaLevel, WorkTeam

PASSWORD = "Correct-Horse-9"


def pytest_collection_modifyitems(config, items):
    require = os.environ.get("REQUIRE_POSTGRES") == "1"
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    postgres_items = [item for item in items if item.get_closest_marker("postgres")]
    if require and (not on_postgres or not postgres_items):
        raise pytest.UsageError("REQUIRE_POSTGRES=1 但未在 PostgreSQL 上运行 PostgreSQL 专属测试")
    if not on_postgres:
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in postgres_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Transactional tests empty tables with TRUNCATE between tests; the audit
    table refuses TRUNCATE unless the connection opts in (migration 0005)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        options = database.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c povertyrelief.allow_audit_truncate=on").strip()


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


def make_area(code: str, name: str, parent=None, **extra) -> Area:
    level = AreaLevel.COUNTY if code.endswith("000000") else AreaLevel.TOWNSHIP if code.endswith("000") else AreaLevel.VILLAGE
    return Area.objects.create(code=code, name=name, level=level, parent=parent, **extra)


@pytest.fixture
def areas(db):
    county = make_area("610499000000", "秦川县")
    township_a = make_area("610499101000", "城关镇", county)
    township_b = make_area("610499102000", "清河镇", county)
    village_x = make_area("610499101201", "张家沟村", township_a, rural_population=1200)
    village_y = make_area("610499101202", "李家湾村", township_a, rural_population=900)
    village_z = make_area("610499102201", "王家坪村", township_b, rural_population=800)
    return type(
        "Areas",
        (),
        dict(county=county, township_a=township_a, township_b=township_b, village_x=village_x, village_y=village_y, village_z=village_z),
    )


def make_user(username: str, role: Role, area: Area, **extra) -> User:
    user = User(username=username, role=role, area=area, last_name="测", first_name="试" + username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def personas(areas):
    return type(
        "Personas",
        (),
        dict(
            county_admin=make_user("admin1", Role.COUNTY_ADMIN, areas.county),
            county_viewer=make_user("viewer1", Role.COUNTY_VIEWER, areas.county),
            township_a=make_user("zhen_a", Role.TOWNSHIP, areas.township_a),
            village_x=make_user("cun_x", Role.VILLAGE, areas.village_x),
            auditor=make_user("audit1", Role.AUDITOR, areas.county),
            outsider=make_user("zhen_b", Role.TOWNSHIP, areas.township_b),
        ),
    )


@pytest.fixture
def work_teams(areas):
    def team(village, unit):
        return WorkTeam.objects.create(
            village=village,
            dispatching_unit=unit,
            leader_name="赵队长",
            leader_phone="13800000001",
            first_secretary_name="钱书记",
            first_secretary_phone="13800000002",
            start_date=date(2023, 3, 1),
        )

    return type(
        "Teams", (), dict(x=team(areas.village_x, "县财政局"), y=team(areas.village_y, "县教育局"), z=team(areas.village_z, "县水利局"))
    )


@pytest.fixture
def client_for(client):
    """Log a persona in (force_login: the login form itself is tested separately)."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture(autouse=True)
def force_login_passes_second_factor(request, monkeypatch):
    """The test client's force_login stands in for the whole login, code step
    included: county administrators get an authenticator and a verified
    session. The real login (password, then code) is tested in
    tests/test_two_factor*.py; a test asking for ``real_second_factor`` gets
    the plain force_login."""
    if "real_second_factor" not in request.fixturenames:
        from django.test.client import ClientMixin

        from tests.two_factor_helpers import force_login_with_second_factor

        monkeypatch.setattr(ClientMixin, "force_login", force_login_with_second_factor)


@pytest.fixture
def real_second_factor():
    """force_login leaves the second factor alone (see above)."""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_household(village, number: str, head_name: str, head_id: str, **extra):
    """A household with its 户主 written directly (no audit, no service)."""
    from households.models import Household, Member

    defaults = dict(
        identification_year=2016, attribute="一般贫困户", main_cause="因病", status="0",
        housing_safety="安全", safe_drinking_water=True, head_name=head_name, member_count=1,
    )
    defaults.update(extra)
    household = Household.objects.create(village=village, number=number, **defaults)
    from households.rules import birth_from_id

    birth, sex = birth_from_id(head_id)
    Member.objects.create(
        household=household, name=head_name, id_number=head_id, relation="户主", birth_date=birth, sex=sex,
        medical_insurance=True, serious_illness_insurance=True,
    )
    return household


# Valid resident IDs (GB 11643-1999 check characters) for tests.
IDS = ['610499196505120011', '610499197003150020', '610499198811230031', '610499201006070041', '61049919521201005X']


@pytest.fixture
def households(areas):
    return type(
        "Households",
        (),
        dict(
            x=make_household(areas.village_x, "6104991012010001", "张建国", IDS[0]),
            y=make_household(areas.village_y, "6104991012020001", "李秀英", IDS[1]),
            z=make_household(areas.village_z, "6104991022010001", "王德福", IDS[2]),
        ),
    )


@pytest.fixture(autouse=True)
def jobs_run_immediately(settings, tmp_path):
    """Background jobs run inline in tests; their files go to a temp folder."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
