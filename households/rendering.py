"""明白卡 and 公示 lists as PDF.

Rendering reads nothing itself: it is given households already scoped by a
selector, and a big batch is rendered in chunks so memory stays bounded and
progress can be reported.
"""

from __future__ import annotations

from io import BytesIO
from typing import Callable

from django.db.models import QuerySet

from povertyrelief.exports import area_full_name
from povertyrelief.pdf import html_to_pdf, render_pdf_html

from .models import Household
from .selectors.printing import SUPERVISION_HOTLINE, Card, card_households, cards_build
from .selectors.publicity import PublicityList

# Cards per WeasyPrint document in a batch: bounds memory, and progress is
# reported after each chunk.
CHUNK_SIZE = 50


def cards_html(cards: list[Card]) -> str:
    return render_pdf_html("pdf/cards.html", {"cards": cards})


def cards_pdf(
    households: QuerySet[Household],
    *,
    year: int,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[bytes, list[int]]:
    """All cards of ``households`` (a scoped queryset) in one PDF, one per
    page, in their order. Rendered in chunks so memory stays bounded and
    progress can be reported; the chunks are merged with pypdf.

    Returns the PDF and the household ids printed."""
    ids = list(households.values_list("pk", flat=True))
    total = len(ids)
    if progress:
        progress(0, total)
    if total == 0:
        return html_to_pdf(cards_html([])), []
    parts = []
    for start in range(0, total, chunk_size):
        chunk_ids = ids[start : start + chunk_size]
        chunk = card_households(Household.objects.filter(pk__in=chunk_ids), year=year)
        by_pk = {h.pk: h for h in chunk}
        cards = cards_build([by_pk[pk] for pk in chunk_ids if pk in by_pk], year=year)
        parts.append(html_to_pdf(cards_html(cards)))
        if progress:
            progress(min(start + chunk_size, total), total)
    return merge_pdfs(parts), ids


def merge_pdfs(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(BytesIO(part))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def publicity_pdf_html(publicity: PublicityList) -> str:
    rows = [[{"text": row.get(c.key, ""), "numeric": c.numeric} for c in publicity.columns] for row in publicity.rows]
    return render_pdf_html(
        "pdf/publicity.html",
        {
            "publicity": publicity,
            "rows": rows,
            "area_name": area_full_name(publicity.village),
            "hotline": SUPERVISION_HOTLINE,
        },
    )
