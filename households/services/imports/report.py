"""What an import reports: counts, the refused cells, and the lines shown
on the page and on the background job's page (ID numbers masked for a user
whose role may not see them in full)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from povertyrelief.xlsx import ImportReport, RowError

# Errors kept in a background job's stored report; the service keeps all.
JOB_REPORT_MAX_ERRORS = 2000

# An 18-character resident ID (or an old 15-digit one) inside a message,
# and the birth date the ID checks quote from a wrong number.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5}|\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_BIRTH_IN_TEXT = re.compile(r"(出生日期 )\d{8}")


def mask_id_numbers(text: str) -> str:
    """Every ID number in a message shown as its first 6 and last 4
    characters (as 公示 lists show it), the birth date in between hidden."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _BIRTH_IN_TEXT.sub(lambda m: m.group(1) + "********", text)


@dataclass
class HouseholdImportReport(ImportReport):
    """``created``/``updated``/``unchanged`` count records (households and
    members together); the household and member counts are kept apart."""

    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    # Current members of imported households that the file does not list:
    # kept, only counted (leaving is recorded in the system, with a date).
    members_absent: int = 0
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    audit_entries: int = 0

    def finish(self) -> None:
        self.created = self.households_created + self.members_created
        self.updated = self.households_updated + self.members_updated
        self.unchanged = self.households_unchanged + self.members_unchanged

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        if self.errors:
            rows = f"（涉及 {self.error_rows} 行）" if self.error_rows else ""
            return f"发现 {len(self.errors)} 处错误{rows}，未导入任何数据。请改正后重新上传。"
        absent = (
            f"系统中另有 {self.members_absent} 名成员在文件中未出现（文件中未出现的成员不会删除，如有减少请在系统中登记）。"
            if self.members_absent
            else ""
        )
        if not self.changed:
            return (
                f"无变化：文件与系统中的数据一致（{self.households_unchanged} 户、{self.members_unchanged} 人），"
                f"没有新增或修改任何数据。{absent}"
            )
        verb = "将" if self.dry_run else "已"
        prefix = "试导入（未写入）：" if self.dry_run else ""
        return (
            f"{prefix}{verb}新增 {self.households_created} 户、{self.members_created} 人；"
            f"{verb}更新 {self.households_updated} 户、{self.members_updated} 人；"
            f"无变化 {self.households_unchanged} 户、{self.members_unchanged} 人。{absent}"
        )

    def shown_errors(self, *, reveal: bool, limit: int | None = None) -> list[RowError]:
        """The errors as a user sees them: ID numbers masked unless the
        user's role may reveal them (the same permission as the member
        page's 查看完整号码)."""
        errors = self.errors[:limit] if limit is not None else self.errors
        if reveal:
            return list(errors)
        return [RowError(e.row, e.column, mask_id_numbers(e.message)) for e in errors]

    def as_job_report(self, *, reveal: bool) -> dict:
        """What the job page shows: summary, error lines and the counts;
        ID numbers masked unless the requester may reveal them."""
        errors = [str(e) for e in self.shown_errors(reveal=reveal, limit=JOB_REPORT_MAX_ERRORS)]
        if len(self.errors) > JOB_REPORT_MAX_ERRORS:
            errors.append(f"……另有 {len(self.errors) - JOB_REPORT_MAX_ERRORS} 处错误未列出。")
        return {
            "summary": self.summary(),
            "errors": errors,
            "failed": not self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "households": [self.households_created, self.households_updated, self.households_unchanged],
            "members": [self.members_created, self.members_updated, self.members_unchanged],
            "members_absent": self.members_absent,
        }

