"""Every URL, every persona: anonymous → login, no permission → 403, out of
scope → 404, in scope → 200. A new URL without an entry here fails the suite."""

import importlib
import pkgutil

import pytest
from auditlog.models import LogEntry
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.access import AUDITORS, CHANGERS, EVERYONE, MANAGERS, PERSONAS, SEES_B, SEES_X, VIEWERS, Case

def _audit_entry(ctx):
    return LogEntry.objects.first()


CASES: dict[str, Case] = {
    "home": Case(EVERYONE),
    "login": Case(EVERYONE, public=True),
    "logout": Case(EVERYONE, public=True),  # POST only; GET is 405 for all
    "password_change": Case(EVERYONE),
    "user_list": Case(MANAGERS),
    "user_create": Case(MANAGERS),
    "user_update": Case(MANAGERS, in_x=lambda c: c.personas.village_x, in_b=lambda c: c.personas.outsider),
    "user_reset_password": Case(MANAGERS, in_x=lambda c: c.personas.village_x, in_b=lambda c: c.personas.outsider),
    "audit_log": Case(AUDITORS),
    "audit_entry": Case(AUDITORS, in_x=_audit_entry),
    "login_log": Case(AUDITORS),
    "villages:area_list": Case(VIEWERS),
    "villages:area_detail": Case(VIEWERS, in_x=lambda c: c.areas.village_x, in_b=lambda c: c.areas.village_z),
    "villages:area_update": Case(MANAGERS, in_x=lambda c: c.areas.village_x),
    "villages:area_import": Case(MANAGERS),
    "villages:workteam_list": Case(VIEWERS),
    "villages:workteam_create": Case(CHANGERS),
    "villages:workteam_detail": Case(VIEWERS, in_x=lambda c: c.teams.x, in_b=lambda c: c.teams.z),
    "villages:workteam_update": Case(CHANGERS, in_x=lambda c: c.teams.x, in_b=lambda c: c.teams.z),
    "villages:workteam_delete": Case(CHANGERS, in_x=lambda c: c.teams.x, in_b=lambda c: c.teams.z),
}


def _collect_app_cases():
    """Each app's tests add their views in tests/<app>/access_*.py (CASES dict)."""
    for package in pkgutil.walk_packages(tests.__path__, "tests."):
        if package.name.rsplit(".", 1)[-1].startswith("access_"):
            module = importlib.import_module(package.name)
            overlap = set(module.CASES) & set(CASES)
            assert not overlap, f"{package.name} redefines {overlap}"
            CASES.update(module.CASES)


_collect_app_cases()


def all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_is_in_the_access_matrix():
    missing = all_url_names() - set(CASES)
    assert not missing, f"views missing from the access matrix: {sorted(missing)}"


@pytest.fixture
def ctx(areas, personas, work_teams, households):
    # One audited change so the audit entry view has something to show.
    work_teams.x.leader_name = "孙队长"
    work_teams.x.save()
    return type("Ctx", (), dict(areas=areas, personas=personas, teams=work_teams, households=households))


def _url(name, obj):
    if obj is None:
        return reverse(name)
    if isinstance(obj, tuple):  # (object, extra URL args) for nested URLs
        return reverse(name, args=[o.pk if hasattr(o, "pk") else o for o in obj])
    return reverse(name, args=[obj.pk])


@pytest.mark.parametrize("name", sorted(CASES))
def test_anonymous_is_sent_to_login(client, ctx, name):
    case = CASES[name]
    if case.public:
        return
    obj = case.in_x(ctx) if case.in_x else None
    response = client.post(_url(name, obj)) if case.post else client.get(_url(name, obj))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_persona_gets_403_404_or_the_page(client, ctx, name, persona):
    case = CASES[name]
    if case.public:
        return
    client.force_login(getattr(ctx.personas, persona), backend="django.contrib.auth.backends.ModelBackend")
    targets = []
    if case.in_x:
        targets.append((case.in_x(ctx), persona in (SEES_X if case.sees_x is None else case.sees_x)))
        if case.in_b:
            targets.append((case.in_b(ctx), persona in (SEES_B if case.sees_b is None else case.sees_b)))
    else:
        targets.append((None, True))
    for obj, in_scope in targets:
        url = _url(name, obj)
        response = client.post(url) if case.post else client.get(url)
        if persona not in case.allowed:
            expected = (403,)
        elif not in_scope:
            expected = (404,)
        else:
            expected = (200, 302) if case.post else case.ok_codes
        assert response.status_code in expected, (name, persona, obj, response.status_code)


def test_village_cadre_gets_404_for_a_neighbouring_village_in_its_own_township(client, ctx):
    client.force_login(ctx.personas.village_x, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("villages:workteam_detail", args=[ctx.teams.y.pk])).status_code == 404
    assert client.get(reverse("villages:area_detail", args=[ctx.areas.village_y.pk])).status_code == 404
    assert client.get(reverse("villages:area_detail", args=[ctx.areas.township_a.pk])).status_code == 404


def test_logout_takes_post_and_ends_the_session(client, ctx):
    client.force_login(ctx.personas.township_a, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_page_is_public_and_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "用户登录" in response.content.decode()
