import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from povertyrelief.demo import seed_demo
from povertyrelief.models import Role, User
from villages.models import Area, WorkTeam

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "fupin.county.example",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:////tmp/deploy-check.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_production_collects_every_static_file_with_its_references(tmp_path):
    """The deployment's collectstatic post-processes CSS and JS references; a
    vendored file naming a file that is not shipped (a source map) stops it."""
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="fupin.county.example",
                         STATIC_ROOT=str(tmp_path / "static"), DEBUG="0")
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def production_env(**extra) -> dict:
    """The environment of a server nobody configured for development: no
    DEBUG, and not inside a pytest run."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PYTEST_VERSION", "SECRET_KEY"}}
    return {**env, **extra}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_debug_is_off_unless_the_environment_turns_it_on():
    show = ("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert manage(*show, env=production_env(SECRET_KEY=secrets.token_urlsafe(50))).stdout.strip() == "False"
    assert manage(*show, env=production_env(DEBUG="1")).stdout.strip() == "True"
    # Unset DEBUG is production: it needs its secret key like DEBUG=0 does.
    result = manage("check", env=production_env())
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_an_unconfigured_debug_passes_the_deploy_check():
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="fupin.county.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/deploy-check.sqlite3"),
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr


def test_the_makefile_runs_its_targets_with_debug_on_unless_told_otherwise(tmp_path):
    probe = tmp_path / "probe.mk"
    probe.write_text(f"include {ROOT / 'Makefile'}\nprobe:\n\t@echo \"DEBUG=$$DEBUG\"\n", encoding="utf-8")
    run = lambda env: subprocess.run(  # noqa: E731
        ["make", "-s", "-f", str(probe), "probe"], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout.strip()
    assert run(production_env()) == "DEBUG=1"
    assert run(production_env(DEBUG="0")) == "DEBUG=0"


def test_seed_demo_refuses_to_run_with_debug_off(tmp_path):
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = manage("seed_demo", "--households", "0", env=env)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr and "--force" in result.stderr and "拒绝生成演示数据" in result.stderr


@pytest.mark.django_db
def test_seed_demo_runs_with_debug_on_or_when_forced(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="拒绝生成演示数据"):
        call_command("seed_demo", "--households", "0")
    assert not Area.objects.exists()
    call_command("seed_demo", "--households", "0", "--force", stdout=io.StringIO())
    assert Area.objects.filter(level="township").count() == 11
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)  # what make run calls
    assert "跳过" in out.getvalue()


def test_time_zone_language_and_static_assets_are_local():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.LANGUAGE_CODE == "zh-hans"
    for asset in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js", "vendor/htmx/htmx.min.js", "fonts/NotoSansSC-Regular.ttf"):
        assert finders.find(asset), asset


def test_bundled_font_covers_rare_name_characters():
    from fontTools.ttLib import TTFont

    cmap = TTFont(finders.find("fonts/NotoSansSC-Regular.ttf")).getBestCmap()
    for char in "堃喆燊犇淼鑫秦川县":
        assert ord(char) in cmap, char


def test_templates_load_nothing_from_other_hosts():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, template


@pytest.mark.django_db
def test_seed_demo_builds_the_county_and_accounts(tmp_path):
    demo = seed_demo(households=0, seed=7, log=lambda *a: None)
    assert Area.objects.filter(level="township").count() == 11
    assert Area.objects.filter(level="village").count() == 161
    assert WorkTeam.objects.filter(end_date__isnull=True).count() == 161
    roles = {role: User.objects.filter(role=role).count() for role in Role}
    assert roles[Role.COUNTY_ADMIN] == 1 and roles[Role.COUNTY_VIEWER] == 1 and roles[Role.AUDITOR] == 1
    assert roles[Role.TOWNSHIP] == 11
    two_townships = Area.objects.filter(level="village", parent__in=demo.townships[:2]).count()
    assert roles[Role.VILLAGE] == two_townships
    for username, password, role, code, name in demo.accounts:
        user = User.objects.get(username=username)
        assert user.area.code == code and user.area.name == name and user.get_role_display() == role
    from povertyrelief.demo import write_accounts_file

    path = write_accounts_file(demo, tmp_path / "demo-accounts.tsv")
    first = path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert len(first) == 5 and first[0] == "county_admin"


@pytest.mark.django_db
def test_seed_demo_is_deterministic():
    seed_demo(households=0, seed=11, log=lambda *a: None)
    first = list(Area.objects.order_by("code").values_list("code", "name", "rural_population"))
    WorkTeam.objects.all().delete()
    User.objects.all().delete()
    Area.objects.filter(level="village").delete()
    Area.objects.filter(level="township").delete()
    Area.objects.all().delete()
    seed_demo(households=0, seed=11, log=lambda *a: None)
    assert list(Area.objects.order_by("code").values_list("code", "name", "rural_population")) == first
