"""Fuzzing the importers with workbooks mutated from the template: every
one is either refused with a Chinese message, writing nothing, or imported
cleanly; none takes more than 5 s or 300 MB. The mutations are seeded, so
a failure names the case that reproduces it (FUZZ_SEED=… to try others)."""

import io
import os
import random
import re
import time
import tracemalloc

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from households.models import Household, Member
from households.services.imports import household_import
from households.templates_xlsx import DATA_SHEET, household_template_workbook
from tests.households.test_import_households import roster
from tests.villages.test_import_areas import ROWS as AREA_ROWS
from tests.villages.test_import_areas import workbook as area_workbook
from tests.workbooks import mutate, with_shared_strings
from villages.models import Area
from villages.services import area_import

pytestmark = pytest.mark.django_db

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
HOUSEHOLD_CASES = 320
AREA_CASES = 120
MAX_SECONDS = 5
MAX_BYTES = 300 * 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def filled_template() -> bytes:
    """The downloadable template (two sheets, notes, drop-downs) with the
    three-household roster typed in."""
    book = openpyxl.load_workbook(io.BytesIO(household_template_workbook()))
    sheet = book[DATA_SHEET]
    header = [cell.value for cell in sheet[1]]
    for row in roster():
        sheet.append([row.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def fuzz(bases: list[bytes], cases: int, run, counts, label: str) -> dict:
    """Run ``cases`` mutants through ``run(content) -> report``; each is
    rolled back after, so every case starts from the same database."""
    outcomes = {"imported": 0, "refused": 0}
    slowest = 0.0
    tracemalloc.start()
    try:
        for case in range(cases):
            rng = random.Random(f"{SEED}-{label}-{case}")
            content, how = mutate(rng, rng.choice(bases))
            where = f"{label} case {case} (FUZZ_SEED={SEED}): {how}"
            with transaction.atomic():
                before = counts()
                tracemalloc.reset_peak()
                started = time.perf_counter()
                report = run(content)
                seconds = time.perf_counter() - started
                peak = tracemalloc.get_traced_memory()[1]
                after = counts()
                transaction.set_rollback(True)
            assert seconds < MAX_SECONDS, f"{where}: {seconds:.1f} s"
            assert peak < MAX_BYTES, f"{where}: {peak / 1024 / 1024:.0f} MB"
            slowest = max(slowest, seconds)
            if report.ok:
                outcomes["imported"] += 1
                assert after[0] - before[0] == report.created, where
            else:
                outcomes["refused"] += 1
                assert report.errors and all(CHINESE.search(e.message) for e in report.errors), f"{where}: {report.errors}"
                assert after == before, f"{where}: wrote {before} → {after}"
    finally:
        tracemalloc.stop()
    outcomes["slowest_s"] = round(slowest, 2)
    return outcomes


def test_mutated_household_workbooks_are_refused_in_chinese_or_imported_cleanly(personas):
    base = filled_template()
    assert household_import(actor=personas.county_admin, file=SimpleUploadedFile("t.xlsx", base), dry_run=True).ok

    def run(content):
        return household_import(actor=personas.county_admin, file=SimpleUploadedFile("花名册.xlsx", content))

    def counts():
        households = Household.objects.count()
        return (households + Member.objects.count(), households, LogEntry.objects.count())

    outcomes = fuzz([base, with_shared_strings(base)], HOUSEHOLD_CASES, run, counts, "households")
    # Both outcomes occur: the mutations neither all break the file nor all miss.
    assert outcomes["imported"] >= 10 and outcomes["refused"] >= 100, outcomes


def test_mutated_area_workbooks_are_refused_in_chinese_or_imported_cleanly():
    base = area_workbook(AREA_ROWS)
    assert area_import(file=SimpleUploadedFile("t.xlsx", base), dry_run=True).ok

    def run(content):
        return area_import(file=SimpleUploadedFile("区划.xlsx", content))

    def counts():
        return (Area.objects.count(), LogEntry.objects.count())

    outcomes = fuzz([base, with_shared_strings(base)], AREA_CASES, run, counts, "areas")
    assert outcomes["imported"] >= 5 and outcomes["refused"] >= 40, outcomes
