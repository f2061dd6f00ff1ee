"""The backup and restore drill, run as an operator would: seed a small
county in a database of its own, ``manage.py backup``, ``manage.py restore``
into a fresh database, and compare what came back — row counts of every
table, money totals, the audit log — independently of the manifest.

Each vendor's drill runs on its own suite run: the SQLite one when the suite
runs on SQLite, the PostgreSQL one (marked ``postgres``) on PostgreSQL.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing, contextmanager
from pathlib import Path

import dj_database_url
import pytest

from povertyrelief.backup import MANIFEST, prune_backups
from povertyrelief.backup_figures import database_figures

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

# A small demo county, plus audited changes and uploaded files made the way
# the application makes them; a job result and a pending import upload,
# which the backup leaves out.
SEED = """
from auditlog.context import set_actor
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

call_command("migrate", verbosity=0)
call_command("seed_demo", households=40, verbosity=0)

from households.models import Attachment, Household
from povertyrelief.models import User

admin = User.objects.get(username="county_admin")
with set_actor(admin):
    for index, household in enumerate(Household.objects.order_by("pk")[:3]):
        content = b"%PDF-1.4 drill " + str(index).encode()
        Attachment.objects.create(
            household=household, kind="其他", file=ContentFile(content, name=f"drill{index}.pdf"),
            original_name=f"材料{index}.pdf", content_type="application/pdf", size=len(content), uploaded_by=admin,
        )
        household.phone = f"1390000000{index}"
        household.save()
