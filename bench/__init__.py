"""Server-side timings of the pages and jobs people wait on, at city scale.

``python -m bench`` (``make bench``) migrates its own database, fills it
with the demo city when it is empty and runs the benchmarks listed in
``bench.runner``, one module each. Nothing the site runs imports this
package.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"


class BenchError(Exception):
    """The benchmark cannot run on this database, with the reason in Chinese."""


def setup() -> None:
    """Configure Django for a benchmark process: the project's settings,
    DEBUG on as for every development command (the runner turns it off
    while timing), and the bench database unless DATABASE_URL names one,
    so the demo database is left alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyrelief.settings")
    os.environ.setdefault("DEBUG", "1")
    if "DATABASE_URL" not in os.environ:
        (ROOT / "var").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
    import django

    django.setup()
