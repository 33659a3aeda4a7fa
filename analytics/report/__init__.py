"""The Analytics page, rendered from the marts: HTML (one offline file), terminal text, exports.

    from analytics.report import load_page, write_html, render_text
    page = load_page("warehouse.duckdb")                      # month to date of the data
    page = load_page("warehouse.duckdb", month="2026-10")     # a calendar month
    page = load_page("warehouse.duckdb", start="2026-11-01", end="2026-11-07", viewer="a@b.com")
    page = load_page("warehouse.duckdb", team="platform")        # one team's page
    write_html(page, "reports/analytics.html"); print(render_text(page))

Everything reads the warehouse read-only. Errors a user can fix raise ReportError.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from analytics.report.access import Viewer, check_viewer
from analytics.report.data import PageData, load_page_data
from analytics.report.period import Period, resolve_period
from analytics.report.text import render_text
from analytics.report.warehouse import MARTS, ReportError, open_marts

__all__ = [
    "MARTS", "PageData", "Period", "ReportError", "Viewer", "check_viewer", "load_page",
    "load_page_data", "open_marts", "render_html", "render_text", "resolve_period", "write_html",
]


def load_page(
    warehouse: Path | str,
    month: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    viewer: str | None = None,
    lock: bool = True,
    team: str | None = None,
) -> PageData:
    """The page's numbers for a period; with `viewer`, only if that member may view analytics.

    `lock=False` when the caller already holds the warehouse lock (see open_marts).
    """
    with open_marts(warehouse, lock=lock) as con:
        if viewer is not None:
            check_viewer(con, viewer)
        period = resolve_period(con, month=month, start=start, end=end)
        return load_page_data(con, period, team)


def render_html(page: PageData) -> str:
    from analytics.report.html import render_html as render

    return render(page)


def write_html(page: PageData, path: Path | str) -> Path:
    """Render and write the page atomically (a reader never sees half a file)."""
    path = Path(path)
    document = render_html(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(document)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
