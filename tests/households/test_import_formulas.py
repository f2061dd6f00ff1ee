"""Only a cell holding a formula (<f>) is a formula: county files carry
text that begins with “=” (in 村民小组, for one), and such text imports as
text, whether stored inline or as a shared string as Excel stores it."""

import io
import re

import openpyxl
import pytest

from households.models import Household
from households.services.imports import FORMULA_MESSAGE
from tests.households.test_import_households import HEADER, errors, roster, run
from tests.workbooks import SHEET, change_part, with_shared_strings

pytestmark = pytest.mark.django_db


def roster_with_text(cells: dict[str, str]) -> bytes:
    """The roster with the given columns of the first row typed as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in roster():
        sheet.append([row.get(column) for column in HEADER])
    for column, value in cells.items():
        cell = sheet.cell(row=2, column=HEADER.index(column) + 1, value=value)
        cell.data_type = "s"  # text, as Excel keeps a cell typed as text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("shared", [False, True], ids=["inline string", "shared string"])
def test_text_beginning_with_equals_is_imported_as_text(personas, areas, shared):
    content = roster_with_text({"村民小组": "=3组"})
    if shared:
        content = with_shared_strings(content)
    report = run(personas.township_a, content=content)
    assert report.ok, errors(report)
    assert Household.objects.get(village=areas.village_x, number="H001").group == "=3组"


def test_a_formula_cell_is_refused_even_when_its_value_looks_like_plain_text(personas):
    content = roster_with_text({"村民小组": "3组"})
    # What Excel saves for =CONCAT("3","组"): the formula and its text result.
    content = change_part(
        content, SHEET,
        lambda data: re.sub(
            rb'<c r="D2"([^>]*?) t="inlineStr"><is><t>3\xe7\xbb\x84</t></is></c>',
            '<c r="D2"\\1 t="str"><f>CONCAT("3","组")</f><v>3组</v></c>'.encode(),
            data,
        ),
    )
    report = run(personas.township_a, content=content)
    assert errors(report) == [(2, "村民小组", FORMULA_MESSAGE)]
    assert Household.objects.count() == 0
