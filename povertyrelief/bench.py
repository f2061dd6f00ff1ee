"""Server-side timings of the pages people wait on, at county scale.

``manage.py bench`` fills an empty database with the demo county (150,000
households by default, reused when already there) and runs the benchmarks
below. Each benchmark is a named function that takes the ``BenchContext`` and
prints its own rows; add one by appending to ``BENCHMARKS``. Timings are the
time Django takes to answer a request through the test client (middleware,
view, queries, template), without a network or a browser.
"""

from __future__ import annotations

import math
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

DEFAULT_HOUSEHOLDS = 150_000
DEFAULT_REPEAT = 30
DEFAULT_WARMUP = 3
PAGE_SIZE = 50  # the household list's and the admin's page size
LABEL_WIDTH = 52
CELL_WIDTH = 12


class BenchError(Exception):
    """The benchmark cannot run on this database, with the reason in Chinese."""


@dataclass
class Timing:
    label: str
    seconds: list[float]
    queries: int | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        # Nearest rank: with few runs this is the slowest one, never an interpolation.
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


@dataclass
class BenchContext:
    repeat: int
    warmup: int
    out: Callable[[str], None]
    results: dict[str, Timing] = field(default_factory=dict, init=False)
    _clients: dict[str, Client] = field(default_factory=dict, init=False)
    _header_due: bool = field(default=True, init=False)

    # --- output ----------------------------------------------------------

    def section(self, title: str) -> None:
        """Start a benchmark's block; its table header comes before its first row."""
        self.out("")
        self.out(title)
        self._header_due = True

    def row(self, label: str, *cells: str) -> None:
        if self._header_due:
            self._header_due = False
            self.out(_pad("项目", LABEL_WIDTH) + _pad("中位数", CELL_WIDTH) + _pad("P95", CELL_WIDTH) + "查询数")
            self.out("-" * (LABEL_WIDTH + 2 * CELL_WIDTH + 8))
        self.out(_pad(label, LABEL_WIDTH) + "".join(_pad(c, CELL_WIDTH) for c in cells[:-1]) + (cells[-1] if cells else ""))

    def report(self, timing: Timing) -> Timing:
        self.results[timing.label] = timing
        queries = f"{timing.queries} 条" if timing.queries is not None else "—"
        self.row(timing.label, f"{timing.median_ms:.1f} ms", f"{timing.p95_ms:.1f} ms", queries)
        return timing

    def ratio(self, label: str, numerator: Timing, denominator: Timing) -> None:
        self.row(label, f"{numerator.median_ms / denominator.median_ms:.2f} 倍", f"{numerator.p95_ms / denominator.p95_ms:.2f} 倍", "")

    # --- measuring -------------------------------------------------------

    def client(self, user) -> Client:
        """A logged-in test client per user, reused across benchmarks; a role
        that needs a second factor is signed in as its code would have done."""
        if user.username not in self._clients:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            _verify_second_factor(client, user)
            self._clients[user.username] = client
        return self._clients[user.username]

    def timed(self, label: str, action: Callable[[], object], *, count_queries: bool = True) -> Timing:
        """Time ``action`` ``repeat`` times after ``warmup`` untimed runs,
        then count its queries in one more run; prints and keeps the row."""
        for _ in range(self.warmup):
            action()
        seconds = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            action()
            seconds.append(time.perf_counter() - started)
        queries = None
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                action()
            queries = len(captured)
        return self.report(Timing(label, seconds, queries))

    def page(self, label: str, user, url: str) -> Timing:
        """Time a GET of ``url`` as ``user``; anything but 200 stops the run."""
        client = self.client(user)

        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise BenchError(f"{label}：{url} 返回 {response.status_code}，应为 200。")
            return response

        return self.timed(label, get)


def _verify_second_factor(client: Client, user) -> None:
    """Mark the session verified by the user's authenticator (one is added
    for a bench user whose role requires it), as the login's code step does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from . import two_factor

    if not two_factor.otp_required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# --- data and users ----------------------------------------------------------


def ensure_demo_data(*, households: int, seed: int, log: Callable[[str], None]) -> None:
    """Seed the demo county into an empty database; reuse one that already
    holds at least ``households`` households; refuse anything in between."""
    from households.models import Household
    from povertyrelief.demo import seed_demo
    from villages.models import Area

    existing = Household.objects.count()
    if existing >= households:
        log(f"沿用数据库中已有的 {existing} 户。")
        return
    if Area.objects.exists():
        raise BenchError(
            f"数据库已有数据但只有 {existing} 户，少于 {households} 户：请换一个空数据库（或删除基准数据库文件）后重新运行。"
        )
    log(f"数据库为空，生成演示县：{households} 户……")
    started = time.perf_counter()
    seed_demo(households=households, seed=seed, log=log)
    log(f"演示数据生成用时 {time.perf_counter() - started:.0f} s")


def county_admin():
    from povertyrelief.models import Role, User
    from villages.models import Area, AreaLevel

    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    user = (
        User.objects.filter(role=Role.COUNTY_ADMIN, area=county, is_active=True, must_change_password=False)
        .order_by("pk")
        .first()
    )
    if user is None:
        user = User.objects.create_user("bench_county_admin", role=Role.COUNTY_ADMIN, area=county, last_name="测", first_name="试")
    return user


def superuser():
    """The admin's reference user, created in the bench database if missing."""
    from povertyrelief.models import Role, User
    from villages.models import Area, AreaLevel

    user = User.objects.filter(is_superuser=True, is_active=True, is_staff=True, must_change_password=False).order_by("pk").first()
    if user is None:
        county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
        user = User.objects.create_superuser(
            "bench_superuser", email="", password=None, role=Role.COUNTY_ADMIN, area=county, last_name="测", first_name="试"
        )
    return user


