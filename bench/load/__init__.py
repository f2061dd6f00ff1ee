"""``make load``: many people at once against ``make serve``, measured from
the outside.

Township and village staff (the demo accounts ``zhenNN`` and ``cunTTVV``)
log in, list and search households (by name, and by ID number through the
POST lookup), open households, record visits and measures and print cards;
county viewers export ledgers. Before a run, ``sample`` writes what each
account may touch; every write carries the run's marker; afterwards
``verify`` checks each acknowledged write is in the database and in the
audit log. ``python -m bench.load --help`` lists the options.

Only addresses on this machine are ever targeted. This module is plain
Python: the Locust side (its own virtual environment) imports it too.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
LOAD_DIR = ROOT / "var" / "load"
DEMO_PASSWORD = "Fupin@2026"  # povertyrelief.demo.DEMO_PASSWORD; the Locust side has no Django


class LoadError(Exception):
    """The load run cannot go on, with the reason in Chinese."""


def loopback_only(url: str) -> str:
    """The URL when its host is this machine (127.0.0.0/8, localhost, ::1);
    LoadError otherwise: load is never sent anywhere else."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not host:
        raise LoadError(f"只支持 http://127.0.0.1:端口 形式的地址：{url}")
    if host == "localhost":
        return url
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadError(f"拒绝对本机以外的地址施压：{host}（只允许 127.0.0.1、localhost 或 ::1）")
    return url


def django_setup() -> None:
    """The project's settings against DATABASE_URL, which must name the
    PostgreSQL database the server under load uses."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise LoadError(
            "make load 需要 PostgreSQL：请设置 DATABASE_URL（与 make serve 使用同一个数据库，"
            "例如 postgres://postgres@127.0.0.1:5432/povertyrelief），并先 seed_demo 生成演示县。"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyrelief.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
