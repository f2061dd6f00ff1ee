"""Import of the national system's 家庭成员 roster (import-template.md §2).

One row per person; rows sharing 乡镇 + 行政村 + 户编号 are one household.
The workbook is read in streaming mode (``povertyrelief.xlsx_reader``) and
every cell is checked; a file with a single refused row, or one that cannot
be read safely, writes nothing. A clean file is written in one transaction
with bulk inserts and updates, and importing it again changes nothing.
Households are matched by (village, 户编号), members by ID number within
their household; members missing from the file are kept.

``columns`` holds the template's columns and cell rules, ``reading`` the
header search and row checks, ``planning`` the household and database
checks, ``writing`` the transaction, ``service`` the entry points.
"""

from .columns import (
    COLUMN_ORDER,
    COLUMNS,
    FORMULA_MESSAGE,
    HEADER_REQUIRED,
    HOUSEHOLD_LEVEL_NOTE,
    NUMBER_ID_MESSAGE,
    REQUIRED_COLUMNS,
    CellError,
    Column,
    normalise_label,
)
from .reading import estimate_data_rows
from .report import HouseholdImportReport, mask_id_numbers
from .service import household_import, household_import_job

__all__ = [
    "COLUMNS", "COLUMN_ORDER", "FORMULA_MESSAGE", "HEADER_REQUIRED", "HOUSEHOLD_LEVEL_NOTE", "NUMBER_ID_MESSAGE",
    "REQUIRED_COLUMNS", "CellError", "Column", "HouseholdImportReport", "estimate_data_rows", "household_import",
    "household_import_job", "mask_id_numbers", "normalise_label",
]
