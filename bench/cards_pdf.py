"""200 明白卡 in one PDF against a bare WeasyPrint render.

Target: printing N cards through the real path (scoped queryset, card data
in a fixed number of queries per chunk, templates, the locked-down fetcher,
rendering in chunks of 50 and merging with pypdf) takes at most 1.5× the
time a bare WeasyPrint render of the same N pages needs: the cards' HTML
rendered once, then laid out and written in one go with WeasyPrint's
default fetcher and the same stylesheet and fonts.

``python -m bench --only cards_pdf`` times both in its own process (time
only). On its own, each side runs in a process of its own so its peak
memory (RSS) is its own; on the bench database or ``DATABASE_URL``::

    python -m bench.cards_pdf --cards 200
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from . import BenchError, setup
from .process import peak_rss_mb, run_module

RATIO_LIMIT = 1.5
CARDS = 200
MODULE = "bench.cards_pdf"


def _households(cards: int):
    from households.management.commands.export_ledger import system_actor
    from households.selectors.printing import area_households

    from .data import county

    area = county()
    households = area_households(actor=system_actor(area), area=area)
    if households.count() < cards:
        raise BenchError(f"数据库中只有 {households.count()} 户，少于 {cards} 户：请用 seed_demo 生成更多。")
    ids = list(households.values_list("pk", flat=True)[:cards])
    return households.filter(pk__in=ids)


def _year(year: int | None) -> int:
    from .data import latest_measure_year

    return year or latest_measure_year()


def _static_files(html: str) -> str:
    """Point the stylesheet links at the files on disk, so a bare WeasyPrint
    (default fetcher) loads the same stylesheet and fonts."""
    from django.conf import settings

    static = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    if 'href="/static/' not in html:
        raise BenchError("无法改写样式表地址：模板的 <link> 变了？")
    return html.replace('href="/static/', f'href="{static}')


def run_cards(cards: int, year: int | None, out: str) -> dict:
    """The real batch: database → card data → HTML → PDF chunks → merged PDF."""
    setup()
    from households.rendering import cards_pdf

    households, year = _households(cards), _year(year)
    started = time.perf_counter()
    content, ids = cards_pdf(households, year=year)
    seconds = time.perf_counter() - started
    Path(out).write_bytes(content)
    return {"cards": len(ids), "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "bytes": len(content), "pages": _pages(out)}


def prepare_html(cards: int, year: int | None, out: str) -> dict:
    """The same cards' HTML, rendered once and saved for the bare side."""
    setup()
    from households.rendering import cards_html
    from households.selectors.printing import card_households, cards_build

    households, year = _households(cards), _year(year)
    built = cards_build(card_households(households.order_by("village__code", "number", "pk"), year=year), year=year)
    Path(out).write_text(_static_files(cards_html(built)), encoding="utf-8")
    return {"cards": len(built)}


def run_bare(html_path: str, out: str) -> dict:
    """WeasyPrint alone: parse, lay out and write the saved HTML in one document."""
    from weasyprint import HTML

    started = time.perf_counter()
    HTML(filename=html_path).write_pdf(out)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "bytes": Path(out).stat().st_size, "pages": _pages(out)}


def _pages(path: str) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def compare(cards: int = CARDS, year: int | None = None, rounds: int = 1) -> dict:
    """Run both sides ``rounds`` times (alternating), each in a fresh
    process, and compare the best times."""
    years = ["--year", str(year)] if year else []
    with tempfile.TemporaryDirectory() as folder:
        html = str(Path(folder) / "cards.html")
        prepared = run_module(MODULE, "--prepare", "--cards", str(cards), *years, "--out", html)
        real, bare = [], []
        for _ in range(rounds):
            real.append(run_module(MODULE, "--side", "cards", "--cards", str(cards), *years, "--out", str(Path(folder) / "cards.pdf")))
            bare.append(run_module(MODULE, "--side", "bare", "--html", html, "--out", str(Path(folder) / "bare.pdf")))
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


def measure(ctx, cards: int = CARDS) -> None:
    """The busiest township's first ``cards`` cards through the real path,
    against a bare WeasyPrint render of the same HTML, in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint import HTML

    from households.rendering import cards_html, cards_pdf
    from households.selectors.printing import area_households, card_households, cards_build
    from povertyrelief.pdf import html_to_pdf

    from .context import Timing
    from .data import busiest_township, county_admin

    township = busiest_township()
    if township is None:
        raise BenchError("数据库中没有乡镇。")
    ids = list(area_households(actor=county_admin(), area=township).values_list("pk", flat=True)[:cards])
    if not ids:
        raise BenchError("数据库中没有贫困户。")
    households = area_households(actor=county_admin(), area=township).filter(pk__in=ids)
    year = _year(None)
    built = cards_build(card_households(households, year=year), year=year)
    html = _static_files(cards_html(built))
    html_to_pdf(cards_html(built[:1]))  # fonts loaded once, as in a running server
    rounds = max(1, min(ctx.repeat, 3))
    real, bare, queries = [], [], None
    for _ in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            cards_pdf(households, year=year)
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
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description="明白卡批量打印基准测试")
    parser.add_argument("--cards", type=int, default=CARDS)
    parser.add_argument("--year", type=int)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--side", choices=["cards", "bare"])
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--html")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    try:
        if args.prepare:
            print(json.dumps(prepare_html(args.cards, args.year, args.out)))
        elif args.side == "cards":
            print(json.dumps(run_cards(args.cards, args.year, args.out)))
        elif args.side == "bare":
            print(json.dumps(run_bare(args.html, args.out)))
        else:
            return _report(compare(args.cards, args.year, args.rounds))
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _report(result: dict) -> int:
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
