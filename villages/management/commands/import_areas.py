from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villages.services import area_import


class Command(BaseCommand):
    help = "按区划模板导入县、乡镇、村（全部成功或全部不导入；重复导入不产生变化）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        with file.open("rb") as handle:
            report = area_import(file=handle, dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
