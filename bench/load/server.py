"""The server under load: the one listening on the port, or ``make serve``
started here for the run (plain HTTP on 127.0.0.1: no HTTPS redirect, no
Secure-only cookies) and stopped afterwards."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import LOAD_DIR, ROOT, LoadError

READY_WITHIN = 300  # seconds: the first make serve collects static files


def listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def status_of(host: str, port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": f"{host}:{port}"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def check_usable(host: str, port: int) -> None:
    """The login page over plain HTTP, as Locust will ask for it."""
    try:
        status, location = status_of(host, port, "/accounts/login/")
    except OSError as exc:
        raise LoadError(f"{host}:{port} 无法访问：{exc}") from None
    if status in (301, 302) and location.startswith("https://"):
        raise LoadError(
            f"{host}:{port} 把 HTTP 转到 HTTPS。压测用明文 HTTP：请以 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 "
            "make serve 启动，或先停止它，让 make load 自己启动。"
        )
    if status != 200:
        raise LoadError(f"{host}:{port}/accounts/login/ 返回 HTTP {status}，不像本系统。")


def wait_until_healthy(process: subprocess.Popen, host: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"make serve 已退出（退出码 {process.returncode}），见 {log}")
        try:
            if status_of(host, port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise LoadError(f"make serve 在 {READY_WITHIN} 秒内未就绪（/healthz），见 {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def group_cpu_seconds(group: int) -> float:
    """CPU time (user and system) of the live processes of a process group:
    make serve's gunicorn master and workers and its task workers."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """The server under load; its CPU time is known when started here."""

    group: int | None = None

    def cpu_seconds(self) -> float | None:
        return group_cpu_seconds(self.group) if self.group else None


@contextmanager
def server(url: str, *, say=print):
    """Yield a Server while a usable one answers at url; start make serve
    there (and stop it afterwards) when nothing is listening."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    if listening(host, port):
        say(f"使用已在 {host}:{port} 运行的服务（须与 DATABASE_URL 同一数据库）")
        check_usable(host, port)
        yield Server()
        return
    LOAD_DIR.mkdir(parents=True, exist_ok=True)
    log = LOAD_DIR / "serve.log"
    env = dict(os.environ, PORT=str(port), SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    say(f"{host}:{port} 无服务，启动 make serve（DEBUG=0，日志 {log}），压测结束后停止")
    with open(log, "ab") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={port}"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        wait_until_healthy(process, host, port, log)
        check_usable(host, port)
        yield Server(group=process.pid)
    finally:
        stop(process)
