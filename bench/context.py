"""What every benchmark measures with: timings, the table they print in, and
logged-in test clients. Timings are the time Django takes to answer a
request through the test client (middleware, view, queries, template),
without a network or a browser."""

from __future__ import annotations

import math
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from povertyrelief import two_factor

from . import BenchError

LABEL_WIDTH = 52
CELL_WIDTH = 12


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

    def cold(self, label: str, action: Callable[[], object], *, runs: int = 3) -> Timing:
        """A few runs of something too slow to repeat ``repeat`` times, no
        warm-up, counting the queries of the last run."""
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                action()
            seconds.append(time.perf_counter() - started)
        return self.report(Timing(label, seconds, len(captured)))

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
    if not two_factor.otp_required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
