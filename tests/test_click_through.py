"""People of every role clicking through the demo county: no server error, no
link the app renders that leads nowhere, and no other area's households.

Each demo account logs in and walks the same-site ``<a href>`` links
breadth-first from the home page. Pages are grouped by URL pattern (a few
of each: detail pages, filtered and paged lists) and capped per role; file
downloads (PDF, Excel, exports, attachments) are requested once of each kind
per role, not crawled. Every failure of a role is reported together.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.core.signals import got_request_exception
from django.db import transaction
from django.urls import Resolver404, resolve

from households.models import Cadre, Household, Member
from povertyrelief.demo import seed_demo
from povertyrelief.models import User
from povertyrelief.permissions import area_code_prefix
from villages.models import WorkTeam

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 300
PAGES_PER_ROLE = 300
PAGES_PER_PATTERN = 2
QUERY_VARIANTS_PER_PATH = 2
SKIPPED_PREFIXES = ("/static/", "/media/", "/admin/")
SKIPPED_NAMES = {"logout"}
FILE_NAMES = {"job_download": "file", "households:attachment_download": "file", "households:visit_photo": "file"}
OK_PAGE = {200, 301, 302, 303}
OK_FILE = {200, 302}
# One account of each role in the demo county (see var/demo-accounts.tsv).
ROLES = ["county_admin", "county_viewer", "auditor", "zhen01", "cun0101"]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def file_kind(path: str, url_name: str, query: str = "") -> str | None:
    """What kind of file a link downloads, told from its URL alone; None for a page."""
    if url_name in FILE_NAMES:
        return FILE_NAMES[url_name]
    if url_name == "households:card_batch" and "area=" in query:
        return "pdf"  # a village's cards as one PDF
    if path.endswith(".pdf"):
        return "pdf"
    if path.endswith((".xlsx", "/xlsx/")):
        return "xlsx"
    if path.startswith("/exports/") and path != "/exports/":
        return "export"
    return None


@dataclass
class Crawl:
    role: str
    pages: int = 0
    files: dict = field(default_factory=dict)  # kind of file -> the URL fetched
    failures: list = field(default_factory=list)  # (status, url, linked from, exception)
    html: list = field(default_factory=list)  # (url, text) of every HTML page
    patterns: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _internal(base: str, href: str) -> str | None:
    """The path and query an href leads to on this site, or None."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http", "https"):
        return None
    return urlunsplit(("", "", parts.path or "/", parts.query, ""))


