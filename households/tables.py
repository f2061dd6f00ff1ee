"""The household list's columns: one definition for the page (贫困户列表)
and its ledger (贫困户花名册, Excel and PDF); the first columns also open
every other ledger about households."""

from __future__ import annotations

from povertyrelief.exports import Kind
from povertyrelief.tables import Table, TableColumn

from .models import HouseholdStatus, IdentificationStandard

STATUS = dict(HouseholdStatus.choices)
STANDARD = dict(IdentificationStandard.choices)
POOR = (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)


def township_column(prefix: str = "household__") -> TableColumn:
    return TableColumn("乡镇", 12, Kind.TEXT, f"{prefix}village__parent__name", name="township")


def village_column(prefix: str = "household__") -> TableColumn:
    return TableColumn("行政村", 12, Kind.TEXT, f"{prefix}village__name", name="village", label="村")


def household_columns(prefix: str = "household__") -> list[TableColumn]:
    """Where a row's household is and who heads it: the first columns of
    every ledger about households (``prefix`` leads from the ledger's rows
    to their household). The sort keys are the household list's."""
    return [
        township_column(prefix),
        village_column(prefix),
        TableColumn("村民小组", 9, Kind.TEXT, f"{prefix}group", name="group"),
        TableColumn("户编号", 19, Kind.ID, f"{prefix}number", name="number", sort="number", link=True),
        TableColumn(
            "户主姓名", 10, Kind.TEXT, f"{prefix}head_name", name="head", label="户主", sort="head", link=True, empty="（无户主）"
        ),
    ]


def _status_text(row) -> str:
    # As Household.status_label: the page names households outside the registry.
    return STATUS.get(row.status, row.status) if row.registered else "非建档立卡户"


def _status_badge(row) -> str:
    return "warning" if row.status in POOR else "success" if row.registered else "secondary"


def _other_causes(row) -> str:
    return "、".join(cause for cause in (row.other_cause_1, row.other_cause_2) if cause)


HOUSEHOLD_TABLE = Table(
    [
        *household_columns(prefix=""),
        TableColumn("户主证件号码", 21, Kind.ID, "head_id_number", sensitive=True, name="head_id_number"),
        TableColumn("家庭人口", 8, Kind.INT, "member_count", name="size", label="人口", sort="size", css="text-end"),
        TableColumn("联系电话", 14, Kind.ID, "phone", name="phone"),
        TableColumn("住址", 24, Kind.TEXT, "address", name="address"),
        TableColumn("识别标准", 8, Kind.TEXT, "identification_standard", choices=STANDARD, name="standard"),
        TableColumn("识别年度", 8, Kind.INT, "identification_year", name="year", sort="year"),
        TableColumn("贫困户属性", 14, Kind.TEXT, "attribute", name="attribute", label="属性"),
        TableColumn("主要致贫原因", 12, Kind.TEXT, "main_cause", name="main_cause"),
        TableColumn(
            "其他致贫原因", 16, Kind.TEXT, _other_causes, name="other_causes", reads=("other_cause_1", "other_cause_2")
        ),
        TableColumn(
            "脱贫状态", 16, Kind.TEXT, "status", choices=STATUS, name="status", label="状态", sort="status",
            css="text-nowrap", text=_status_text, badge=_status_badge, reads=("registered",),
        ),
        TableColumn("脱贫年度", 8, Kind.INT, "exit_year", name="exit_year"),
        TableColumn("计划脱贫年度", 10, Kind.INT, "planned_exit_year", name="planned_exit_year"),
        TableColumn("住房安全", 10, Kind.TEXT, "housing_safety", name="housing_safety"),
        TableColumn("易地扶贫搬迁", 8, Kind.BOOL, "relocated", name="relocated"),
        TableColumn("搬迁入住日期", 12, Kind.DATE, "relocation_date", name="relocation_date"),
        TableColumn("饮水安全", 8, Kind.BOOL, "safe_drinking_water", name="safe_drinking_water"),
        TableColumn("通生活用电", 8, Kind.BOOL, "has_electricity", name="has_electricity"),
        TableColumn("通入户路", 8, Kind.BOOL, "road_to_home", name="road_to_home"),
        TableColumn("耕地面积(亩)", 10, Kind.DECIMAL, "farmland_mu", name="farmland_mu"),
        TableColumn("林地面积(亩)", 10, Kind.DECIMAL, "forest_mu", name="forest_mu"),
        TableColumn("退耕还林面积(亩)", 10, Kind.DECIMAL, "returned_farmland_mu", name="returned_farmland_mu"),
        TableColumn("人均纯收入(元)", 14, Kind.MONEY, "declared_income_per_capita", name="income_per_capita"),
        TableColumn("开户银行", 16, Kind.TEXT, "bank_name", name="bank_name"),
        TableColumn("银行账号", 22, Kind.ID, "bank_account", sensitive=True, name="bank_account"),
        TableColumn("建档日期", 12, Kind.DATE, "created_at", name="created_at"),
    ],
    shown=("township", "village", "number", "head", "size", "attribute", "main_cause", "year", "status"),
    url_name="households:household_detail",
)
