"""备份与恢复: a dated, consistent copy of the database and the uploaded
files with a manifest of what it holds, and a restore that checks the copy
came back whole.

PostgreSQL: ``pg_dump`` (custom format) reads the very snapshot the manifest
figures were counted in, so the figures match the dump while users keep
working. SQLite: the online backup API, figures counted on the copy. Files:
MEDIA_ROOT except job results and pending import uploads, which are transient
(a job result expires after JOB_RESULT_RETENTION_DAYS anyway; its page then
says so). A restore goes only into an empty database and compares every
figure of the manifest (``backup_figures``) with what the restored database
holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from .backup_figures import compare_figures, database_figures, existing_columns, existing_tables

FORMAT = 1
PREFIX = "povertyrelief-"
NAME_PATTERN = re.compile(r"^povertyrelief-(\d{8}-\d{4})(?:-(\d+))?$")
MANIFEST = "manifest.json"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
MEDIA_DIR = "media"
# Top-level folders of MEDIA_ROOT left out: job result files (deleted after
# the retention period anyway) and workbooks waiting for a background import.
TRANSIENT_MEDIA = ("jobs", "imports")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    figures: dict
    differences: list[str]
    seconds: float
    pending_migrations: int = 0


def referenced_files(cursor, vendor: str) -> set[str]:
    """Files the records point at (job results excepted: transient)."""
    existing = existing_tables(cursor, vendor)
    names = set()
    for model in apps.get_models():
        table = model._meta.db_table
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.FileField) or table not in existing:
                continue
            if isinstance(f.upload_to, str) and f.upload_to.split("/")[0] in TRANSIENT_MEDIA:
                continue
            if f.column in existing_columns(cursor, vendor, table):
                cursor.execute(f'SELECT "{f.column}" FROM "{table}" WHERE "{f.column}" <> \'\'')
                names.update(row[0] for row in cursor.fetchall())
    return names


def sqlite_readonly(path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))


def sqlite_figures(path: Path) -> tuple[dict, set[str]]:
    with sqlite_readonly(path) as handle:
        cursor = handle.cursor()
        return database_figures(cursor, "sqlite"), referenced_files(cursor, "sqlite")


# Files


def file_facts(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _copy_hashed(source: Path, target: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return {"size": size, "sha256": digest.hexdigest()}


def media_files(root: Path) -> list[Path]:
    """Every kept file under MEDIA_ROOT, relative to it."""
    found = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder).relative_to(root)
        if here == Path("."):
            subfolders[:] = [name for name in subfolders if name not in TRANSIENT_MEDIA]
        subfolders.sort()
        found.extend(here / name for name in sorted(names) if (Path(folder) / name).is_file())
    return found


def copy_media(root: Path, target: Path) -> list[dict]:
    return [{"path": relative.as_posix(), **_copy_hashed(root / relative, target / relative)} for relative in media_files(root)]


# Backup


def postgres_env() -> dict[str, str]:
    """The connection for pg_dump and pg_restore, in libpq's variables (the
    password never appears on a command line)."""
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    for key in ("HOST", "PORT", "USER", "PASSWORD"):
        if database.get(key):
            env[f"PG{key}"] = str(database[key])
    env["PGDATABASE"] = str(database["NAME"])
    options = database.get("OPTIONS") or {}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile"):
        if options.get(key):
            env[f"PG{key.upper()}"] = str(options[key])
    return env


def run_tool(argv: list[str], *, env: dict[str, str], what: str) -> str:
    program = shutil.which(argv[0])
    if not program:
        raise BackupError(
            f"找不到 {argv[0]}：请安装与数据库服务器同版本或更新的 PostgreSQL 客户端（如 apt-get install postgresql-client）。"
        )
    completed = subprocess.run([program, *argv[1:]], env=env, capture_output=True, text=True)
    if completed.returncode:
        detail = completed.stderr.strip()
        if env.get("PGPASSWORD"):
            detail = detail.replace(env["PGPASSWORD"], "******")
        raise BackupError(f"{what}失败（{argv[0]} 退出码 {completed.returncode}）：{detail}")
    return completed.stdout


def dump_postgresql(path: Path) -> tuple[dict, set[str], str]:
    """pg_dump inside the snapshot the figures are read in."""
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, version = cursor.fetchone()
        figures = database_figures(cursor, "postgresql")
        referenced = referenced_files(cursor, "postgresql")
        run_tool(
            ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={path}"],
            env=postgres_env(),
            what="pg_dump 导出数据库",
        )
    return figures, referenced, version.split()[0]


def sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"无法备份或恢复这个 SQLite 数据库：{name or '（未指定文件）'}")
    return Path(name)


def dump_sqlite(path: Path) -> tuple[dict, set[str], str]:
    """The online backup API: one consistent copy while others keep writing."""
    source_path = sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"数据库文件不存在：{source_path}")
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    figures, referenced = sqlite_figures(path)
    return figures, referenced, sqlite3.sqlite_version


def _new_name(out_dir: Path, created: datetime) -> str:
    base = PREFIX + created.strftime("%Y%m%d-%H%M")
    name, number = base, 1
    while (out_dir / name).exists() or (out_dir / f"{name}.partial").exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _write_backup(work: Path, vendor: str, created: datetime) -> dict:
    dump = work / DUMP_NAMES[vendor]
    dumper = dump_postgresql if vendor == "postgresql" else dump_sqlite
    figures, referenced, version = dumper(dump)
    files = copy_media(Path(settings.MEDIA_ROOT), work / MEDIA_DIR)
    present = {entry["path"] for entry in files}
    return {
        "format": FORMAT,
        "created": created.isoformat(timespec="seconds"),
        "vendor": vendor,
        "database": {"file": dump.name, "server_version": version, **file_facts(dump)},
        **figures,
        "media": {
            "skipped": [f"{name}/" for name in TRANSIENT_MEDIA],
            "total_size": sum(entry["size"] for entry in files),
            "files": files,
        },
        "missing_files": sorted(referenced - present),
    }


def backup(out_dir: Path, *, keep: int = 0) -> BackupResult:
    """Write a new dated backup directory under ``out_dir``; it appears under
    its final name only once complete. ``keep`` > 0 then deletes all but the
    newest ``keep`` complete backups there."""
    started = time.monotonic()
    created = datetime.now(SHANGHAI)
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"不支持备份这种数据库：{vendor}")
    out_dir.mkdir(parents=True, exist_ok=True)
    name = _new_name(out_dir, created)
    work = out_dir / f"{name}.partial"
    # Personal data: only the account running the backup may read it.
    work.mkdir(mode=0o700)
    try:
        manifest = _write_backup(work, vendor, created)
        manifest["duration_seconds"] = round(time.monotonic() - started, 1)
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        work.rename(out_dir / name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(out_dir / name, manifest, prune_backups(out_dir, keep) if keep > 0 else [])


def _backup_order(path: Path) -> tuple[str, int]:
    match = NAME_PATTERN.match(path.name)
    return match.group(1), int(match.group(2) or 1)


def prune_backups(out_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups in ``out_dir``
    (only directories this command made: its name pattern and a manifest)."""
    complete = sorted(
        (p for p in out_dir.iterdir() if p.is_dir() and NAME_PATTERN.match(p.name) and (p / MANIFEST).is_file()),
        key=_backup_order,
    )
    doomed = complete[:-keep]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


