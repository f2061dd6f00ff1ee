"""The 家庭成员 import service and its background job."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError

from povertyrelief.jobs import job_runner
from povertyrelief.models import Job, User
from povertyrelief.xlsx import MAX_ROWS, RowError, WorkbookRefused
from povertyrelief.xlsx_reader import Upload, Workbook

from .columns import COLUMN_ORDER, REQUIRED_COLUMNS
from .planning import Plan, Planner
from .reading import Areas, Groups, RowReader, load_areas, locate_sheet
from .report import HouseholdImportReport
from .writing import Conflict, write

PROGRESS_EVERY = 500

Progress = Callable[[int, int | None], None]


def _filled(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def household_import(
    *, actor: User | None, file: Upload, dry_run: bool = False, report_progress: Progress | None = None
) -> HouseholdImportReport:
    """Import the 家庭成员 roster: every rule of the template is checked, and
    a file with any refused row changes nothing (all or nothing); a file
    that cannot be read safely is refused with the reason and nothing is
    written. Households are matched by village and 户编号, members by ID
    number within their household; re-importing the same file changes
    nothing. Members missing from the file are not deleted. ``actor`` None
    (command line without a user) imports for the whole county."""
    report = HouseholdImportReport(dry_run=dry_run)
    progress = report_progress or (lambda done, total=None: None)
    areas = load_areas(actor)
    try:
        with Workbook(file) as book:
            read = _read_rows(book, areas, report, progress)
    except WorkbookRefused as exc:
        report.errors = [RowError(0, "", str(exc))]
        return report
    if read is None:
        return report
    reader, groups = read
    total = report.rows * 2
    progress(report.rows, total)
    if report.rows == 0:
        report.errors.append(RowError(0, "", "工作簿中没有成员数据（表头下方没有数据行）。"))
        return report

    township_names = {a.pk: a.name for ts in areas.townships.values() for a in ts}
    village_names = {a.pk: township_names.get(a.parent_id, "") + a.name for vs in areas.villages.values() for a in vs}
    planner = Planner(reader, actor, report)
    plan = planner.run(groups, village_names)
    report.errors.sort(key=lambda e: (e.row, COLUMN_ORDER.get(e.column, len(COLUMN_ORDER))))
    report.finish()
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        return report
    if dry_run or not report.changed:
        progress(total, total)
        return report
    _write(actor, plan, planner.member_fields, report, progress, total)
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        return report
    progress(total, total)
    return report


def _read_rows(book: Workbook, areas: Areas, report: HouseholdImportReport, progress: Progress) -> tuple[RowReader, Groups] | None:
    """Every data row read and checked cell by cell, grouped by household;
    None when the header is missing or incomplete (the report says why)."""
    sheet = locate_sheet(book)
    report.ignored_columns = [c for c in sheet.ignored if c]
    present = {c.label for c, _ in sheet.columns}
    missing = [c.label for c in REQUIRED_COLUMNS if c.label not in present]
    if missing:
        report.errors.append(RowError(sheet.header_row, "", "缺少必需的列：" + "、".join(missing) + "。"))
        return None
    # Reading is half the work, writing the other half.
    total = max(sheet.estimated_rows, 1) * 2
    progress(0, total)
    reader = RowReader(sheet, areas, report)
    indexes = [index for _, index in sheet.columns]
    groups: Groups = {}
    for number, row in sheet.rows:
        if not any(_filled(row[i]) for i in indexes if i < len(row)):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            report.errors.append(RowError(number, "", f"数据超过 {MAX_ROWS:,} 行的上限，请分成几个文件导入。"))
            break
        parsed = reader.read(number, row)
        if parsed is not None:
            groups.setdefault(parsed.key, []).append(parsed)
        if report.rows % PROGRESS_EVERY == 0:
            progress(report.rows, max(total, report.rows * 2))
    else:
        # The rest of the workbook (other sheets, notes) must be sound too.
        book.finish()
    return reader, groups


def _write(
    actor: User | None, plan: Plan, member_fields: list[str], report: HouseholdImportReport, progress: Progress, total: int
) -> None:
    records = max(1, report.created + report.updated)
    written = [0]

    def step(count: int) -> None:
        written[0] += count
        progress(report.rows + min(report.rows, written[0] * report.rows // records), total)

    try:
        write(actor, plan, report, member_fields, step)
    except Conflict:
        report.errors.append(RowError(0, "", "导入期间有户被其他用户修改，为避免覆盖他人的修改，本次未导入任何数据；请重新上传。"))
    except ValidationError as exc:
        report.errors.append(RowError(0, "", "数据未通过校验，未导入任何数据：" + "；".join(exc.messages)))
    except IntegrityError:
        report.errors.append(
            RowError(0, "", "保存时与其他用户同时录入的数据冲突（如同一证件号码），未导入任何数据；请重新上传。")
        )
    except PermissionDenied as exc:
        report.errors.append(RowError(0, "", str(exc)))


@job_runner("household_import")
def household_import_job(job: Job, report_progress: Progress) -> tuple[None, str, dict]:
    """Background import of a stored upload; the stored copy is removed
    after. The stored report masks ID numbers unless the requester's role
    may reveal them."""
    path = job.params["path"]
    try:
        with default_storage.open(path, "rb") as handle:
            report = household_import(
                actor=job.user, file=handle, dry_run=job.params.get("dry_run", False), report_progress=report_progress
            )
    finally:
        default_storage.delete(path)
    reveal = job.user is not None and job.user.can("reveal")
    return None, "", report.as_job_report(reveal=reveal)
