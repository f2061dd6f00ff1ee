"""Planning the import: households checked as wholes and against the
database, and the records to create and change worked out without writing."""

from __future__ import annotations

from dataclasses import dataclass, field

from povertyrelief.models import User
from povertyrelief.permissions import restrict
from povertyrelief.xlsx import RowError
from villages.models import AreaLevel

from ...models import Health, Household, HouseholdStatus, Member, Relation
from ...rules import birth_from_id
from ..registry import STATUS_REFUSED, may_set_status
from .columns import BLANK, INVALID
from .reading import Groups, HouseholdKey, Row, RowReader
from .report import HouseholdImportReport

# Chunk for ``__in`` lookups: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_CHUNK = 2000


@dataclass
class Plan:
    new_households: list[Household] = field(default_factory=list)
    changed_households: list[tuple[Household, dict]] = field(default_factory=list)
    new_members: list[Member] = field(default_factory=list)
    changed_members: list[tuple[Member, dict]] = field(default_factory=list)
    # Existing households whose own fields or members change (re-summarised).
    touched: set[int] = field(default_factory=set)
    versions: dict[int, int] = field(default_factory=dict)


MEMBER_DERIVED = ("birth_date", "sex")
# Household fields an import may set (compared before and after).
HOUSEHOLD_FIELDS = [
    "group", "phone", "attribute", "main_cause", "other_cause_1", "other_cause_2", "identification_year",
    "exit_year", "housing_safety", "safe_drinking_water", "declared_income_per_capita",
]


def _household_label(village_names: dict[int, str], key: tuple[int, str]) -> str:
    return f"{village_names.get(key[0], '')}户编号 {key[1]}"


