"""python manage.py export_ledger KIND [--area CODE] [--year Y] --out FILE.xlsx

Writes a ledger the way the export page does, as the system account over
the county (or the area given), and logs the export like any other.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from povertyrelief.exports import exporters, get_exporter
from povertyrelief.models import Role, User
from povertyrelief.privacy import personal_data_access_record
from villages.management.arguments import area_or_county
from villages.models import Area

SYSTEM_USERNAME = "system"


def system_actor(area: Area) -> User:
    """The account command-line exports are logged under: a county viewer
    that cannot log in (no usable password), narrowed in memory to ``area``."""
    county = area
    while county.parent_id is not None:
        county = county.parent
    account, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "role": Role.COUNTY_VIEWER,
            "area": county,
            "first_name": "系统",
            "last_name": "",
            "password": make_password(None),
        },
    )
    if account.role != Role.COUNTY_VIEWER or not account.is_active:
        raise CommandError(f"用户 {SYSTEM_USERNAME} 不是可用的县级查看账户，无法代为导出。")
    # Not saved: the account keeps the county, this run sees only the area.
    account.area = area
    return account


class Command(BaseCommand):
    help = "导出台账为 Excel（与页面导出相同的范围、列和记录）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="台账：" + "、".join(f"{key}（{cls.title}）" for key, cls in exporters().items()))
        parser.add_argument("--area", help="区划代码（12位）；默认全县")
        parser.add_argument("--year", type=int, help="年度（按年度记录的台账）")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")

    def handle(self, *args, kind, area=None, year=None, out, **options):
        try:
            exporter = get_exporter(kind)
        except Http404:
            raise CommandError(f"没有台账 {kind}；可选：{'、'.join(exporters())}") from None
        if year and not exporter.year_filter:
            raise CommandError(f"{exporter.title}不按年度筛选，请去掉 --year。")
        out_path = Path(out)
        if out_path.suffix.lower() != ".xlsx":
            raise CommandError("--out 须为 .xlsx 文件。")
        found = area_or_county(area)
        actor = system_actor(found)
        filters = {"year": str(year)} if year else {}
        # Whoever runs this already holds the database: masking the IDs
        # would protect nothing and spoil the file for re-import.
        written = exporter.write(str(out_path), actor=actor, filters=filters, reveal=True)
        query = f"area={found.code}" + (f"&year={year}" if year else "")
        if exporter.personal_data:
            personal_data_access_record(actor=actor, kind="export", what=exporter.title, filters=query, rows=written)
        self.stdout.write(f"已导出{exporter.title} {written} 行到 {out_path}")
