"""budgets.csv in the landing folder into raw.budgets: monthly budgets by org, team or member.

The file is optional. Header `scope,name,monthly_budget_usd` (any order, case-insensitive);
RFC 4180 CSV (comma, double quotes, doubled quotes inside), UTF-8 with or without a BOM. A
line that is not a valid budget (unknown scope, no name, an amount that is not a finite
number >= 0, too few or too many fields) goes to raw.quarantine with its line number and
reason, and every valid line still loads. A header without the three columns is an error:
the file is not what it claims to be, and guessing would set wrong budgets.

An unchanged file is not loaded again (raw rows keep their load time), so a rerun changes
nothing, and dbt's build log sees a changed file as new data.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import BudgetsError
from analytics.warehouse.bulk import insert_rows

from .landing_files import content_hash
from .raw_schema import create_raw_tables

BUDGETS_FILE = "budgets.csv"
BUDGETS_HEADER = ("scope", "name", "monthly_budget_usd")
SCOPES = ("org", "team", "member")
SIGNAL = "budgets"


class _Dialect(csv.Dialect):
    """RFC 4180, stated rather than sniffed."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


@dataclass(frozen=True)
class BudgetLines:
    valid: list[tuple[str, str, float, int]]  # scope, name, amount, line
    rejected: list[tuple[int, str, str]]  # line, reason, excerpt


def _amount(text: str) -> float | None:
    cleaned = text.strip().replace("$", "").replace("_", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def parse_budgets(text: str, path: Path | str = BUDGETS_FILE) -> BudgetLines:
    """Split budgets.csv's lines into valid budgets and rejected lines with their reasons."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_Dialect)
    try:
        header = next(reader)
    except StopIteration:
        return BudgetLines([], [])
    except csv.Error as exc:
        raise BudgetsError(f"{path}: header line is not CSV ({exc})") from None
    columns = [c.strip().lower() for c in header]
    missing = [c for c in BUDGETS_HEADER if c not in columns]
    if missing:
        raise BudgetsError(
            f"{path}: header lacks column(s) {', '.join(missing)} "
            f"(expected {','.join(BUDGETS_HEADER)})"
        )
    where = {name: columns.index(name) for name in BUDGETS_HEADER}
    valid: list[tuple[str, str, float, int]] = []
    rejected: list[tuple[int, str, str]] = []
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejected.append((line, f"not CSV: {exc}", ""))
            line = reader.line_num + 1
            continue
        excerpt = ",".join(fields)[:200]
        start, line = line, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            rejected.append((start, f"{len(fields)} field(s), the header has {len(columns)}", excerpt))
            continue
        scope = fields[where["scope"]].strip().lower()
        name = fields[where["name"]].strip()
        amount = _amount(fields[where["monthly_budget_usd"]])
        if scope not in SCOPES:
            rejected.append((start, f"scope {scope!r} is not one of {', '.join(SCOPES)}", excerpt))
        elif not name:
            rejected.append((start, "no name", excerpt))
        elif amount is None:
            rejected.append((start, "monthly_budget_usd is not a number >= 0", excerpt))
        else:
            valid.append((scope, name, amount, start))
    return BudgetLines(valid, rejected)


def load_budgets(con, landing_dir: Path) -> tuple[int, int]:
    """Replace raw.budgets (and budgets.csv's quarantined lines) with the landing folder's file.

    Returns (budgets loaded, lines quarantined). No file: no budgets.
    """
    create_raw_tables(con)
    path = landing_dir / BUDGETS_FILE
    digest = content_hash(path) if path.is_file() else None
    rows, loaded_digest = con.execute("select count(*), min(content_hash) from raw.budgets").fetchall()[0]
    quarantined = con.execute(
        "select count(*) from raw.quarantine where signal = ? and source_file = ?",
        [SIGNAL, BUDGETS_FILE],
    ).fetchall()[0][0]
    if digest is None and rows == 0 and quarantined == 0:
        return 0, 0
    if digest is not None and rows > 0 and loaded_digest == digest:
        return rows, quarantined
    parsed = parse_budgets(path.read_text(encoding="utf-8-sig"), path) if digest else BudgetLines([], [])
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.budgets")
        con.execute(
            "delete from raw.quarantine where signal = ? and source_file = ?", [SIGNAL, BUDGETS_FILE]
        )
        insert_rows(
            con,
            "raw.budgets",
            [[scope, name, amount, line, digest] for scope, name, amount, line in parsed.valid],
            "?, ?, ?, ?, ?, current_timestamp::timestamp",
        )
        insert_rows(
            con,
            "raw.quarantine (source_file, source_line, record_index, signal, reason, excerpt, "
            "quarantined_at)",
            [[BUDGETS_FILE, line, SIGNAL, reason, excerpt] for line, reason, excerpt in parsed.rejected],
            "?, ?, null, ?, ?, ?, current_timestamp::timestamp",
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(parsed.valid), len(parsed.rejected)
