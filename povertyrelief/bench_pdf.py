"""Benchmark: 200 明白卡 in one PDF against a bare WeasyPrint render.

Target: printing N cards through the real path (scoped queryset, card data
in a fixed number of queries per chunk, templates, the locked-down fetcher,
rendering in chunks of 50 and merging with pypdf) takes at most 1.5× the
time a bare WeasyPrint render of the same N pages needs: the cards' HTML
rendered once and saved, then laid out and written in one go with
WeasyPrint's default fetcher and the same stylesheet and fonts. Each side
runs in its own process so its peak memory (RSS) is its own.

Needs a database with households, e.g.::

    DATABASE_URL=sqlite:////tmp/bench-cards.sqlite3 python manage.py migrate
    DATABASE_URL=... python manage.py seed_demo --households 400
    DATABASE_URL=... python -m povertyrelief.bench_pdf --cards 200
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATIO_LIMIT = 1.5


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyrelief.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _households(cards: int):
    from households import printing
    from households.management.commands.export_ledger import system_actor
    from villages.models import Area, AreaLevel

    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if county is None:
        raise SystemExit("数据库中没有县级区划：请先运行 seed_demo。")
    households = printing.area_households(actor=system_actor(county), area=county)
    if households.count() < cards:
        raise SystemExit(f"数据库中只有 {households.count()} 户，少于 {cards} 户：请用 seed_demo 生成更多。")
    ids = list(households.values_list("pk", flat=True)[:cards])
    return households.filter(pk__in=ids)


def _year(year: int | None) -> int:
    from django.db.models import Max

    from households.models import Measure

    return year or Measure.objects.aggregate(latest=Max("year"))["latest"] or 2025


def run_cards(cards: int, year: int | None, out: str) -> dict:
    """The real batch: database → card data → HTML → PDF chunks → merged PDF."""
    _setup()
    from households import printing

    households, year = _households(cards), _year(year)
    started = time.perf_counter()
    content, ids = printing.cards_pdf(households, year=year)
    seconds = time.perf_counter() - started
    Path(out).write_bytes(content)
    return {"cards": len(ids), "seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "bytes": len(content), "pages": _pages(out)}


def prepare_html(cards: int, year: int | None, out: str) -> dict:
    """The same cards' HTML, rendered once, with the stylesheet pointed at the
    file on disk so a bare WeasyPrint (default fetcher) loads the same fonts."""
    _setup()
    from django.conf import settings

    from households import printing

    households, year = _households(cards), _year(year)
    built = printing.cards_build(printing.card_households(households.order_by("village__code", "number", "pk"), year=year), year=year)
    html = printing.cards_html(built)
    stylesheet = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").as_uri()
    html = html.replace('href="/static/css/print.css"', f'href="{stylesheet}"')
    if stylesheet not in html:
        raise SystemExit("无法改写样式表地址：模板的 <link> 变了？")
    Path(out).write_text(html, encoding="utf-8")
    return {"cards": len(built)}


def run_bare(html_path: str, out: str) -> dict:
    """WeasyPrint alone: parse, lay out and write the saved HTML in one document."""
    from weasyprint import HTML

    started = time.perf_counter()
    HTML(filename=html_path).write_pdf(out)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "bytes": Path(out).stat().st_size, "pages": _pages(out)}


def _pages(path: str) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def _child(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "povertyrelief.bench_pdf", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def benchmark(cards: int = 200, year: int | None = None, rounds: int = 1) -> dict:
    """Run both sides ``rounds`` times (alternating) and compare the best times."""
    with tempfile.TemporaryDirectory() as folder:
        html = str(Path(folder) / "cards.html")
        prepared = _child("--prepare", "--cards", str(cards), *(["--year", str(year)] if year else []), "--out", html)
        real, bare = [], []
        for _ in range(rounds):
            real.append(_child("--side", "cards", "--cards", str(cards), *(["--year", str(year)] if year else []), "--out", str(Path(folder) / "cards.pdf")))
            bare.append(_child("--side", "bare", "--html", html, "--out", str(Path(folder) / "bare.pdf")))
    best_real = min(real, key=lambda r: r["seconds"])
    best_bare = min(bare, key=lambda r: r["seconds"])
    ratio = best_real["seconds"] / best_bare["seconds"]
    return {
        "cards": prepared["cards"],
        "real": best_real,
        "bare": best_bare,
        "ratio": round(ratio, 3),
        "limit": RATIO_LIMIT,
        "ok": ratio <= RATIO_LIMIT and best_real["pages"] == prepared["cards"],
    }


def bench_cards_pdf(ctx, cards: int = 200) -> None:
    """For ``manage.py bench`` (povertyrelief.bench.BENCHMARKS): the busiest
    township's first ``cards`` cards through the real path, against a bare
    WeasyPrint render of the same HTML, in this process (time only; run
    ``python -m povertyrelief.bench_pdf`` for peak memory)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint import HTML

    from households import printing
    from povertyrelief.bench import BenchError, Timing, busiest_township, county_admin
    from povertyrelief.pdf import html_to_pdf

    township = busiest_township()
    if township is None:
        raise BenchError("数据库中没有乡镇。")
    ids = list(printing.area_households(actor=county_admin(), area=township).values_list("pk", flat=True)[:cards])
    if not ids:
        raise BenchError("数据库中没有贫困户。")
    households = printing.area_households(actor=county_admin(), area=township).filter(pk__in=ids)
    year = _year(None)
    built = printing.cards_build(printing.card_households(households, year=year), year=year)
    static = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    html = printing.cards_html(built).replace('href="/static/', f'href="{static}')
    html_to_pdf(printing.cards_html(built[:1]))  # fonts loaded once, as in a running server
    rounds = max(1, min(ctx.repeat, 3))
    real, bare, queries = [], [], None
    for _ in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            printing.cards_pdf(households, year=year)
        real.append(time.perf_counter() - started)
        queries = len(captured)
        started = time.perf_counter()
        HTML(string=html).write_pdf()
        bare.append(time.perf_counter() - started)
    ctx.out(f"（{township.name} 前 {len(ids)} 户，{year} 年，每次一个 {len(ids)} 页的 PDF；各 {rounds} 次）")
    mine = ctx.report(Timing(f"明白卡 {len(ids)} 张（查询、模板、分块渲染、合并）", real, queries))
    reference = ctx.report(Timing(f"同样 {len(ids)} 页 HTML 的纯 WeasyPrint 渲染", bare))
    ctx.ratio(f"明白卡 / 纯 WeasyPrint（上限 {RATIO_LIMIT} 倍）", mine, reference)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="明白卡批量打印基准测试")
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--year", type=int)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--side", choices=["cards", "bare"])
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--html")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(prepare_html(args.cards, args.year, args.out)))
        return 0
    if args.side == "cards":
        print(json.dumps(run_cards(args.cards, args.year, args.out)))
        return 0
    if args.side == "bare":
        print(json.dumps(run_bare(args.html, args.out)))
        return 0
    result = benchmark(args.cards, args.year, args.rounds)
    real, bare = result["real"], result["bare"]
    print(
        f"明白卡 {result['cards']} 张：系统 {real['seconds']:.2f} 秒 / 峰值内存 {real['peak_rss_mb']:.0f} MB / {real['bytes'] / 1e6:.1f} MB；"
        f"纯 WeasyPrint {bare['seconds']:.2f} 秒 / 峰值内存 {bare['peak_rss_mb']:.0f} MB / {bare['bytes'] / 1e6:.1f} MB；"
        f"比值 {result['ratio']:.2f}（上限 {RATIO_LIMIT}）{'通过' if result['ok'] else '未通过'}"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
