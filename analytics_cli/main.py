"""`analytics`: run the daily pipeline, open the Dagster UI, generate sample data.

A thin layer over the Dagster definitions: `analytics run` launches the same job the schedule
and the UI launch, in this process, recorded in the Dagster instance under DAGSTER_HOME, so
its runs show in the UI's history.

Every mistake in the arguments ends in one line on stderr, `analytics: error: ...`, and exit
status 2 (argparse's own errors included); an unexpected failure ends in one line and status 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import sys
import threading
from datetime import UTC, date

from analytics import settings
from analytics.dates import parse_day
from analytics.errors import UsageError
from analytics_cli.common import require_landing_dir
from analytics_cli.privacy import add_commands as add_privacy_commands
from analytics_cli.report import add_commands as add_report_commands

MAX_MEMBERS = 100_000
MAX_DAYS = 3_660


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as the one `analytics: error:` line (no usage block)."""

    def error(self, message: str):
        raise UsageError(message)


def one_line(text: str) -> str:
    """A message as one printable line (it may quote data or arguments)."""
    from analytics.report.formatting import printable

    return " ".join(printable(" ".join(str(text).split())).split()) or "unknown error"


def _parse_day(text: str, flag: str) -> date:
    try:
        return parse_day(text, flag)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _positive(flag: str, upper: int):
    """An argparse type: a whole number from 1 to `upper`."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"{value} is out of range: 1 to {upper:,}")
        return value

    parse.__name__ = flag
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{value} is out of range: 0 to 2**63-1")
    return value


def _port(text: str) -> int:
    return _positive("--port", 65_535)(text)


def _listen_port(text: str) -> int:
    """`collect --port`: 0 too, for a free port the receiver picks and prints (the tests)."""
    return 0 if text.strip() == "0" else _port(text)


def _preflight_warehouse() -> None:
    """Before Dagster is imported (seconds): the warehouse opens for writing, after waiting, and
    saying so at once, for a process outside the project that holds it; a folder that cannot be
    made or a file without permission fails here, in one line."""
    from analytics.errors import WarehouseBusy, WarehouseUnavailable
    from analytics.warehouse.lock import check_warehouse, warehouse_lock

    def say(message: str) -> None:
        print(f"analytics: {message}", file=sys.stderr, flush=True)

    warehouse = settings.warehouse_path()
    try:
        with warehouse_lock(warehouse, on_wait=say):
            check_warehouse(
                warehouse, settings.warehouse_wait_s(), on_wait=say,
                config={"memory_limit": settings.duckdb_memory_limit()},
            )
    except (WarehouseBusy, WarehouseUnavailable) as exc:
        raise UsageError(str(exc)) from None


def _select_engine(engine: str | None) -> None:
    """--engine sets ANALYTICS_ENGINE for this process and the dbt it starts; spark needs its
    extra packages and a Java runtime, checked here so the run does not fail half-way."""
    import os
    import shutil
    from importlib.util import find_spec

    if engine:
        os.environ["ANALYTICS_ENGINE"] = engine
    try:
        chosen = settings.engine()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if chosen != "spark":
        return
    if find_spec("pyspark") is None or find_spec("dbt.adapters.spark") is None:
        raise UsageError(
            "the spark engine needs pyspark and dbt-spark: install the project with its spark "
            "extra (`python3 -m uv sync --extra spark`, or `pip install '.[spark]'`)"
        )
    java_home = settings.java_home()
    if not shutil.which("java") and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        raise UsageError("the spark engine needs a Java runtime (17 or newer): none on PATH or in JAVA_HOME")


def cmd_run(args: argparse.Namespace) -> int:
    _select_engine(args.engine)
    start = _parse_day(args.start, "--start") if args.start else None
    end = _parse_day(args.end, "--end") if args.end else None
    if start and end and start > end:
        raise UsageError(f"--start {start} is after --end {end}")
    landing = require_landing_dir()
    _preflight_warehouse()
    inputs = _run_inputs(landing, start, end, args)
    if inputs is not None and _answered_unchanged(inputs):
        return 0
    # no garbage collection while Dagster, dbt and the definitions load: their objects live as
    # long as the process; loading the definitions freezes them and turns it back on
    # (orchestration/heap.py)
    gc.disable()
    from orchestration.launcher import run_pipeline

    return run_pipeline(landing, start, end, reload=args.reload, inputs=inputs)


def _run_inputs(landing, start: date | None, end: date | None, args: argparse.Namespace) -> str | None:
    """The digest of what this run reads (analytics/warehouse/run_state.py), or None when the
    run is never skipped (--force, --reload, the Admin API key set) or the settings are wrong
    (the launcher then says what is wrong)."""
    from analytics.warehouse import run_state

    if args.force or args.reload or not run_state.may_skip():
        return None
    try:
        return run_state.inputs_digest(landing, start, end)
    except (ValueError, OSError):
        return None


def _answered_unchanged(inputs: str) -> bool:
    """When the last run succeeded on the same inputs and left the warehouse as it is now: say so
    and print its summary, without starting Dagster (seconds, not a run)."""
    import time

    from analytics.summary import LoadCounts, summary_lines
    from analytics.warehouse import run_state

    started = time.perf_counter()
    last = run_state.unchanged_since_last_run(inputs)
    if last is None:
        return False
    print(
        f"analytics run: nothing changed since run {last.run_id} over {last.start} .. {last.end} "
        f"(finished {last.finished_at}): the same landing files, settings and code, and the "
        "warehouse as it left it; not run again (--force runs it)",
        file=sys.stderr,
    )
    lines = summary_lines(settings.warehouse_path(), last.start, last.end, LoadCounts(), time.perf_counter() - started,
                          up_to_date=True)
    print("\n".join(lines))
    return True


def cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.dbt import ensure_dbt_manifest
    from orchestration.instance import prepare_environment
    from orchestration.services import dagster_commands, run_services

    _select_engine(args.engine)
    try:
        settings.timezone()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    require_landing_dir()
    if args.collect and not settings.landing_dir_is_set():  # before the defaults are exported
        raise UsageError("--collect needs ANALYTICS_LANDING_DIR, the folder the receiver writes to")
    prepare_environment()
    try:
        ensure_dbt_manifest()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    commands = dagster_commands(args.host, args.port)
    if args.collect:
        commands.append(_collector_command(args.collect))
    print(
        f"Dagster UI on http://{args.host}:{args.port}, with the daemon running the schedule "
        "and sensors" + (f", and the OTLP receiver on {args.collect}" if args.collect else "")
        + " (Ctrl-C to stop)",
        file=sys.stderr,
    )
    return run_services(commands, cwd=settings.PROJECT_ROOT)


def _collector_command(address: str) -> list[str]:
    """`analytics collect` beside the webserver and daemon (`ui --collect [HOST:]PORT`)."""
    host, _, port = address.rpartition(":")
    return [sys.executable, "-m", "analytics_cli.main", "collect",
            "--host", host or "127.0.0.1", "--port", port]


def cmd_collect(args: argparse.Namespace) -> int:
    import signal

    from analytics.collect import CollectConfigError, serve

    try:
        code = serve(args.host, args.port)
    except CollectConfigError as exc:
        raise UsageError(str(exc)) from None
    # Stopped cleanly: a further SIGTERM or SIGINT while the process exits changes nothing.
    # Python puts the default handlers back while its interpreter shuts down, so a second
    # SIGTERM arriving then (a supervisor's, or a test's) ended a clean stop with -15; a signal
    # set to be ignored stays ignored to the end.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    return code


def cmd_generate(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta
    from pathlib import Path

    from analytics.dates import EARLIEST
    from analytics.generate import generate_organization

    today = datetime.now(UTC).date()
    start = _parse_day(args.start, "--start") if args.start else today - timedelta(days=args.days)
    last = start + timedelta(days=args.days - 1)
    if last > today:
        raise UsageError(
            f"--start {start} with --days {args.days} ends on {last}, after today ({today} UTC): "
            "telemetry from the future is not valid"
        )
    if start < EARLIEST:
        raise UsageError(f"--start {start} is before {EARLIEST}: give a later day or fewer --days")
    summary = generate_organization(
        Path(args.out_dir), members=args.members, days=args.days, start=start, seed=args.seed,
        admin_api=args.admin_api,
    )
    mb = summary["bytes_written"] / 1e6
    print(
        f"wrote {args.out_dir}: {summary['files']} files, {summary['lines']} lines, {mb:.1f} MB "
        f"in {summary['seconds']:.1f}s ({mb / max(summary['seconds'], 1e-9):.0f} MB/s)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="analytics",
        description=(
            "Claude Code usage analytics in your own warehouse: ingest the telemetry that lands "
            "in ANALYTICS_LANDING_DIR, build the marts with dbt in ANALYTICS_WAREHOUSE (DuckDB), "
            "and show the Analytics page. Every setting is an environment variable (README)."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}",
        help="print the version of claude-code-analytics and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="ingest the landing folder and build every mart for a day range (one run)",
        description=(
            "Ingest new telemetry from ANALYTICS_LANDING_DIR and rebuild every mart in "
            "ANALYTICS_WAREHOUSE for the inclusive range of days, calendar days in "
            "ANALYTICS_TIMEZONE (default UTC). Without dates: every day from the first to the "
            "last day found in the landing data."
        ),
    )
    run.add_argument("--start", help="first day (in ANALYTICS_TIMEZONE), YYYY-MM-DD")
    run.add_argument("--end", help="last day (inclusive), YYYY-MM-DD")
    run.add_argument(
        "--reload", action="store_true",
        help="read again the landed files holding records of these days, even if unchanged",
    )
    run.add_argument(
        "--force", action="store_true",
        help="run even when nothing changed since the last successful run of the same range",
    )
    run.add_argument(
        "--engine", choices=settings.ENGINES,
        help="where the dbt models build: duckdb (default) or spark (sets ANALYTICS_ENGINE)",
    )
    run.set_defaults(func=cmd_run)

    ui = commands.add_parser(
        "ui",
        help="start the Dagster UI and the daemon (the schedule and sensors) on this machine",
        description=(
            "Start dagster-webserver and dagster-daemon on the code location of this project, "
            "with the instance in DAGSTER_HOME. The daily schedule and the landing-folder sensor "
            "are on by default. Ctrl-C stops both."
        ),
    )
    ui.add_argument("--host", default="127.0.0.1", help="address the webserver listens on (default: 127.0.0.1)")
    ui.add_argument("--port", type=_port, default=3000, help="port of the webserver (default: 3000)")
    ui.add_argument("--engine", choices=settings.ENGINES, help="where runs build the dbt models, as for `analytics run`")
    ui.add_argument(
        "--collect", nargs="?", const="127.0.0.1:4318", metavar="[HOST:]PORT",
        help="also run `analytics collect` (default 127.0.0.1:4318) as a third service",
    )
    ui.set_defaults(func=cmd_ui)

    collect = commands.add_parser(
        "collect", help="receive Claude Code's OTLP/HTTP telemetry into the landing folder",
        description="An OTLP/HTTP receiver (POST /v1/logs, /v1/metrics; protobuf or JSON, gzip) "
        "writing each accepted request to ANALYTICS_LANDING_DIR/otlp/collect/ before answering.",
    )
    collect.add_argument("--host", default="127.0.0.1", help="other than loopback needs ANALYTICS_COLLECT_TOKEN")
    collect.add_argument(
        "--port", type=_listen_port, default=4318,
        help="port to listen on (default: 4318, OTLP/HTTP; 0: any free port, printed on start)",
    )
    collect.set_defaults(func=cmd_collect)

    generate = commands.add_parser(
        "generate",
        help="write a synthetic organization's landing folder (OTLP, roster, expected numbers)",
        description=(
            "Write a deterministic synthetic organization to OUT_DIR in the exact wire formats of "
            "several Claude Code versions, with the faults real pipelines deliver, a roster, and "
            "under expected/ the daily and monthly numbers it put in (same arguments, same bytes)."
        ),
    )
    generate.add_argument("out_dir", metavar="OUT_DIR", help="the landing folder to write (created)")
    generate.add_argument("--members", type=_positive("--members", MAX_MEMBERS), required=True,
                          help=f"how many engineers (1 to {MAX_MEMBERS:,})")
    generate.add_argument("--days", type=_positive("--days", MAX_DAYS), required=True,
                          help=f"how many days of usage (1 to {MAX_DAYS:,}), ending by today")
    generate.add_argument("--start", help="first UTC day, YYYY-MM-DD (default: --days ago)")
    generate.add_argument("--seed", type=_seed, default=7, help="random seed (default: 7)")
    generate.add_argument(
        "--admin-api", action="store_true",
        help="also write the Admin API report pages (admin_api/claude_code/DAY/page-N.json)",
    )
    generate.set_defaults(func=cmd_generate)

    add_report_commands(commands)
    add_privacy_commands(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claude-code-analytics")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except UsageError as exc:
        print(f"analytics: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("analytics: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line for the user, never a traceback
        print(f"analytics: error: {one_line(describe_error(exc))}", file=sys.stderr)
        return 1


def describe_error(exc: BaseException) -> str:
    """`Type: message` of the error at the root of an explicit chain (`raise ... from error`),
    with the type of the error that reached the command: Dagster wraps whatever fails while it
    loads the definitions in a ComponentTreeException whose message is only the folder tree.
    An error raised while handling another without `from` does not bring that one along: this
    project raises its scrubbed errors `from None`, and an implicit context may not be scrubbed."""
    root, seen = exc, {id(exc)}
    while root.__cause__ is not None and id(root.__cause__) not in seen:
        root = root.__cause__
        seen.add(id(root))
    if root is exc:
        return f"{type(exc).__name__}: {exc}"
    return f"{type(root).__name__}: {root} (raised as {type(exc).__name__})"


def _leave(code: int) -> None:
    """Exit with `code`, skipping the interpreter's teardown once Dagster is loaded.

    Freeing the modules of Dagster and dbt one by one takes Python 1.3 to 1.9 s here, after
    the command's work and its output are done. What a command writes is committed by then (the
    warehouse's connections are closed by the code that opened them; the run history's SQLite
    files keep their write-ahead log, which SQLite reads and checkpoints at the next opening,
    as after any exit), and the exit handlers (logging's flush among them) still run. If a
    thread that is not a daemon is still at work, the normal exit waits for it, as always."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if "dagster" in sys.modules and not others:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to keep
                stream.flush()
        os._exit(code)
    sys.exit(code)


def entry() -> None:
    """The `analytics` console script."""
    _leave(main())


if __name__ == "__main__":
    entry()
