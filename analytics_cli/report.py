"""`analytics report` and `analytics export`, added to the main CLI by `add_commands(subparsers)`."""

from __future__ import annotations

import argparse
import sys

from analytics.errors import UsageError


def _usage_error(exc: Exception) -> UsageError:
    return UsageError(str(exc))


def cmd_report(args: argparse.Namespace) -> int:
    """The Analytics page for a period: HTML with --html PATH, else the terminal version."""
    from analytics import settings
    from analytics.report import ReportError, load_page, render_text, write_html

    try:
        page = load_page(
            settings.warehouse_path(), month=args.month, start=args.start, end=args.end,
            viewer=args.viewer, team=args.team,
        )
    except ReportError as exc:
        raise _usage_error(exc) from None
    if args.format != "text":
        from analytics.report.machine import render_csv, render_json

        sys.stdout.write(render_json(page) if args.format == "json" else render_csv(page))
    elif args.html:
        try:
            path = write_html(page, args.html)
        except OSError as exc:
            raise _usage_error(f"cannot write {args.html}: {exc.strerror or exc}") from None
        print(f"wrote {path}: {page.period.label()} ({page.period.days} day(s), {page.timezone}), "
              f"{len(page.team)} member(s)")
    else:
        sys.stdout.write(render_text(page))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Every mart to OUT_DIR, one CSV or Parquet file each."""
    from analytics import settings
    from analytics.report import ReportError, open_marts
    from analytics.report.access import check_viewer
    from analytics.report.data import built_timezone
    from analytics.report.export import export_marts

    try:
        with open_marts(settings.warehouse_path()) as con:
            if args.viewer is not None:  # an empty --viewer is refused, never skipped
                check_viewer(con, args.viewer)
            written = export_marts(con, args.out_dir, args.format)
            zone = built_timezone(con)
    except ReportError as exc:
        raise _usage_error(exc) from None
    except OSError as exc:
        raise _usage_error(f"cannot write to {args.out_dir}: {exc.strerror or exc}") from None
    for item in written:
        print(f"  {item.path}  {item.rows:,} row(s)")
    print(
        f"exported {len(written)} marts to {args.out_dir} as {args.format} "
        f"(days are {zone} calendar days)"
    )
    return 0


def add_commands(subparsers) -> None:
    """Add `report` and `export` to the `analytics` command's subparsers."""
    report = subparsers.add_parser(
        "report",
        help="the Analytics page for a period: an offline HTML file, or text in the terminal",
        description=(
            "Render the Analytics page from the marts of ANALYTICS_WAREHOUSE (read-only). Without "
            "dates: the month of the latest day with data, from its first day to that day. With "
            "--html PATH: one self-contained HTML file; without: the cards and the team table as text."
        ),
    )
    report.add_argument("--month", help="a calendar month, YYYY-MM")
    report.add_argument("--start", help="first day (of the zone the marts were built in), YYYY-MM-DD")
    report.add_argument("--end", help="last day (inclusive), YYYY-MM-DD")
    report.add_argument(
        "--team", metavar="NAME",
        help="limit the whole page to one team (dim_members.team), e.g. --team platform",
    )
    report.add_argument("--html", metavar="PATH", help="write the page to PATH (one offline HTML file)")
    report.add_argument(
        "--format", choices=("text", "json", "csv"), default="text",
        help="text (default) for people; json or csv print the cards and Team insights for scripts",
    )
    report.add_argument(
        "--viewer", metavar="EMAIL",
        help="refuse unless this member's role may view analytics (dim_members.can_view_analytics)",
    )
    report.set_defaults(func=cmd_report)

    export = subparsers.add_parser(
        "export",
        help="write every mart to a folder as CSV or Parquet",
        description="Write each mart of ANALYTICS_WAREHOUSE to OUT_DIR/<mart>.<format> with DuckDB COPY.",
    )
    export.add_argument("out_dir", metavar="OUT_DIR", help="the folder to write the files to (created)")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default: csv")
    export.add_argument(
        "--viewer", metavar="EMAIL",
        help="refuse, and write nothing, unless this member's role may view analytics",
    )
    export.set_defaults(func=cmd_export)
