"""The `analytics` command for the tests, in a process forked from one that has imported the
libraries a pipeline run needs.

Every `analytics run` starts Python and imports Dagster, dagster-dbt and dbt before its work:
about 3 s of CPU each, and the suite runs about a hundred of them on two cores. This server
imports those libraries once (only those: nothing of the project, whose settings are read from
the environment when its modules load), runs dbt on a scratch warehouse so that dbt's caches
are filled (warm_dbt), and forks a child per command. The child takes the
command's environment, working folder, arguments and standard streams, then runs the console
script's own entry point (`analytics_cli.main:entry`), so what the command does, prints and
exits with is the command's. Libraries that start threads when imported (polars, pyarrow) are
not preloaded: a forked child has only the thread that forked.

Tests that signal, time or watch the process itself start the real console script.

Protocol, one connection per command: the client sends a 4-byte length and a JSON request
({"argv", "env", "cwd"}) with three file descriptors (stdin, stdout, stderr) attached to the
first message; the server answers "pid <n>" when the child exists and "exit <code>" when it
ends (a negative code is the signal that ended it, as in subprocess).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
from pathlib import Path

# what a pipeline run imports that starts no thread (checked in test_preloaded_cli), by weight:
# dbt and dagster-dbt, Dagster and its SQLite storages (SQLAlchemy, Alembic); not plotly, whose
# plotly.js the page reads as a file (analytics/report/html.py)
PRELOADED = (
    "dagster", "dagster_dbt", "dagster_duckdb", "dbt.cli.main", "dbt.task.build", "dbt.adapters.duckdb",
    "duckdb", "dagster._core.storage.event_log", "dagster._core.storage.runs",
    "dagster._core.storage.schedules", "alembic.command", "sqlalchemy", "tomlkit", "fsspec",
    "upath", "babel.dates", "sqlparse",
)
HEADER = struct.Struct("!I")
DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"


def warm_dbt() -> bool:
    """Run dbt twice in this process, on a scratch warehouse and target folder, so that every
    child finds dbt's own caches filled: the first dbt command in a process builds mashumaro's
    codecs and JSON schemas for dbt's classes (validating the project, reading a kept parse)
    and compiles its materialization macros: a captures run in a process with the libraries
    imported took 9.3 s, 7.6 s after this (means of three alternated pairs). Nothing
    of the project is imported, and the environment, the working folder and the project's
    own target folder are as they were; dbt's threads and its DuckDB database are closed
    before the first fork (test_preloaded_cli). Whether both dbt commands succeeded; a failure
    here costs only the saving."""
    import contextlib
    import shutil
    import tempfile

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters
    from dbt.cli.main import dbtRunner

    scratch = Path(tempfile.mkdtemp(prefix="analytics-cli-warm-"))
    saved = dict(os.environ)
    os.environ.update({
        "ANALYTICS_WAREHOUSE": str(scratch / "warm.duckdb"),
        "ANALYTICS_SPARK_WAREHOUSE": str(scratch / "spark-warehouse"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    flags = ["--project-dir", ".", "--profiles-dir", ".", "--target-path", str(scratch / "target"),
             "--log-path", str(scratch), "--log-level-file", "none", "--quiet"]
    try:
        with contextlib.chdir(DBT_PROJECT):
            # a parse that the build then reads back (as a run reads the kept parse), and a
            # table model with its test. The parse renders models with Jinja rather than
            # dbt's Rust static parser, which leaves a pool of threads behind.
            parsed = dbtRunner().invoke(["parse", "--no-static-parser", *flags]).success
            return parsed and dbtRunner().invoke(["build", "--select", "metricflow_time_spine", *flags]).success
    except Exception:  # noqa: BLE001 - the children run dbt as they would have
        return False
    finally:
        reset_adapters()
        DuckDBConnectionManager.close_all_connections()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(scratch, ignore_errors=True)


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
        more = conn.recv(1 << 20)
        if not more:
            raise ConnectionError("request cut short")
        data += more
    return json.loads(data[HEADER.size:HEADER.size + HEADER.unpack_from(data)[0]]), fds


def _child(request: dict, fds: list[int]) -> None:
    """Become the command (never returns)."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = list(request["argv"])
        # as for a console script: its own folder first on the path, not this server's
        sys.path[0] = str(Path(request["argv"][0]).parent)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from analytics_cli.main import entry

        entry()
        code = 0
    except SystemExit as exit_:
        if exit_.code is None:
            code = 0
        elif isinstance(exit_.code, int):
            code = exit_.code
        else:
            print(exit_.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 (what the interpreter does with an uncaught exception)
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        # the interpreter's exit: threads that are not daemons, exit handlers, the streams
        import atexit
        import threading

        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def serve(path: str) -> None:
    for name in PRELOADED:
        importlib.import_module(name)
    warm_dbt()
    # what is loaded lives as long as every child: out of their garbage collections (which then
    # neither walk it nor write to its pages), as the gc module's documentation advises before fork
    gc.freeze()
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(16)
    os.rename(path + ".new", path)  # the socket's name appears once it accepts
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}
    while os.getppid() == parent:
        for _ in selector.select(timeout=0.05):
            conn, _ = listener.accept()
            try:
                request, fds = _read_request(conn)
            except (OSError, ValueError, ConnectionError):
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                _child(request, fds)
            for fd in fds:
                os.close(fd)
            children[pid] = conn
            try:
                conn.sendall(f"pid {pid}\n".encode())
            except OSError:
                pass
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                conn.close()
    # the test process is gone: so is what it started
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    serve(sys.argv[1])
