from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from povertyrelief.backup import VENDOR_NAMES, BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库和上传的文件：在 --out 目录下新建 povertyrelief-年月日-时分 目录，"
        "内含数据库（PostgreSQL 为 pg_dump 自定义格式，SQLite 为在线备份）、media/ 文件和 manifest.json 清单。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="存放备份的目录（每次在其中新建一个带日期的子目录）")
        parser.add_argument(
            "--keep", type=int, default=0, help="备份成功后只保留该目录中最近的 N 份完整备份（默认 0：不删除旧备份）"
        )

    def handle(self, *args, out: Path, keep: int, **options):
        if keep < 0:
            raise CommandError("--keep 不能为负数")
        try:
            result = backup(out, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"数据库出错（请检查 DATABASE_URL，目标数据库须已建好）：{error}".strip()) from error
        manifest = result.manifest
        media = manifest["media"]
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"数据库（{VENDOR_NAMES[manifest['vendor']]} {manifest['database']['server_version']}）："
            f"{len(manifest['tables'])} 张表，共 {rows:,} 行；审计日志 {manifest['audit'].get('count', 0):,} 条；"
            f"备份文件 {manifest['database']['size'] / 1e6:,.1f} MB"
        )
        self.stdout.write(
            f"文件：{len(media['files']):,} 个，{media['total_size'] / 1e6:,.1f} MB（未备份临时文件：{'、'.join(media['skipped'])}）"
        )
        if manifest["missing_files"]:
            shown = "、".join(manifest["missing_files"][:5])
            self.stderr.write(f"注意：{len(manifest['missing_files'])} 个记录引用的文件在 MEDIA_ROOT 中不存在（如 {shown}）。")
        for path in result.pruned:
            self.stdout.write(f"已删除旧备份 {path}")
        self.stdout.write(
            self.style.SUCCESS(f"备份完成：{result.path}（{manifest['created']}，用时 {manifest['duration_seconds']} 秒）")
        )