default_storage.save("jobs/2026/12/result.xlsx", ContentFile(b"transient job result"))
default_storage.save("imports/pending.xlsx", ContentFile(b"transient upload"))
"""
MONEY = [
    "SELECT status, SUM(amount) FROM funds_disbursement GROUP BY status ORDER BY status",
    "SELECT SUM(amount), SUM(confirmed_total), SUM(pending_total) FROM funds_allocation",
    "SELECT status, SUM(amount) FROM households_measure GROUP BY status ORDER BY status",
    "SELECT SUM(total_income), SUM(net_income) FROM households_income",
]
AUDIT_LAST = "SELECT id, timestamp, action, content_type_id, object_pk, changes FROM auditlog_logentry ORDER BY id DESC LIMIT 5"
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
POSTGRES_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(DEBUG="1", DATABASE_URL=database_url, MEDIA_ROOT=str(media_root), VAR_DIR=str(media_root.parent / "var"))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def contents(cursor, tables_sql: str) -> dict:
    """What a database holds, read without the code under test."""
    cursor.execute(tables_sql)
    counts = {}
    for (table,) in sorted(cursor.fetchall()):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    money = []
    for query in MONEY:
        cursor.execute(query)
        money.append(cursor.fetchall())
    cursor.execute(AUDIT_LAST)
    return {"counts": counts, "money": money, "audit_last": cursor.fetchall()}


def assert_same_contents(source: dict, restored: dict) -> None:
    assert restored["counts"] == source["counts"]
    assert restored["counts"]["households_household"] == 40
    assert restored["counts"]["auditlog_logentry"] >= 7
    assert restored["money"] == source["money"]
    assert any(status == "confirmed" and total for status, total in source["money"][0])
    assert restored["audit_last"] == source["audit_last"]
    assert len(source["audit_last"]) == 5


def assert_files_restored(source_media: Path, restored_media: Path) -> None:
    restored = sorted(p.relative_to(restored_media).as_posix() for p in restored_media.rglob("*") if p.is_file())
    assert len(restored) == 3 and all(name.startswith("attachments/") for name in restored)
    for name in restored:
        assert (restored_media / name).read_bytes() == (source_media / name).read_bytes()


def check_manifest(backup_dir: Path, vendor: str) -> dict:
    manifest = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    assert backup_dir.name.startswith("povertyrelief-")
    assert manifest["vendor"] == vendor
    assert manifest["created"].endswith("+08:00")
    assert manifest["migrations"]["households"].startswith("00")
    assert manifest["tables"]["households_household"] == 40
    assert manifest["tables"]["auditlog_logentry"] >= 7
    assert "povertyrelief_personaldataaccess" in manifest["tables"]
    assert float(manifest["money"]["funds_disbursement.amount"]["confirmed"]) > 0
    assert {"households_measure.amount", "households_income.net_income", "funds_allocation.amount"} <= set(manifest["money"])
    files = manifest["media"]["files"]
    assert [entry["path"].split("/")[0] for entry in files] == ["attachments"] * 3
    assert all(len(entry["sha256"]) == 64 and entry["size"] > 0 for entry in files)
    assert manifest["missing_files"] == []
    return manifest


def backed_up(tmp: Path, database_url: str) -> Path:
    source_media = tmp / "source-media"
    seeded = manage("shell", "-c", SEED, database_url=database_url, media_root=source_media)
    assert seeded.returncode == 0, seeded.stderr
    done = manage("backup", "--out", str(tmp / "backups"), database_url=database_url, media_root=source_media)
    assert done.returncode == 0, done.stderr
    assert "备份完成" in done.stdout
    (backup_dir,) = (tmp / "backups").iterdir()
    return backup_dir


# SQLite


@pytest.fixture(scope="module")
def sqlite_drill(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sqlite-drill")
    source = tmp / "source.sqlite3"
    return type("Drill", (), dict(tmp=tmp, source=source, backup=backed_up(tmp, f"sqlite:///{source}")))


def sqlite_contents(path: Path) -> dict:
    with closing(sqlite3.connect(path)) as handle:
        return contents(handle.cursor(), SQLITE_TABLES)


pytest_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite drill runs on the SQLite suite run")


@pytest_sqlite
def test_sqlite_backup_restores_into_a_fresh_file_with_every_figure_equal(sqlite_drill, tmp_path):
    check_manifest(sqlite_drill.backup, "sqlite")
    target = tmp_path / "restored.sqlite3"
    restored = manage("restore", str(sqlite_drill.backup), database_url=f"sqlite:///{target}", media_root=tmp_path / "media")
    assert restored.returncode == 0, restored.stderr
    assert "恢复完成，核对一致" in restored.stdout
    assert_same_contents(sqlite_contents(sqlite_drill.source), sqlite_contents(target))
    assert_files_restored(sqlite_drill.tmp / "source-media", tmp_path / "media")


@pytest_sqlite
def test_restore_refuses_a_database_that_holds_data(sqlite_drill, tmp_path):
    before = sqlite_drill.source.read_bytes()
    refused = manage(
        "restore", str(sqlite_drill.backup), database_url=f"sqlite:///{sqlite_drill.source}", media_root=tmp_path / "media"
    )
    assert refused.returncode == 1
    assert "不是空数据库" in refused.stderr and "拒绝恢复" in refused.stderr
    assert sqlite_drill.source.read_bytes() == before
    assert not (tmp_path / "media").exists()


@pytest_sqlite
def test_restore_names_every_figure_that_differs_from_the_manifest(sqlite_drill, tmp_path):
    tampered = tmp_path / sqlite_drill.backup.name
    shutil.copytree(sqlite_drill.backup, tampered)
    manifest = json.loads((tampered / MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"]["households_household"] += 1
    manifest["money"]["funds_disbursement.amount"]["confirmed"] = "0.01"
    manifest["audit"]["count"] += 1
    (tampered / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    target = tmp_path / "restored.sqlite3"
    checked = manage("restore", str(tampered), database_url=f"sqlite:///{target}", media_root=tmp_path / "media")
    assert checked.returncode == 1
    assert "表 households_household：备份中为 41 行，恢复后为 40 行" in checked.stderr
    assert "金额 funds_disbursement.amount[confirmed]：备份中为 0.01 元，恢复后为 " in checked.stderr
    assert "审计日志 条数：备份中为" in checked.stderr
    assert "3 处与备份清单不一致" in checked.stderr


@pytest_sqlite
def test_restore_refuses_a_damaged_backup_and_writes_nothing(sqlite_drill, tmp_path):
    damaged = tmp_path / sqlite_drill.backup.name
    shutil.copytree(sqlite_drill.backup, damaged)
    with (damaged / "database.sqlite3").open("ab") as handle:
        handle.write(b"\0")
    target = tmp_path / "restored.sqlite3"
    refused = manage("restore", str(damaged), database_url=f"sqlite:///{target}", media_root=tmp_path / "media")
    assert refused.returncode == 1
    assert "备份已损坏" in refused.stderr
    assert not target.exists()


def test_keep_deletes_all_but_the_newest_complete_backups(tmp_path):
    names = ["povertyrelief-20261130-0610", "povertyrelief-20261201-0610", "povertyrelief-20261201-0610-2",
             "povertyrelief-20261201-0610-10", "povertyrelief-20261202-0610"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / MANIFEST).write_text("{}")
    (tmp_path / "povertyrelief-20261101-0610.partial").mkdir()
    (tmp_path / "povertyrelief-20261102-0610").mkdir()  # no manifest: not a complete backup
    (tmp_path / "other").mkdir()
    pruned = prune_backups(tmp_path, 2)
    assert [path.name for path in pruned] == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["povertyrelief-20261201-0610-10", "povertyrelief-20261202-0610", "povertyrelief-20261101-0610.partial",
         "povertyrelief-20261102-0610", "other"]
    )


def test_figures_read_only_the_tables_and_columns_the_database_has(tmp_path):
    """A database behind the code's migrations (a backup before migrate)."""
    with closing(sqlite3.connect(tmp_path / "older.sqlite3")) as handle:
        handle.execute("CREATE TABLE django_migrations (id integer, app text, name text, applied text)")
        handle.execute("INSERT INTO django_migrations VALUES (1, 'funds', '0001_initial', ''), (2, 'funds', '0002_x', '')")
        handle.execute("CREATE TABLE funds_disbursement (id integer, amount decimal)")  # no status column yet
        handle.execute("INSERT INTO funds_disbursement VALUES (1, 10.1), (2, 0.2)")
        handle.execute("CREATE TABLE households_measure (id integer, status text)")  # no amount column yet
        figures = database_figures(handle.cursor(), "sqlite")
    assert figures["tables"] == {"django_migrations": 2, "funds_disbursement": 2, "households_measure": 0}
    assert figures["money"] == {"funds_disbursement.amount": {"*": "10.30"}}
    assert figures["migrations"] == {"funds": "0002_x"}
    assert figures["audit"] == {} and figures["triggers"] == []


