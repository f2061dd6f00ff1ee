"""Figures of a load run from Locust's per-request timings: requests per
second, median and p95 per page, errors; and the machine's load average
while it ran."""

from __future__ import annotations

import math
import os
import threading
import unicodedata
from dataclasses import dataclass, field

# The password check is deliberately slow (PBKDF2, 1,500,000 rounds: about
# half a second of CPU on this machine); the target is for the pages.
LOGIN_POST = "登录（提交）"
ALL = "全部请求"
PAGES = "全部页面（不含登录提交）"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Row:
    name: str
    count: int
    failures: int
    median: float
    p95: float
    rps: float


@dataclass
class Summary:
    users: int
    seconds: float
    rows: list[Row]
    failures: dict[str, dict[str, int]]
    load: tuple[float, float] = (0.0, 0.0)  # mean and highest 1-minute load average
    busy: float = 0.0  # share of all cores' time busy (anyone's processes)
    server_cpu: float | None = None  # seconds used by make serve's processes, when started here
    locust_cpu: float = 0.0

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    @property
    def errors(self) -> int:
        return self.row(ALL).failures


def summarise(results: dict, users: int, *, steady: bool = False) -> Summary:
    """Per page and in total; ``steady``: only once every user had logged in
    (the log-in wave, half a second of CPU per password, left out)."""
    seconds = max(results["steady_seconds" if steady else "seconds"], 0.001)
    timings = results["steady"] if steady else results["timings"]
    failures = {} if steady else results["failures"]

    def row(name: str, times: list[float], failed: int) -> Row:
        times = sorted(times)
        return Row(name, len(times), failed, percentile(times, 0.5), percentile(times, 0.95), len(times) / seconds)

    rows = [
        row(name, times, sum(failures.get(name, {}).values()))
        for name, times in sorted(timings.items(), key=lambda item: -len(item[1]))
    ]
    every = [t for times in timings.values() for t in times]
    pages = [t for name, times in timings.items() if name != LOGIN_POST for t in times]
    failed_pages = sum(sum(v.values()) for name, v in failures.items() if name != LOGIN_POST)
    rows.append(row(PAGES, pages, failed_pages))
    rows.append(row(ALL, every, sum(sum(v.values()) for v in failures.values())))
    return Summary(users=users, seconds=seconds, rows=rows, failures=failures)


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a width in terminal columns (a Chinese character takes two)."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    space = " " * max(0, width - shown)
    return space + text if right else text + space


def table(summary: Summary) -> list[str]:
    width = max(len(r.name) * 2 for r in summary.rows) + 2
    heads = [("请求数", 8), ("每秒", 8), ("中位数", 10), ("P95", 10), ("错误", 6)]
    lines = [pad("页面", width) + "".join(pad(h, w, right=True) for h, w in heads)]
    for r in summary.rows:
        cells = [f"{r.count}", f"{r.rps:.1f}", f"{r.median:.0f} ms", f"{r.p95:.0f} ms", f"{r.failures}"]
        lines.append(pad(r.name, width) + "".join(pad(c, w, right=True) for c, (_, w) in zip(cells, heads)))
    for name, reasons in summary.failures.items():
        for reason, n in sorted(reasons.items(), key=lambda item: -item[1])[:3]:
            lines.append(f"  错误 {name}：{reason}（{n} 次）")
    return lines


def cpu_times() -> tuple[int, int]:
    """Busy and total jiffies of all cores since boot (/proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


@dataclass
class LoadAverage:
    """The 1-minute load average, read every few seconds while a run goes
    on, and how busy the machine's cores were over the whole run."""

    every: float = 5.0
    samples: list[float] = field(default_factory=list)
    busy: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self):
        self._cpu = cpu_times()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        busy, total = (now - before for now, before in zip(cpu_times(), self._cpu))
        self.busy = busy / total if total else 0.0

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    @property
    def figures(self) -> tuple[float, float]:
        if not self.samples:
            return (os.getloadavg()[0],) * 2
        return sum(self.samples) / len(self.samples), max(self.samples)