class Walker:
    """Breadth-first over the links a role sees, then one download of each
    kind found. ``tried_files`` (URL names of downloads earlier roles fetched)
    spreads the downloads over as many different files as possible."""

    def __init__(self, client, role: str, tried_files: set[str]):
        self.client, self.tried_files = client, tried_files
        self.result = Crawl(role=role)
        self.errors: list[str] = []
        self.queue: deque[tuple[str, str]] = deque([("/", "(start)")])
        self.seen = {"/"}
        self.per_path: Counter = Counter()
        self.downloads: dict[str, list[tuple[str, str, str]]] = {}

    def record_exception(self, sender, request=None, **kwargs):
        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")

    def fetch(self, url: str, referrer: str, ok: set[int]):
        del self.errors[:]
        response = self.client.get(url)
        self.result.pages += 1
        if response.status_code not in ok:
            self.result.failures.append((response.status_code, url, referrer, "; ".join(self.errors)))
            return None
        return response

    def follow(self, url: str, href: str) -> None:
        """Queue a link found on ``url`` unless it leaves the site, was seen,
        is a download (kept for later) or its pattern had its share."""
        target = _internal(url, href)
        if target is None or target in self.seen:
            return
        self.seen.add(target)
        path, query = urlsplit(target)[2:4]
        if path.startswith(SKIPPED_PREFIXES):
            return
        try:
            name = resolve(path).view_name
        except Resolver404:
            self.result.failures.append((404, target, url, "no URL pattern matches"))
            return
        if name in SKIPPED_NAMES:
            return
        kind = file_kind(path, name, query)
        if kind:
            self.downloads.setdefault(kind, []).append((target, url, name))
            return
        if query:
            if self.per_path[path] >= QUERY_VARIANTS_PER_PATH:
                return
            self.per_path[path] += 1
        if self.result.patterns[name] >= PAGES_PER_PATTERN:
            return
        self.result.patterns[name] += 1
        self.queue.append((target, url))

    def visit(self, url: str, referrer: str) -> None:
        response = self.fetch(url, referrer, OK_PAGE)
        if response is None:
            return
        if response.status_code in (301, 302, 303):
            self.follow(url, response["Location"])
        elif "text/html" in response.get("Content-Type", ""):
            text = response.content.decode()
            self.result.html.append((url, text))
            for href in links_of(text):
                self.follow(url, href)

    def run(self) -> Crawl:
        got_request_exception.connect(self.record_exception)
        self.client.raise_request_exception = False
        started = time.monotonic()
        try:
            while self.queue and self.result.pages < PAGES_PER_ROLE:
                self.visit(*self.queue.popleft())
            for kind, candidates in sorted(self.downloads.items()):
                url, referrer, name = next((c for c in candidates if c[2] not in self.tried_files), candidates[0])
                self.tried_files.add(name)
                self.result.files[kind] = url
                self.fetch(url, referrer, OK_FILE)
        finally:
            got_request_exception.disconnect(self.record_exception)
        self.result.seconds = time.monotonic() - started
        return self.result


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """The demo county (small), seeded once for every role and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(households=HOUSEHOLDS, seed=7, log=lambda *a: None, showcase=True)
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def tried_files():
    return set()


def _person_names() -> list[str]:
    """Every person's name the registry keeps, as text a page could show."""
    names = list(Member.objects.values_list("name", flat=True))
    names += Cadre.objects.values_list("name", flat=True)
    names += [u.last_name + u.first_name for u in User.objects.only("last_name", "first_name")]
    for team in WorkTeam.objects.all():
        names += [team.leader_name, team.first_secretary_name, team.members]
    return names


def distinctive_heads(households, *, count: int) -> list[str]:
    """Heads whose name shows up nowhere else (no namesake, not part of a
    longer name), a few from each area in turn."""
    names = _person_names()
    picked: dict[int, list[str]] = {}
    for household in households.order_by("number"):
        name = household.head_name
        if len(name) >= 3 and sum(name in other for other in names) == 1:
            picked.setdefault(household.village.parent_id, []).append(name)
    spread = [name for group in zip(*picked.values()) for name in group] if len(picked) > 1 else sum(picked.values(), [])
    return spread[:count]


def report(result: Crawl) -> str:
    lines = [f"{result.role}: {len(result.failures)} failing of {result.pages} requests"]
    lines += [f"  {status} {url}  (linked from {referrer}) {error}" for status, url, referrer, error in result.failures]
    return "\n".join(lines)


@pytest.mark.parametrize("username", ROLES)
def test_every_link_a_role_sees_works(demo_county, tried_files, client, username):
    """No 500, no link to a 403 or 404, every download 200 or 302; a
    township or village user meets no household head of another area."""
    user = User.objects.get(username=username)
    client.force_login(user)
    result = Walker(client, username, tried_files).run()
    print(f"\n{username}: {result.pages} requests, {len(result.html)} pages, {len(result.patterns)} URL patterns, "
          f"files {sorted(result.files)}, {result.seconds:.1f} s")
    assert not result.failures, report(result)
    # The walk went past the home page (the auditor has only the logs and their export).
    if username == "auditor":
        assert len(result.html) >= 5 and "export" in result.files
    else:
        assert len(result.html) >= 50 and {"pdf", "xlsx", "export"} <= set(result.files)

    if user.area.level == "county":
        return
    own = Household.objects.filter(village__code__startswith=area_code_prefix(user.area))
    others = Household.objects.exclude(pk__in=own).select_related("village")
    foreign = distinctive_heads(others, count=8)
    assert len(foreign) >= 4
    leaks = [(name, url) for name in foreign for url, text in result.html if name in text]
    assert not leaks, f"{username} sees households of other areas: {leaks}"
    # The same check finds the role's own households on the pages it walked.
    mine = distinctive_heads(own.select_related("village"), count=50)
    assert any(name in text for name in mine for _, text in result.html)

