from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from povertyrelief.backup import SHANGHAI, VENDOR_NAMES, BackupError, restore


def local_time(text: str) -> str:
    """An audit timestamp as read from the database, in Beijing time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


class Command(BaseCommand):
    help = (
        "把 manage.py backup 的备份目录恢复到 DATABASE_URL 指向的空数据库（及 MEDIA_ROOT），"
        "然后按清单逐项核对表行数、金额合计、迁移状态、审计日志、数据库触发器和文件；有任何不一致时退出码为 1。"
    )
    # Nothing may open the target database before the restore has looked at it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", type=Path, help="备份目录（含 manifest.json）")

    def handle(self, *args, backup_dir: Path, **options):
        try:
            result = restore(backup_dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"数据库出错（请检查 DATABASE_URL，目标数据库须已建好）：{error}".strip()) from error
        if result.differences:
            for line in result.differences:
                self.stderr.write(line)
            raise CommandError(
                f"恢复后核对发现 {len(result.differences)} 处与备份清单不一致（见上）。"
                "数据库已写入，请勿投入使用：删除该数据库后重新恢复，或换一份备份。"
            )
        self._summary(backup_dir, result)

    def _summary(self, backup_dir: Path, result) -> None:
        manifest, figures = result.manifest, result.figures
        money = sum(len(by_status) for by_status in figures["money"].values())
        audit = figures["audit"]
        last = audit["last"][0] if audit.get("last") else None
        files = manifest["media"]["files"]
        self.stdout.write(
            f"备份：{backup_dir}（{manifest['created']}，{VENDOR_NAMES[manifest['vendor']]} {manifest['database']['server_version']}）"
        )
        self.stdout.write(
            f"数据库：{len(figures['tables'])} 张表共 {sum(figures['tables'].values()):,} 行，"
            f"{len(figures['migrations'])} 个应用的迁移状态、{money} 项金额合计、{len(figures['triggers'])} 个数据库触发器均与备份一致"
        )
        if audit:
            tail = f"，最后一条 #{last['id']}（{local_time(last['timestamp'])}）" if last else ""
            self.stdout.write(f"审计日志：{audit['count']:,} 条{tail}，与备份一致")
        self.stdout.write(f"文件：{len(files):,} 个，{manifest['media']['total_size'] / 1e6:,.1f} MB，SHA-256 校验一致")
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(f"代码中还有 {result.pending_migrations} 个迁移未应用到恢复的数据库：请运行 manage.py migrate。")
            )
        self.stdout.write(self.style.SUCCESS(f"恢复完成，核对一致，用时 {result.seconds:.1f} 秒。"))