class Planner:
    """Checks households as wholes and against the database, and works out
    what to create and change."""

    def __init__(self, reader: RowReader, actor: User | None, report: HouseholdImportReport) -> None:
        self.reader = reader
        self.actor = actor
        self.report = report
        self.member_fields = [c.field for c in reader.member_columns]
        self.household_columns = reader.household_columns
        # 脱贫年度 (and the 脱贫状态 it implies) is a county administrator's to
        # set directly; the command line without a user imports as the county.
        self.sets_status = actor is None or may_set_status(actor)
        self.plan = Plan()

    def error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    def run(self, groups: Groups, village_names: dict[int, str]) -> Plan:
        self.village_names = village_names
        heads = self._check_heads(groups)
        household_values = {key: self._household_values(key, rows, heads.get(key)) for key, rows in groups.items()}
        self._check_file_duplicates(groups)
        existing = self._existing_households(groups)
        members_by_household = self._existing_members(existing)
        self._check_ids_elsewhere(groups, existing)
        for key, rows in groups.items():
            values = household_values[key]
            # Households with a refused row are not planned: their other
            # errors are already reported and nothing will be written.
            if values is None or not all(r.ok for r in rows):
                continue
            household = existing.get(key)
            self._plan_household(key, rows, heads[key], household, values, members_by_household.get(household.pk, []) if household else [])
        return self.plan

    def _check_heads(self, groups: Groups) -> dict[HouseholdKey, Row]:
        heads = {}
        for key, rows in groups.items():
            head_rows = [r for r in rows if r.relation == Relation.HEAD]
            label = _household_label(self.village_names, key)
            if not head_rows:
                # A refused 与户主关系 cell is already reported: it may be the head's.
                if all(r.relation is not None for r in rows):
                    self.error(rows[0].number, "与户主关系", f"{label} 没有户主：每户须有且只有一名“户主”。")
            elif len(head_rows) > 1:
                numbers = "、".join(str(r.number) for r in head_rows)
                for extra in head_rows[1:]:
                    self.error(extra.number, "与户主关系", f"{label} 有多名户主（第 {numbers} 行），每户只能有一名户主。")
            else:
                heads[key] = head_rows[0]
        return heads

    def _household_values(self, key: HouseholdKey, rows: list[Row], head: Row | None) -> dict | None:
        """Household columns from the 户主 row; other rows may repeat them but not contradict them."""
        if head is None:
            return None
        failed = False
        values = {}
        for index, column in enumerate(self.household_columns):
            value = head.household[index]
            if value is INVALID:
                failed = True
                continue
            if value is BLANK:
                if column.required_on_head:
                    self.error(head.number, column.label, f"户主行的“{column.label}”不能为空。")
                    failed = True
                value = column.blank
            values[column.field] = value
            for row in rows:
                other = row.household[index]
                if row is head or other is BLANK or other is INVALID or other == value:
                    continue
                self.error(
                    row.number, column.label,
                    f"与户主行（第 {head.number} 行）不一致：户主行为“{_display(value)}”，本行为“{_display(other)}”。户级信息以户主行为准。",
                )
                failed = True
        return None if failed else values

    def _check_file_duplicates(self, groups: Groups) -> None:
        first_seen: dict[str, Row] = {}
        for key, rows in groups.items():
            for row in rows:
                if row.id_number is None:
                    continue
                seen = first_seen.get(row.id_number)
                if seen is None:
                    first_seen[row.id_number] = row
                elif seen.key == key:
                    self.error(row.number, "证件号码", f"证件号码 {row.id_number} 与第 {seen.number} 行重复（同一户内同一人只能出现一次）。")
                else:
                    self.error(
                        row.number, "证件号码",
                        f"证件号码 {row.id_number} 同时出现在 {_household_label(self.village_names, key)}（本行）和 "
                        f"{_household_label(self.village_names, seen.key)}（第 {seen.number} 行）：一人只能属于一户。",
                    )

    def _existing_households(self, groups: Groups) -> dict[HouseholdKey, Household]:
        village_ids = sorted({key[0] for key in groups})
        found = {}
        for start in range(0, len(village_ids), LOOKUP_CHUNK):
            for household in Household.objects.filter(village_id__in=village_ids[start : start + LOOKUP_CHUNK]):
                key = (household.village_id, household.number)
                if key in groups:
                    found[key] = household
        return found

    def _existing_members(self, existing: dict[HouseholdKey, Household]) -> dict[int, list[Member]]:
        pks = sorted(h.pk for h in existing.values())
        members: dict[int, list[Member]] = {}
        for start in range(0, len(pks), LOOKUP_CHUNK):
            for member in Member.objects.filter(household_id__in=pks[start : start + LOOKUP_CHUNK]).order_by("pk"):
                members.setdefault(member.household_id, []).append(member)
        return members

    def _check_ids_elsewhere(self, groups: Groups, existing: dict[HouseholdKey, Household]) -> None:
        """One person, one household: a current member of another household
        in the database holds this ID."""
        wanted: dict[str, Row] = {}
        for rows in groups.values():
            for row in rows:
                if row.id_number is not None:
                    wanted.setdefault(row.id_number, row)
        ids = sorted(wanted)
        visible = None
        for start in range(0, len(ids), LOOKUP_CHUNK):
            holders = (
                Member.objects.current()
                .filter(id_number__in=ids[start : start + LOOKUP_CHUNK])
                .values_list("id_number", "household_id", "household__village_id", "household__number", "household__village__name", "household__head_name")
            )
            for id_number, household_id, village_id, number, village_name, head_name in holders:
                row = wanted[id_number]
                if (village_id, number) == row.key:
                    continue
                if visible is None:
                    visible = self._visible_household_ids()
                here = _household_label(self.village_names, row.key)
                if visible is True or household_id in visible:
                    there = f"{village_name}{head_name or ''}户（户编号 {number}）"
                    self.error(row.number, "证件号码", f"证件号码 {id_number} 已登记在 {there}，不能再登记到 {here}：一人只能属于一户。")
                else:
                    self.error(
                        row.number, "证件号码",
                        f"证件号码 {id_number} 已登记在其他乡镇或村的户中，不能再登记到 {here}：一人只能属于一户；如需迁入请联系县级管理员。",
                    )

    def _visible_household_ids(self) -> bool | set[int]:
        if self.actor is None:
            return True
        if self.actor.area.level == AreaLevel.COUNTY and self.actor.can("view"):
            return True
        return set(restrict(Household, self.actor, "view").values_list("pk", flat=True))

    def _plan_household(
        self, key: HouseholdKey, rows: list[Row], head: Row, household: Household | None, values: dict,
        db_members: list[Member],
    ) -> None:
        plan = self.plan
        report = self.report
        if household is None:
            household = Household(village_id=key[0], number=key[1])
            self._apply_household(household, values)
            household.status = HouseholdStatus.OUT_WITH_POLICY if household.exit_year else HouseholdStatus.NOT_OUT
            if not self._final_household_ok(household, head, values) or not self._status_ok(key, head, None, household.exit_year, new=True):
                return
            household.head_name = head.member[self.member_fields.index("name")]
            household.member_count = len(rows)
            plan.new_households.append(household)
            report.households_created += 1
            changed_household = True
        else:
            before = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS}
            self._apply_household(household, values)
            if not self._final_household_ok(household, head, values):
                return
            changes = {f: (before[f], getattr(household, f)) for f in HOUSEHOLD_FIELDS if before[f] != getattr(household, f)}
            if "exit_year" in changes and not self._status_ok(key, head, *changes["exit_year"], new=False):
                return
            changed_household = bool(changes)
            if changes:
                plan.changed_households.append((household, changes))
                report.households_updated += 1
            else:
                report.households_unchanged += 1

        by_id: dict[str, Member] = {}
        for member in db_members:
            if member.id_number and (member.id_number not in by_id or by_id[member.id_number].left_date is not None):
                by_id[member.id_number] = member
        in_file = {row.id_number for row in rows}
        members_changed = False
        for row in rows:
            member = by_id.get(row.id_number)
            if member is not None and member.left_date is not None:
                self.error(
                    row.number, "证件号码",
                    f"{member.name}（{row.id_number}）已于 {member.left_date:%Y-%m-%d} 从该户减少（{member.left_reason}），"
                    "导入不能恢复已减少的成员；如确需恢复请在系统中处理。",
                )
                continue
            if member is None:
                member = Member(household=household)
                self._apply_member(member, row)
                if self._final_member_ok(member, row):
                    plan.new_members.append(member)
                    report.members_created += 1
                    members_changed = True
                continue
            before = {f: getattr(member, f) for f in self.member_fields + list(MEMBER_DERIVED)}
            self._apply_member(member, row)
            if not self._final_member_ok(member, row):
                continue
            changes = {f: (value, getattr(member, f)) for f, value in before.items() if value != getattr(member, f)}
            if changes:
                plan.changed_members.append((member, changes))
                report.members_updated += 1
                members_changed = True
            else:
                report.members_unchanged += 1

        current_head = next((m for m in db_members if m.relation == Relation.HEAD and m.left_date is None), None)
        if current_head is not None and current_head.id_number not in in_file and current_head.id_number != head.id_number:
            self.error(
                head.number, "与户主关系",
                f"系统中该户户主为 {current_head.name}，文件中没有列出此人，不能另设户主。"
                "请在文件中列出原户主及其新的与户主关系，或先在系统中变更户主。",
            )
        report.members_absent += sum(
            1 for m in db_members if m.left_date is None and (not m.id_number or m.id_number not in in_file)
        )
        if household.pk is not None and (changed_household or members_changed):
            plan.touched.add(household.pk)
            plan.versions[household.pk] = household.version

    def _apply_household(self, household: Household, values: dict) -> None:
        for column in self.household_columns:
            value = values[column.field]
            if column.field == "other_causes":
                household.other_cause_1, household.other_cause_2 = value
            else:
                setattr(household, column.field, value)

    def _final_household_ok(self, household: Household, head: Row, values: dict) -> bool:
        """Rules across columns, on the values the household will have (a
        column the file lacks keeps its value from the database)."""
        ok = True
        if household.exit_year is not None and household.identification_year is not None and household.exit_year < household.identification_year:
            column = "脱贫年度" if "exit_year" in values else "识别年度"
            self.error(head.number, column, f"脱贫年度 {household.exit_year} 早于识别年度 {household.identification_year}。")
            ok = False
        others = [c for c in (household.other_cause_1, household.other_cause_2) if c]
        if household.main_cause and household.main_cause in others:
            column = "其他致贫原因" if "other_causes" in values else "主要致贫原因"
            self.error(head.number, column, f"其他致贫原因不能与主要致贫原因“{household.main_cause}”相同。")
            ok = False
        return ok

    def _status_ok(self, key: HouseholdKey, head: Row, before: int | None, after: int | None, *, new: bool) -> bool:
        """Whether the importer may give the household this 脱贫年度: a new
        household with one is registered 已脱贫, and only a county
        administrator sets 脱贫状态 and 脱贫年度 directly."""
        if self.sets_status or before == after:
            return True
        label = _household_label(self.village_names, key)
        if new:
            change = f"新登记的 {label} 填有脱贫年度 {after}（将登记为已脱贫）"
        else:
            change = f"{label} 的脱贫年度在系统中为“{_display(before)}”，文件中为“{_display(after)}”"
        self.error(
            head.number, "脱贫年度",
            f"{change}：{STATUS_REFUSED}脱贫请走退出评议程序；如确需按文件登记，请由县级管理员导入。",
        )
        return False

    def _apply_member(self, member: Member, row: Row) -> None:
        for name, value in zip(self.member_fields, row.member):
            if name != "sex":
                setattr(member, name, value)
        member.birth_date, member.sex = birth_from_id(row.id_number)

    def _final_member_ok(self, member: Member, row: Row) -> bool:
        """残疾等级 only with 残疾, also when one of the two columns is
        missing from the file and the other value comes from the database."""
        if member.disability_grade and member.health != Health.DISABLED:
            if "disability_grade" in self.member_fields:
                self.error(
                    row.number, "残疾等级",
                    f"系统中该成员的健康状况为“{member.health}”，不能填写残疾等级（仅“残疾”时填写）；请同时提供“健康状况”列。",
                )
            else:
                self.error(
                    row.number, "健康状况",
                    f"系统中该成员登记了残疾等级“{member.disability_grade}”，健康状况不能改为“{member.health}”；请同时提供“残疾等级”列。",
                )
            return False
        return True


def _display(value: object) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "、".join(v for v in value if v)
    return str(value)

