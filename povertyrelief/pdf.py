"""PDF rendering with WeasyPrint, locked down.

Printed papers carry personal data, and their templates interpolate what
users typed. The renderer therefore fetches nothing but the project's own
static files (stylesheet, fonts, images), resolved through the staticfiles
finders, plus ``data:`` URIs. ``file://``, ``http(s)://`` and every other
scheme are refused, and a refusal stops the rendering instead of silently
printing a paper without its font.
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .exports import area_full_name, get_exporter
from .jobs import job_runner, job_start
from .permissions import restrict
from .privacy import personal_data_access_record
from .views_base import ScopedMixin

# Relative URLs in the templates ({% static %} gives "/static/...") are
# resolved against this origin. ".invalid" never resolves (RFC 2606), and the
# fetcher below serves it from disk: nothing ever goes to the network.
PDF_ORIGIN = "https://pdf.invalid"
PDF_BASE_URL = PDF_ORIGIN + "/"


class PdfResourceRefused(ValueError):
    """A template asked for something outside the bundled static files."""


def _static_prefix() -> str:
    # The storage's base URL, not static(""): with DEBUG off the manifest
    # storage has no entry for "" and would refuse every render.
    prefix = urlsplit(staticfiles_storage.base_url).path
    return prefix if prefix.endswith("/") else prefix + "/"


def static_file_path(url: str) -> Path:
    """The file on disk behind a ``https://pdf.invalid/static/...`` URL.

    Raises PdfResourceRefused for any other URL and for names that try to
    leave the static folders (``..``, absolute paths)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != "pdf.invalid":
        raise PdfResourceRefused(f"PDF 渲染只允许使用本系统的静态文件，已拒绝：{url[:200]}")
    prefix = _static_prefix()
    if not parts.path.startswith(prefix):
        raise PdfResourceRefused(f"PDF 渲染只允许使用本系统的静态文件，已拒绝：{url[:200]}")
    name = unquote(parts.path[len(prefix):])
    if not name or name.startswith(("/", "\\")) or ".." in Path(name).parts or "\x00" in name:
        raise PdfResourceRefused(f"静态文件路径无效：{name[:200]}")
    try:
        found = finders.find(name)
        if not found and staticfiles_storage.exists(name):
            # Collected (possibly hashed) names in production; path() joins safely.
            found = staticfiles_storage.path(name)
    except SuspiciousFileOperation:
        raise PdfResourceRefused(f"静态文件路径无效：{name[:200]}") from None
    if not found:
        raise PdfResourceRefused(f"找不到静态文件：{name[:200]}")
    return Path(found)


class StaticOnlyURLFetcher(URLFetcher):
    """Serves bundled static files and ``data:`` URIs; refuses everything else."""

    def __init__(self):
        # fail_on_errors: a refused or missing resource aborts the render.
        super().__init__(allowed_protocols={"https", "data"}, allow_redirects=False, fail_on_errors=True, timeout=1)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        path = static_file_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """One font configuration per thread, reused across renders: loading the
    two CJK faces (about 19 MB) for every paper would dominate small renders.
    Not shared between threads, since Fontconfig objects are not thread-safe."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


@contextmanager
def fewer_collections():
    """WeasyPrint allocates millions of short-lived objects while laying out
    pages; with the collector's default thresholds about a fifth of a batch's
    time went into scanning them. Collect less often while rendering."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (inline) under ``filename``; PDFs carry
    personal data, so no caching on shared office machines."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def html_to_document(html: str):
    """Lay out HTML (already rendered from a template) into a WeasyPrint document."""
    with fewer_collections():
        return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyURLFetcher()).render(
            font_config=font_configuration()
        )


def html_to_pdf(html: str) -> bytes:
    with fewer_collections():
        return html_to_document(html).write_pdf()


def render_pdf_html(template_name: str, context: dict, *, landscape: bool = False) -> str:
    context = {"landscape": landscape, "printed_at": timezone.localtime(), **context}
    return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict, *, landscape: bool = False) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes (A4, portrait unless
    ``landscape``)."""
    return html_to_pdf(render_pdf_html(template_name, context, landscape=landscape))


# Column kinds as the exporters declare them (povertyrelief.exports.Kind).
NUMERIC_KINDS = {"int", "money", "decimal"}
# Sum of column widths (Excel character units) each paper holds legibly.
PORTRAIT_WIDTH = 110
LANDSCAPE_WIDTH = 200
DEFAULT_COLUMN_WIDTH = 10


def ledger_cell(value, kind: str | None = None) -> str:
    """A cell as printed: money to the fen with thousands separators, dates
    as 2024-05-01, yes/no in words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{value:%Y-%m-%d}" if kind == "date" else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if kind == "money" else f"{value:.2f}"
    return str(value)


def _ledger_column(column) -> dict:
    """A column given as a label or as an exporter Column (header, width, kind)."""
    label = getattr(column, "header", None) or getattr(column, "label", None) or str(column)
    kind = getattr(column, "kind", None)
    width = float(getattr(column, "width", None) or DEFAULT_COLUMN_WIDTH)
    if kind == "id":
        # Identifiers stay on one line, which takes a little more than Excel's width.
        width *= 1.35
    return {"label": label, "width": width, "kind": kind}


def ledger_paper(columns: list[dict], landscape: bool | None) -> str:
    """portrait / landscape A4, or landscape A3 for the widest ledgers (花名册),
    which county offices print on A3 anyway."""
    width = sum(c["width"] for c in columns)
    if width > LANDSCAPE_WIDTH:
        return "a3"
    if landscape is None:
        landscape = width > PORTRAIT_WIDTH or len(columns) > 8
    return "landscape" if landscape else "portrait"


