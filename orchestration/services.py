"""`analytics ui`: Dagster's production pair, `dagster-webserver` and `dagster-daemon` (the
schedule and the sensors), as two child processes of one command, on this machine.

Dagster's `dagster dev` does the same for development (and is superseded by `dg dev`); a
deployment runs the two as services instead (deploy/compose.yaml). Ctrl-C or SIGTERM stops both;
if either exits, the other is stopped and the command exits with its status.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from analytics import settings


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def dagster_commands(host: str, port: int) -> list[list[str]]:
    workspace = str(settings.PROJECT_ROOT / "workspace.yaml")
    return [
        [_bin("dagster-daemon"), "run", "-w", workspace],
        [_bin("dagster-webserver"), "-w", workspace, "--host", host, "--port", str(port)],
    ]


def run_services(commands: list[list[str]], cwd: Path) -> int:
    """Start every command, wait until one exits or a signal comes, then stop the rest."""
    children = [subprocess.Popen(command, cwd=cwd) for command in commands]
    stopping = False

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping:
        return 0
    return next((child.returncode for child in children if child.returncode), 0)