# PostgreSQL


def server():
    database = dj_database_url.parse(os.environ["DATABASE_URL"])
    return {key.lower(): database[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if database.get(key)}


def postgres_url(name: str) -> str:
    params = server()
    password = f":{params['password']}" if params.get("password") else ""
    user, host, port = params.get("user", "postgres"), params.get("host", "127.0.0.1"), params.get("port", 5432)
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@contextmanager
def postgres_database(prefix: str):
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with closing(psycopg2.connect(dbname="postgres", **server())) as admin:
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_cursor(name: str):
    import psycopg2

    with closing(psycopg2.connect(dbname=name, **server())) as handle:
        handle.autocommit = True
        yield handle.cursor()


@pytest.fixture(scope="module")
def postgres_drill(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("postgres-drill")
    with postgres_database("pr_backup_source") as source:
        yield type("Drill", (), dict(tmp=tmp, source=source, backup=backed_up(tmp, postgres_url(source))))


def refused_by_the_database(cursor, statement: str) -> str:
    import psycopg2

    with pytest.raises(psycopg2.Error) as raised:
        cursor.execute(statement)
    return str(raised.value)


@pytest.mark.postgres
def test_postgres_backup_restores_into_a_new_database_with_every_figure_and_trigger(postgres_drill, tmp_path):
    manifest = check_manifest(postgres_drill.backup, "postgresql")
    assert {"auditlog_logentry.povertyrelief_audit_immutable", "auditlog_logentry.povertyrelief_audit_no_truncate",
            "funds_disbursement.funds_confirmed_disbursement_immutable"} <= set(manifest["triggers"])
    with postgres_database("pr_restore") as target:
        restored = manage("restore", str(postgres_drill.backup), database_url=postgres_url(target), media_root=tmp_path / "media")
        assert restored.returncode == 0, restored.stderr
        assert "恢复完成，核对一致" in restored.stdout
        with postgres_cursor(postgres_drill.source) as cursor:
            source = contents(cursor, POSTGRES_TABLES)
        with postgres_cursor(target) as cursor:
            assert_same_contents(source, contents(cursor, POSTGRES_TABLES))
            assert "审计日志不可修改或删除" in refused_by_the_database(cursor, "DELETE FROM auditlog_logentry")
            assert "审计日志不可清空" in refused_by_the_database(cursor, "TRUNCATE auditlog_logentry")
            assert "已确认的拨付不能修改" in refused_by_the_database(
                cursor, "UPDATE funds_disbursement SET amount = amount + 1 WHERE status = 'confirmed'"
            )
            # The sequences came back too: the next row gets a new id.
            for table in ("households_household", "auditlog_logentry", "funds_disbursement"):
                cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) > (SELECT MAX(id) FROM {table})")
                assert cursor.fetchone()[0], table
    assert_files_restored(postgres_drill.tmp / "source-media", tmp_path / "media")


@pytest.mark.postgres
def test_postgres_restore_refuses_a_database_that_holds_data(postgres_drill, tmp_path):
    with postgres_cursor(postgres_drill.source) as cursor:
        before = contents(cursor, POSTGRES_TABLES)
    refused = manage(
        "restore", str(postgres_drill.backup), database_url=postgres_url(postgres_drill.source), media_root=tmp_path / "media"
    )
    assert refused.returncode == 1
    assert "不是空数据库" in refused.stderr and "createdb" in refused.stderr
    with postgres_cursor(postgres_drill.source) as cursor:
        assert contents(cursor, POSTGRES_TABLES) == before
