"""``python -m bench.load`` (``make load``): sample the accounts, run Locust
headless for a bounded time against 127.0.0.1, verify the writes, print
the figures. ``--ceiling 50,100,150`` repeats short runs with more users
until p95 passes one second."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import LOAD_DIR, ROOT, LoadError, django_setup, loopback_only
from .report import ALL, LOGIN_POST, PAGES, LoadAverage, Summary, summarise, table
from .server import Server, server

LOCUST = LOAD_DIR / "venv" / "bin" / "locust"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
TARGET_P95_MS = 500
CEILING_P95_MS = 1000


@dataclass
class Step:
    summary: Summary  # the whole run, log-in wave included
    steady: Summary  # once every user had logged in
    verdict: object
    access: dict
    run: str


def say(message: str = "") -> None:
    print(message, flush=True)


def run_locust(*, url: str, users: int, seconds: int, spawn_rate: float, run: str, run_dir: Path, sample: Path) -> dict:
    """Locust headless for a bounded time; its per-request timings."""
    if not LOCUST.exists():
        raise LoadError(f"未找到 {LOCUST}：请用 make load 运行（会安装 requirements-load.txt）。")
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, LOAD_SAMPLE=str(sample), LOAD_RUN=run, LOAD_OUT=str(run_dir), PYTHONPATH=str(ROOT))
    command = [
        str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", url, "--users", str(users),
        "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{seconds}s", "--stop-timeout", "15",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]
    with open(run_dir / "locust.log", "wb") as log:
        completed = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, timeout=seconds + 120)
    results = run_dir / "results.json"
    if completed.returncode != 0 or not results.exists():
        raise LoadError(f"Locust 运行失败（退出码 {completed.returncode}），见 {run_dir / 'locust.log'}")
    return json.loads(results.read_text(encoding="utf-8"))


def step(*, url: str, users: int, seconds: int, ramp: int, sample: dict, sample_path: Path, target: Server) -> Step:
    """One run: users log in over ``ramp`` seconds and work on for
    ``seconds`` more; then the verifier and the access log, then figures."""
    from django.utils import timezone

    from .verify import access_log_counts, verify

    run = f"LOAD-{datetime.now():%Y%m%d-%H%M%S}-{users}u"
    run_dir = LOAD_DIR / run
    started = timezone.now()
    spawn_rate = max(1.0, users / ramp)
    say(f"== {users} 个用户：{ramp} 秒内陆续登录（每秒 {spawn_rate:g} 人），再运行 {seconds} 秒；标记 {run}")
    server_cpu, locust_cpu = target.cpu_seconds(), children_cpu_seconds()
    with LoadAverage() as load:
        results = run_locust(url=url, users=users, seconds=ramp + seconds, spawn_rate=spawn_rate, run=run,
                             run_dir=run_dir, sample=sample_path)
    summary = summarise(results, users)
    summary.load, summary.busy = load.figures, load.busy
    summary.locust_cpu = children_cpu_seconds() - locust_cpu
    if server_cpu is not None:
        summary.server_cpu = target.cpu_seconds() - server_cpu
    usernames = [a["username"] for a in sample["staff"] + sample["county"]]
    time.sleep(1)  # the last responses' writes have committed
    # Logins slower than the run: no steady part, the whole run stands for it.
    steady = summarise(results, users, steady=True) if results["steady"] else summary
    return Step(summary, steady, verify(run_dir, run), access_log_counts(since=started, usernames=usernames), run)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_step(result: Step) -> None:
    summary, steady = result.summary, result.steady
    say("\n".join(table(summary)))
    pages = steady.row(PAGES)
    say(
        f"全部用户登录后（{steady.seconds:.0f} 秒）：每秒 {steady.row(ALL).rps:.1f} 个请求，"
        f"页面中位数 {pages.median:.0f} ms，P95 {pages.p95:.0f} ms"
    )
    say(
        f"机器负载（1 分钟平均）：运行期间平均 {summary.load[0]:.1f}，最高 {summary.load[1]:.1f}；"
        f"{os.cpu_count()} 核忙 {summary.busy:.0%}（含本机其他进程）；Locust 自身 CPU {summary.locust_cpu:.0f} 秒"
    )
    if summary.server_cpu is not None:
        requests = summary.row(ALL).count
        say(
            f"make serve 进程 CPU {summary.server_cpu:.0f} 秒，每个请求平均 {summary.server_cpu / max(requests, 1) * 1000:.0f} ms"
            "（gunicorn 与任务进程，不含 PostgreSQL）"
        )
    say("\n".join(result.verdict.lines()))
    rows = {r.name: r for r in summary.rows}
    cards, exports = rows.get("明白卡 PDF"), rows.get("导出贫困户花名册（乡镇）")
    say(
        f"个人信息访问记录：打印 {result.access.get('print', 0)} 条（明白卡成功 {cards.count - cards.failures if cards else 0} 次），"
        f"导出 {result.access.get('export', 0)} 条（花名册成功 {exports.count - exports.failures if exports else 0} 次）"
    )


def target_met(result: Step) -> bool:
    """The target, judged once every user has logged in (the log-in wave is
    half a second of CPU per user by design): page p95, errors, writes."""
    pages, whole = result.steady.row(PAGES), result.summary.row(PAGES)
    met = pages.p95 < TARGET_P95_MS and result.summary.errors == 0 and result.verdict.ok
    login = next((r for r in result.summary.rows if r.name == LOGIN_POST), None)
    say(
        f"目标（{result.summary.users} 个用户，页面 P95 < {TARGET_P95_MS} ms，无错误，无丢失）："
        + ("达到" if met else "未达到")
        + f"；登录后页面 P95 {pages.p95:.0f} ms（含登录阶段 {whole.p95:.0f} ms），错误 {result.summary.errors}"
        + (f"；登录提交 P95 {login.p95:.0f} ms（密码校验本身约 0.5 秒）" if login else "")
    )
    return met


def ceiling(*, url: str, steps: list[int], seconds: int, ramp: int, sample: dict, sample_path: Path, target: Server) -> int:
    """Short runs with more and more users until p95 (once all have logged
    in) passes one second."""
    lines = []
    for users in steps:
        result = step(url=url, users=users, seconds=seconds, ramp=ramp, sample=sample, sample_path=sample_path,
                      target=target)
        print_step(result)
        pages, whole = result.steady.row(PAGES), result.summary.row(PAGES)
        lines.append(
            f"{users:>6} {pages.rps:>8.1f} {pages.median:>8.0f} ms {pages.p95:>7.0f} ms {whole.p95:>7.0f} ms "
            f"{result.summary.errors:>5} {len(result.verdict.lost):>5} {result.summary.load[0]:>7.1f} "
            f"{result.summary.load[1]:>5.1f} {result.summary.busy:>6.0%}"
        )
        if pages.p95 > CEILING_P95_MS:
            break
        time.sleep(5)
    say(f"\n== 上限：登录后页面 P95 超过 {CEILING_P95_MS} ms 时的用户数（每轮登录后 {seconds} 秒）")
    say("  用户  每秒请求    中位数        P95  含登录P95  错误  丢失 平均负载  最高  CPU忙")
    say("\n".join(lines))
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="压测：乡镇、村工作人员和县级用户同时使用系统（只对本机地址）。"
                    "无服务在端口上时启动 make serve，结束后停止。数据库由 DATABASE_URL 指定（PostgreSQL，已 seed_demo）。",
    )
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT') or 8000}", help="只允许本机地址")
    parser.add_argument("--users", type=int, default=50, help="同时在线用户数（默认 50）")
    parser.add_argument("--time", type=int, help="全部登录后再运行的秒数（默认 120；找上限时默认 60）")
    parser.add_argument("--ramp", type=int, default=20, help="用户在多少秒内陆续登录（默认 20，另计）")
    parser.add_argument("--ceiling", metavar="N,N,…", help="找上限：依次以这些用户数各跑一轮，直到页面 P95 超过 1 秒")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    from .sample import write_sample

    try:
        url = loopback_only(options.url.rstrip("/"))
        django_setup()
        sample_path = LOAD_DIR / "sample.json"
        sample = write_sample(sample_path)
        say(f"样本：{len(sample['staff'])} 个乡镇、村账户，{sum(len(a['households']) for a in sample['staff'])} 户 → {sample_path}")
        with server(url, say=say) as target:
            if options.ceiling:
                steps = [int(n) for n in options.ceiling.split(",") if n.strip()]
                return ceiling(url=url, steps=steps, seconds=options.time or 60, ramp=options.ramp, sample=sample,
                               sample_path=sample_path, target=target)
            result = step(url=url, users=options.users, seconds=options.time or 120, ramp=options.ramp, sample=sample,
                          sample_path=sample_path, target=target)
            print_step(result)
            return 0 if target_met(result) else 1
    except LoadError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
