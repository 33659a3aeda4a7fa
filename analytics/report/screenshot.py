"""A PNG of the Analytics page, for the README: `python -m analytics.report.screenshot OUT.png`.

Renders the page from ANALYTICS_WAREHOUSE (default period, or --month / --start / --end) to a
temporary HTML file and photographs it with headless Chromium, offline, in a 1400 x 2200 window.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from analytics import settings
from analytics.report import ReportError, load_page, write_html
from analytics.report.browser import find_chromium, screenshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analytics.report.screenshot", description=__doc__.splitlines()[0])
    parser.add_argument("out", metavar="OUT.png")
    parser.add_argument("--month")
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2200)
    parser.add_argument("--html", metavar="PATH", help="also keep the rendered page here")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("screenshot: error: chromium not found (apt-get install -y chromium, or set CHROMIUM)", file=sys.stderr)
        return 2
    try:
        page = load_page(settings.warehouse_path(), month=args.month, start=args.start, end=args.end)
    except ReportError as exc:
        print(f"screenshot: error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="analytics-page-") as tmp:
        html = write_html(page, Path(args.html) if args.html else Path(tmp) / "analytics.html")
        png = screenshot(html, args.out, width=args.width, height=args.height)
    print(f"wrote {png}: {page.period.label()}, {args.width}x{args.height}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