def render_ledger_pdf(title: str, area_name: str, columns, rows, landscape: bool | None = None, *, note: str = "") -> bytes:
    """A 台账 as PDF: title naming the area and date, table headers repeated on
    every page, page X of Y, and the signature/seal block (制表人, 审核人,
    单位盖章, 日期) inspectors require.

    ``columns`` are header labels or exporter ``Column`` objects (their
    ``width`` sets the proportions, their ``kind`` the formatting); ``rows``
    are sequences of values in the same order. Without an explicit
    ``landscape`` the paper follows the table's width."""
    cols = [_ledger_column(c) for c in columns]
    body = [list(row) for row in rows]
    for index, column in enumerate(cols):
        if column["kind"] is None:
            values = [row[index] for row in body if index < len(row) and row[index] is not None]
            numeric = bool(values) and all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in values)
            column["numeric"] = numeric
        else:
            column["numeric"] = column["kind"] in NUMERIC_KINDS
    total_width = sum(c["width"] for c in cols) or 1
    wide = len(cols) > 12
    index_percent = 2.5 if wide else 5.0
    for column in cols:
        column["percent"] = f"{column['width'] * (100 - index_percent) / total_width:.2f}"
    context = {
        "title": title,
        "area_name": area_name,
        "columns": cols,
        "rows": [
            [
                {"text": ledger_cell(value, cols[i]["kind"]), "numeric": cols[i]["numeric"], "id": cols[i]["kind"] == "id"}
                for i, value in enumerate(row[: len(cols)])
            ]
            for row in body
        ],
        "note": note,
        "paper": ledger_paper(cols, landscape),
        "wide": wide,
        "index_percent": f"{index_percent:.2f}",
    }
    return render_pdf("pdf/ledger.html", context, landscape=context["paper"] != "portrait")


# --- Ledgers of the Excel exporters as PDF: /exports/<identifier>.pdf ------------

# Past this many rows a PDF ledger is written in the background (WeasyPrint
# lays out a few hundred rows a second); past the hard limit, Excel it is.
PDF_SYNC_MAX_ROWS = 1000
PDF_MAX_ROWS = 20000

def ledger_area_name(actor, filters: dict) -> str:
    """The area a ledger covers: the village or township filtered on, else
    the actor's own area (both named from the county down)."""
    from villages.models import Area

    for name in ("village", "township"):
        value = str(filters.get(name) or "").strip()
        if value.isdigit():
            lookup = {"code": value} if len(value) == 12 else {"pk": int(value)}
            area = restrict(Area, actor, "view").select_related("parent", "parent__parent").filter(**lookup).first()
            if area is not None:
                return area_full_name(area)
    return area_full_name(actor.area)


def exporter_pdf(exporter, *, actor, filters: dict) -> tuple[bytes, int]:
    """One exporter's ledger as PDF, with the rows its Excel file would have."""
    rows = list(exporter.rows(actor, filters))
    year = str(filters.get("year") or "").strip()
    title = f"{exporter.title}（{year}年）" if year.isdigit() else exporter.title
    content = render_ledger_pdf(title, ledger_area_name(actor, filters), exporter.columns, rows)
    return content, len(rows)


def exporter_pdf_filename(exporter, actor) -> str:
    return f"{exporter.title}_{actor.area.name}_{timezone.localdate():%Y%m%d}.pdf"


@job_runner("export_pdf")
def run_export_pdf_job(job, report_progress):
    """A large PDF ledger, written for the job's requester with the filters
    of the page it was started from."""
    exporter = get_exporter(job.params["identifier"])
    report_progress(0, job.total or None)
    content, written = exporter_pdf(exporter, actor=job.user, filters=job.params.get("filters", {}))
    report_progress(written, written)
    return content, exporter_pdf_filename(exporter, job.user), {"summary": f"已生成 {written} 行。", "rows": written}


class ExportPdfView(ScopedMixin, View):
    """/exports/<identifier>.pdf?<the list page's filters>: a ledger as PDF,
    with the same rows, scope and masking as its Excel file."""

    action = "export"

    def dispatch(self, request, *args, **kwargs):
        # The ledger's own role action, as for its Excel file.
        self.action = get_exporter(kwargs["identifier"]).action
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, identifier: str):
        from .export_views import INVALID_FILTERS, InvalidFilters, export_request

        actor = request.user
        try:
            exporter, filters, querystring, total = export_request(request, identifier)
        except InvalidFilters:
            return HttpResponseBadRequest(INVALID_FILTERS.encode())
        if total > PDF_MAX_ROWS:
            messages.error(request, f"共 {total} 行，PDF 台账最多 {PDF_MAX_ROWS} 行：请缩小筛选范围，或导出 Excel。")
            return redirect("exports:index")
        if exporter.personal_data:
            personal_data_access_record(
                actor=actor, kind="export", what=f"{exporter.title}（PDF）", filters=querystring, rows=total, request=request
            )
        if total > PDF_SYNC_MAX_ROWS:
            job = job_start(
                actor=actor,
                kind="export_pdf",
                title=f"{exporter.title} PDF（{total} 行）",
                params={"identifier": exporter.identifier, "filters": filters, "query": querystring},
                total=total,
            )
            messages.info(request, f"共 {total} 行，已转入后台生成 PDF，完成后可在本页下载。")
            return redirect(job)
        content, _ = exporter_pdf(exporter, actor=actor, filters=filters)
        return pdf_response(content, exporter_pdf_filename(exporter, actor))


export_pdf = ExportPdfView.as_view()
