"""One column definition per list: the page's HTML table and its ledger.

A ``Table`` holds a list's columns in ledger order. Each ``TableColumn`` is
an exporter ``Column`` (header, width, kind, getter, choices, masking: what
the Excel and PDF ledgers write) that also says how the list page shows it:
a shorter ``label``, the ``?sort=`` key, whether the cell links to the row's
own page, the cell's class, its text when blank, and the page's own text or
badge where the page shows more than the plain value. The page and the
ledger read the same rows, ``values_list(..., named=True)`` of the list's
selector, so a column reads its value one way for both; ``shown`` names the
columns the page has, in the page's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from operator import attrgetter
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from .exports import Column, Kind, mask_identifier


@dataclass(frozen=True)
class TableColumn(Column):
    """A ledger column that a list page may show too.

    ``getter`` (a lookup path, or a callable of the named row) gives the
    plain value the ledger writes; the page shows it as text (choices
    labelled, sensitive values masked) unless ``text`` gives the page's own
    text. ``reads`` names the paths ``text``, ``badge`` or a callable getter
    read besides the getter's own."""

    name: str = ""
    label: str = ""  # the page's header, where shorter than the ledger's
    sort: str | None = None  # the list's ?sort= key
    link: bool = False  # the cell links to the row's own page
    css: str = ""  # the page cell's class
    empty: str = ""  # the page's text for a blank value
    text: Callable[[Any], str] | None = None
    badge: Callable[[Any], str] | None = None  # the page shows the text as a badge of this colour
    reads: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.header


class Row(NamedTuple):
    pk: Any
    cells: SafeString  # the row's <td>s


def _page_text(column: TableColumn) -> Callable[[Any], str]:
    """The function giving a cell's text on the page from a named row."""
    if column.text is not None:
        return column.text
    get = attrgetter(column.getter) if isinstance(column.getter, str) else column.getter
    choices, empty, masked = column.choices or {}, column.empty, column.sensitive
    boolean = column.kind == Kind.BOOL

    def text(row) -> str:
        value = get(row)
        if value is None or value == "":
            return empty
        if boolean:
            return "是" if value else "否"
        value = choices.get(value, value)
        return mask_identifier(str(value)) if masked else str(value)

    return text


class Table:
    """A list's columns (ledger order) and the names of those its page shows."""

    def __init__(self, columns: Sequence[TableColumn], *, shown: Sequence[str], url_name: str = ""):
        names = [column.name for column in columns]
        missing = [name for name in shown if name not in names]
        if missing:
            raise ValueError(f"table shows unknown columns {missing}")
        self.columns = list(columns)
        self.page_columns = [self.columns[names.index(name)] for name in shown]
        if not url_name and any(column.link for column in self.page_columns):
            raise ValueError("a table whose cells link needs the url_name of its rows' page")
        # The row's own page: reversed once, then each row's pk put in.
        self.url_name = url_name

    @property
    def extra_fields(self) -> tuple[str, ...]:
        """Paths the columns read besides their getters' (the exporter's ``extra_fields``)."""
        return tuple(dict.fromkeys(path for column in self.columns for path in column.reads))

    @property
    def page_fields(self) -> tuple[str, ...]:
        """Every path the page reads, without the pk."""
        paths = []
        for column in self.page_columns:
            if isinstance(column.getter, str):
                paths.append(column.getter)
            paths.extend(column.reads)
        return tuple(dict.fromkeys(paths))

    def page_rows(self, queryset: QuerySet) -> QuerySet:
        """The queryset narrowed to the page's columns, as named rows."""
        return queryset.values_list("pk", *self.page_fields, named=True)

    def header(self, sort: str = "") -> list[dict]:
        """The page's header cells: a sortable column links to sorting by
        it (the other way round when it is the current sort) and shows the
        current direction."""
        cells = []
        for column in self.page_columns:
            key = column.sort
            if key is None:
                cells.append({"title": column.title})
                continue
            active = sort.lstrip("-") == key
            cells.append({
                "title": column.title,
                "next": f"-{key}" if sort == key else key,
                "arrow": ("▼" if sort.startswith("-") else "▲") if active else "",
            })
        return cells

    def rows(self, records: Iterable) -> list[Row]:
        """The page's rows, each with its cells' markup: the text escaped,
        a link or badge around it where the column asks. The cells are
        joined here: a template loop over 450 cells took several times as
        long as this whole method."""
        prefix = suffix = ""
        if self.url_name:
            prefix, suffix = (escape(part) for part in reverse(self.url_name, args=[0]).rsplit("0", 1))
        plans = [
            (f'<td class="{escape(column.css)}">' if column.css else "<td>", _page_text(column), column.link, column.badge)
            for column in self.page_columns
        ]
        rows = []
        for record in records:
            cells = []
            for td, text, link, badge in plans:
                html = escape(text(record))
                if link:
                    html = f'<a href="{prefix}{record.pk}{suffix}">{html}</a>'
                elif badge is not None:
                    html = f'<span class="badge text-bg-{escape(badge(record))}">{html}</span>'
                cells.append(f"{td}{html}</td>")
            rows.append(Row(record.pk, SafeString("".join(cells))))
        return rows
