"""python manage.py print_cards --area CODE [--year Y] --out FILE.pdf [--user NAME [--record]]

All 明白卡 of a village or township (or the county) in one PDF, one card per
page, exactly as the batch button prints them. Run as ``--user`` (scoped to
that user's area) or else as the system account. Writing the file records
nothing but the print log; ``--record`` (with ``--user``) also records the
cards as printed (打印登记) for the print queue.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from households.rendering import CHUNK_SIZE, cards_pdf
from households.selectors.printing import area_households
from households.services.printing import card_print_log, card_prints_record, records_prints
from households.management.commands.export_ledger import system_actor
from povertyrelief.exports import area_full_name
from povertyrelief.models import User
from povertyrelief.permissions import restrict
from villages.models import Area


class Command(BaseCommand):
    help = "批量生成明白卡 PDF（每户一页）。"

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="村、乡镇或县的区划代码（12位）")
        parser.add_argument("--year", type=int, help="年度，默认今年")
        parser.add_argument("--out", required=True, help="输出文件 .pdf")
        parser.add_argument("--user", help="以该用户身份打印（限其管辖范围）")
        parser.add_argument("--record", action="store_true", help="同时以 --user 的身份登记为已打印（打印登记）")
        parser.add_argument("--chunk", type=int, default=CHUNK_SIZE, help="每批渲染的户数")

    def handle(self, *args, area, out, year=None, user=None, record=False, chunk=CHUNK_SIZE, **options):
        out_path = Path(out)
        if out_path.suffix.lower() != ".pdf":
            raise CommandError("--out 须为 .pdf 文件。")
        if record and not user:
            raise CommandError("--record 须同时用 --user 指定登记人。")
        found = Area.objects.filter(code=area).select_related("parent", "parent__parent").first()
        if found is None:
            raise CommandError(f"区划代码 {area} 不存在。")
        year = year or timezone.localdate().year
        if user:
            actor = User.objects.select_related("area").filter(username=user).first()
            if actor is None or not actor.can("view"):
                raise CommandError(f"用户 {user} 不存在或无权查看贫困户。")
            if record and not records_prints(actor):
                raise CommandError(f"用户 {user} 的角色不能登记明白卡打印。")
            if not restrict(Area, actor, "view").filter(pk=found.pk).exists():
                raise CommandError(f"{found.name} 不在用户 {user} 的管辖范围内。")
        else:
            actor = system_actor(found)
        households = area_households(actor=actor, area=found)

        def progress(done, total):
            self.stdout.write(f"已生成 {done}/{total} 户")

        content, ids = cards_pdf(households, year=year, progress=progress, chunk_size=max(1, chunk))
        out_path.write_bytes(content)
        recorded = card_prints_record(actor=actor, household_ids=ids, year=year) if record and ids else 0
        card_print_log(
            actor=actor, what=f"{year}年明白卡（命令行）", object_repr=area_full_name(found), rows=len(ids), year=year
        )
        message = f"已将 {area_full_name(found)} {len(ids)} 户 {year} 年明白卡写入 {out_path}"
        if recorded:
            message += f"，已记录打印 {recorded} 户"
        self.stdout.write(self.style.SUCCESS(message + "。"))
