"""Excel export of every ledger: /exports/<identifier>/?<the list page's filters>.

Small exports are written to a temporary file and sent at once (an xlsx is
a zip, finished only when the workbook is closed); large ones become a
background job whose page shows progress and offers the file.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views import View

from .exports import exporters, get_exporter, sync_max_rows
from .jobs import job_start
from .permissions import require
from .privacy import personal_data_access_record
from .views_base import ScopedMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Small files stay in memory; bigger ones spill to disk while being sent.
SPOOL_BYTES = 8 * 1024 * 1024


class ExportIndexView(ScopedMixin, View):
    """The ledgers the user may export, each with area (and year) choices."""

    action = "export"

    def get(self, request):
        from villages.selectors import area_options_by_level

        ledgers = [cls() for cls in exporters().values() if request.user.can(cls.action)]
        return render(
            request,
            "exports/export_list.html",
            {
                "ledgers": ledgers,
                **area_options_by_level(actor=request.user),
                "years": _years(),
                "sync_max_rows": sync_max_rows(),
            },
        )


class InvalidFilters(Exception):
    """A hand-edited query string (year=abc) that no list page produces."""


def export_request(request, identifier: str):
    """The exporter, cleaned filters, query string and row count for an
    export request: the role check (403) and the area check (404) included."""
    exporter = get_exporter(identifier)
    actor = request.user
    require(actor, exporter.action)
    if hasattr(exporter, "check_areas"):
        exporter.check_areas(actor, request.GET)
    filters = exporter.clean_filters(actor, exporter.filters_from_request(request))
    query = request.GET.copy()
    query.pop("page", None)
    try:
        total = exporter.count(actor, filters)
    except ValueError:
        raise InvalidFilters from None
    return exporter, filters, query.urlencode(), total


INVALID_FILTERS = "筛选条件无效，请从列表页重新导出。"


class ExportView(ScopedMixin, View):
    action = "export"
    identifier = ""

    def dispatch(self, request, *args, **kwargs):
        # The role check is the ledger's own action: "export" for most, the
        # access log's "access_log" (auditors, county administrators).
        self.action = get_exporter(kwargs.get("identifier") or self.identifier).action
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, identifier: str | None = None):
        actor = request.user
        try:
            exporter, filters, querystring, total = export_request(request, identifier or self.identifier)
        except InvalidFilters:
            return HttpResponseBadRequest(INVALID_FILTERS.encode())
        if total > sync_max_rows():
            job = job_start(
                actor=actor,
                kind="export",
                title=f"导出{exporter.title}（{total} 行）",
                params={"identifier": exporter.identifier, "filters": filters, "query": querystring},
                total=total,
            )
            if exporter.personal_data:
                personal_data_access_record(
                    actor=actor, kind="export", what=exporter.title, filters=querystring, rows=total, request=request
                )
            messages.info(
                request,
                f"共 {total} 行，超过 {sync_max_rows()} 行，已转入后台导出。完成后可在本页或“后台任务”中下载。",
            )
            return redirect(job)
        handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        written = exporter.write(handle, actor=actor, filters=filters)
        if exporter.personal_data:
            personal_data_access_record(
                actor=actor, kind="export", what=exporter.title, filters=querystring, rows=written, request=request
            )
        handle.seek(0)
        response = FileResponse(handle, as_attachment=True, filename=exporter.filename(actor), content_type=XLSX)
        response["Cache-Control"] = "no-store"
        return response


def _years() -> list[int]:
    from django.utils import timezone

    return list(range(timezone.localdate().year, 2013, -1))


export_index = ExportIndexView.as_view()
export = ExportView.as_view()
