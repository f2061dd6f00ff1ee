"""/exports/: the ledger index and one URL per ledger.

Each ledger gets its own URL name (``exports:<identifier>``) so list pages
link to it by name and the access matrix can probe every one of them.
"""

from django.urls import path

from . import export_views, pdf
from .exports import exporters

app_name = "exports"
urlpatterns = [path("", export_views.export_index, name="index")] + [
    path(f"{identifier}/", export_views.export, {"identifier": identifier}, name=identifier)
    for identifier in exporters()
] + [
    path(f"{identifier}.pdf", pdf.export_pdf, {"identifier": identifier}, name=f"{identifier}_pdf")
    for identifier in exporters()
]
