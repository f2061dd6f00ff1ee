"""gunicorn's settings for ``make serve`` (bin/serve), from the environment:
PORT (8000), WORKERS (2 × cores), GUNICORN_TIMEOUT (120 s: a PDF ledger is
rendered inside the request). Bound to 127.0.0.1 only: nginx (TLS) in front.

The access log leaves out query strings: searches carry names."""

import os
from pathlib import Path

bind = f"127.0.0.1:{os.environ.get('PORT') or 8000}"
workers = int(os.environ.get("WORKERS") or 2 * len(os.sched_getaffinity(0)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
proc_name = "povertyrelief"
control_socket_disable = True  # not used; one fixed path would clash between instances
_log_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var") / "log"
_log_dir.mkdir(parents=True, exist_ok=True)
accesslog = str(_log_dir / "access.log")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"


def post_worker_init(worker):
    # The first probe a worker answers is then as fast as the rest.
    from povertyrelief.health import warm

    warm()