# Restore


def read_manifest(backup_dir: Path) -> dict:
    path = backup_dir / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup_dir} 不是备份目录：缺少 {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BackupError(f"{path} 已损坏：{error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} 不是可识别的备份清单（格式 {FORMAT}）")
    missing = [key for key in ("vendor", "database", "media", "tables", "money", "audit") if key not in manifest]
    if missing:
        raise BackupError(f"{path} 不完整：缺少 {'、'.join(missing)}")
    return manifest


def check_dump(backup_dir: Path, manifest: dict) -> Path:
    dump = backup_dir / manifest["database"]["file"]
    if not dump.is_file():
        raise BackupError(f"备份不完整：缺少数据库文件 {dump.name}")
    if file_facts(dump)["sha256"] != manifest["database"]["sha256"]:
        raise BackupError(f"备份已损坏：{dump.name} 的 SHA-256 与清单不符，未做任何恢复。")
    return dump


def target_tables(vendor: str) -> list[str]:
    """The tables already in the database DATABASE_URL names."""
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname <> 'information_schema' "
                "AND n.nspname !~ '^pg_' ORDER BY 1"
            )
            return [row[0] for row in cursor.fetchall()]
    path = sqlite_path()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        return [wal.name]
    if not path.exists() or not path.stat().st_size:
        return []
    with sqlite_readonly(path) as handle:
        return [row[0] for row in handle.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def check_target_empty(vendor: str) -> None:
    tables = target_tables(vendor)
    if tables:
        examples = "、".join(tables[:5]) + ("等" if len(tables) > 5 else "")
        raise BackupError(
            f"目标数据库 {settings.DATABASES['default']['NAME']} 不是空数据库（已有 {len(tables)} 张表：{examples}），"
            "拒绝恢复。恢复只写入新建的空数据库，不覆盖现有数据：请新建一个数据库（PostgreSQL：createdb 新库名；"
            "SQLite：一个尚不存在的文件），把 DATABASE_URL 指向它后再恢复。"
        )


def media_plan(manifest: dict) -> list[dict]:
    """The files to copy; refuses before anything is written when a file of
    the same name with other content is already in MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    plan, clashes = [], []
    for entry in manifest["media"]["files"]:
        target = root / entry["path"]
        if target.exists():
            if file_facts(target)["sha256"] != entry["sha256"]:
                clashes.append(entry["path"])
            continue
        plan.append(entry)
    if clashes:
        raise BackupError(
            f"MEDIA_ROOT（{root}）中已有 {len(clashes)} 个同名但内容不同的文件（如 {clashes[0]}），拒绝恢复；"
            "请换一个空的 MEDIA_ROOT。"
        )
    return plan


def restore_media(backup_dir: Path, plan: list[dict]) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    differences = []
    for entry in plan:
        source = backup_dir / MEDIA_DIR / entry["path"]
        if not source.is_file():
            differences.append(f"文件 {entry['path']}：备份中缺失")
            continue
        facts = _copy_hashed(source, root / entry["path"])
        if facts["sha256"] != entry["sha256"]:
            differences.append(f"文件 {entry['path']}：SHA-256 应为 {entry['sha256']}，恢复后为 {facts['sha256']}")
    return differences


def restore_postgresql(dump: Path) -> None:
    """pg_restore in one transaction: all or nothing. The triggers (audit
    log, confirmed disbursements, township) come back after the data, as
    pg_dump orders them. The extension's comment is skipped: only its owner
    may set it."""
    env = postgres_env()
    listing = run_tool(["pg_restore", "--list", str(dump)], env=env, what="读取备份目录")
    kept = "\n".join(line for line in listing.splitlines() if "COMMENT - EXTENSION" not in line)
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as handle:
        handle.write(kept + "\n")
        handle.flush()
        run_tool(
            ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password",
             f"--use-list={handle.name}", f"--dbname={env['PGDATABASE']}", str(dump)],
            env=env,
            what="pg_restore 恢复数据库",
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def restore_sqlite(dump: Path) -> Path:
    target = sqlite_path()
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.restoring")
    shutil.copyfile(dump, partial)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)
    return target


def pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def restore(backup_dir: Path) -> RestoreResult:
    """Restore a backup into the empty database DATABASE_URL names and the
    files into MEDIA_ROOT, then compare the restored figures with the
    manifest. Refuses, having written nothing, when the database is not
    empty, the backup is damaged or MEDIA_ROOT holds other files of the same
    names."""
    started = time.monotonic()
    manifest = read_manifest(backup_dir)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"备份来自 {VENDOR_NAMES.get(manifest['vendor'], manifest['vendor'])}，目标数据库是 "
            f"{VENDOR_NAMES.get(vendor, vendor)}：只能恢复到同一种数据库。"
        )
    dump = check_dump(backup_dir, manifest)
    check_target_empty(vendor)
    plan = media_plan(manifest)
    if vendor == "postgresql":
        restore_postgresql(dump)
        with connection.cursor() as cursor:
            figures = database_figures(cursor, vendor)
    else:
        figures = sqlite_figures(restore_sqlite(dump))[0]
    differences = compare_figures(manifest, figures) + restore_media(backup_dir, plan)
    return RestoreResult(manifest, figures, differences, time.monotonic() - started, pending_migrations())
