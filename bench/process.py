"""Running one side of a benchmark in a process of its own, so the peak
memory it reports is that side's alone."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

from . import ROOT, BenchError


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_module(module: str, *args: str) -> dict:
    """Run ``python -m module args`` with this process's environment and
    return the JSON object on the last line of its output."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT
    )
    if completed.returncode != 0:
        raise BenchError(f"{module} 运行失败：{completed.stderr.strip()[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
