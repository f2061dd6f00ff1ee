from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.services.imports import household_import
from povertyrelief.models import User


class Command(BaseCommand):
    help = (
        "导入家庭成员花名册（.xlsx）：全部成功或全部不导入；重复导入不产生变化。"
        "指定 --user 时按该用户的管辖范围导入并记为操作人，否则以系统身份导入全县数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--user", help="以该用户的身份和管辖范围导入（用户名）")

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        self.verbosity = options.get("verbosity", 1)
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}", returncode=2)
        actor = None
        if user:
            actor = User.objects.select_related("area").filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有名为 {user} 的在用用户。", returncode=2)
            if not actor.can("change"):
                raise CommandError(f"用户 {user} 的角色无权修改贫困户数据，不能导入。", returncode=2)
        with file.open("rb") as handle:
            report = household_import(actor=actor, file=handle, dry_run=dry_run, report_progress=self._progress)
        if self.verbosity >= 2:
            self.stderr.write("")
        for error in report.errors:
            self.stderr.write(str(error))
        if report.ignored_columns:
            self.stdout.write("已忽略的列：" + "、".join(report.ignored_columns))
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _progress(self, done: int, total: int | None = None) -> None:
        if self.verbosity >= 2 and total:
            self.stderr.write(f"\r{done * 100 // total}%", ending="")