def busiest_township():
    """The first township by code: with the demo data it holds about a tenth of the county."""
    from villages.models import Area, AreaLevel

    return Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code").first()


# --- benchmarks ----------------------------------------------------------------


def bench_household_list(ctx: BenchContext) -> None:
    """One township's list (page 2 and the last page, newest identification
    first), the ID search and name and 户编号 searches, each against the
    tuned Django admin showing the same rows (povertyrelief/bench_search.py)."""
    from .bench_search import bench_household_list as run

    run(ctx)


def bench_household_detail(ctx: BenchContext) -> None:
    """The household page (一户一档) of the largest household in that township."""
    from households.models import Household

    household = (
        Household.objects.filter(village__parent=busiest_township()).order_by("-member_count", "pk").first()
    )
    if household is None:
        raise BenchError("数据库中没有贫困户。")
    counts = f"{household.member_count} 人，{household.measures.count()} 条措施，{household.incomes.count()} 年收入"
    ctx.page(f"贫困户详情页（{counts}）", county_admin(), household.get_absolute_url())


@dataclass
class Benchmark:
    name: str
    title: str
    run: Callable[[BenchContext], None]


def bench_export_members(ctx: BenchContext) -> None:
    """家庭成员明细 export against a bare XlsxWriter loop (each in its own process)."""
    from .bench_exports import bench_export_members as run

    run(ctx)


def bench_cards_pdf(ctx: BenchContext) -> None:
    """200 明白卡 in one PDF against a bare WeasyPrint render of the same HTML."""
    from .bench_pdf import bench_cards_pdf as run

    run(ctx)


def bench_household_import(ctx: BenchContext) -> None:
    """家庭成员 import of 15,000 households / 50,000 people in its own process, rolled back."""
    from households.bench_import import bench_in_suite

    bench_in_suite(ctx)


def bench_funds_ledger(ctx: BenchContext) -> None:
    """The fund ledger page (county and one township) and check_ledger."""
    from funds.bench import bench_funds_ledger as run

    run(ctx)


def bench_battle_map(ctx: BenchContext) -> None:
    """The battle map of the county, a township and a village, and the quality finder."""
    from dashboard.bench import bench_battle_map as run

    run(ctx)


BENCHMARKS: list[Benchmark] = [
    Benchmark("household_list", "贫困户列表与查找（身份证号、姓名、户编号），与 Django admin 对照", bench_household_list),
    Benchmark("household_detail", "贫困户详情页", bench_household_detail),
    Benchmark("export_members", "家庭成员明细导出与裸写入对照", bench_export_members),
    Benchmark("cards_pdf", "明白卡批量打印与纯 WeasyPrint 对照", bench_cards_pdf),
    Benchmark("household_import", "家庭成员导入（15000 户、50000 人，全部校验，测完回滚）", bench_household_import),
    Benchmark("funds_ledger", "资金台账（全县、一个乡镇）与 check_ledger", bench_funds_ledger),
    Benchmark("battle_map", "挂图作战（全县、一个乡镇、一个村）与数据质量计数", bench_battle_map),
]


def run(*, households: int, repeat: int, warmup: int, only: list[str] | None = None, seed: int = 2020,
        out: Callable[[str], None] = print) -> BenchContext:
    """Seed if needed, then run the chosen benchmarks (all by default) and print a table."""
    from households.models import Household, Member

    unknown = set(only or []) - {b.name for b in BENCHMARKS}
    if unknown:
        raise BenchError(f"没有这些基准测试：{'、'.join(sorted(unknown))}；可选：{'、'.join(b.name for b in BENCHMARKS)}")
    ensure_demo_data(households=households, seed=seed, log=out)
    ctx = BenchContext(repeat=repeat, warmup=warmup, out=out)
    database = settings.DATABASES["default"]
    out(
        f"数据库：{connection.vendor} {database.get('NAME')}；贫困户 {Household.objects.count()} 户，"
        f"现有成员 {Member.objects.current().count()} 人；每项 {repeat} 次（先预热 {warmup} 次）"
    )
    # As in production: no query log kept in memory, and the test client's host accepted.
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for benchmark in BENCHMARKS:
            if only and benchmark.name not in only:
                continue
            ctx.section(f"== {benchmark.name}：{benchmark.title}")
            benchmark.run(ctx)
    return ctx
