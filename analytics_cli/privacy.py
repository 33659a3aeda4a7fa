"""`analytics forget IDENTITY`: delete a person's data on request, then rebuild their days."""

from __future__ import annotations

import argparse
import sys

from analytics.errors import UsageError


def cmd_forget(args: argparse.Namespace) -> int:
    import duckdb

    from analytics import settings
    from analytics.erasure import forget
    from analytics.warehouse.lock import warehouse_write_lock

    identity = args.identity.strip()
    if not identity:
        raise UsageError("forget: give an email or an API key name")
    warehouse = settings.warehouse_path()
    if not warehouse.is_file():
        raise UsageError(f"no warehouse at {warehouse} (set ANALYTICS_WAREHOUSE)")
    with warehouse_write_lock(str(warehouse)):
        con = duckdb.connect(str(warehouse))
        try:
            erased = forget(con, identity)
        finally:
            con.close()
    deleted = ", ".join(f"{n} from raw.{t}" for t, n in erased.rows_deleted.items() if n) or "nothing"
    print(f"forget {identity}: deleted {deleted}")
    if erased.landing_files:
        print(f"  {len(erased.landing_files)} landing file(s) still hold their records; delete or "
              "redact them (a --reload of their days would load them again):")
        for name in erased.landing_files:
            print(f"    {name}")
    print("  remove them from members.csv and budgets.csv too, if they are named there")
    if erased.first_day is None or args.no_rebuild:
        return 0
    from analytics_cli.common import require_landing_dir
    from orchestration.launcher import run_pipeline

    print(f"  rebuilding {erased.first_day} .. {erased.last_day}", file=sys.stderr)
    return run_pipeline(require_landing_dir(), erased.first_day, erased.last_day)


def add_commands(subparsers) -> None:
    forget = subparsers.add_parser(
        "forget",
        help="delete one person's data from the warehouse and rebuild the days it covered",
        description=(
            "Delete every raw record of a member (by email or API key name, with the user.ids "
            "tied to them), their roster and budget lines, then rebuild the marts of the days "
            "those records covered. The landing files are listed, not changed."
        ),
    )
    forget.add_argument("identity", metavar="IDENTITY", help="an email or an API key name")
    forget.add_argument("--no-rebuild", action="store_true", help="delete only; rebuild later")
    forget.set_defaults(func=cmd_forget)
