"""Every mart to a folder, one file each, with DuckDB COPY: CSV (with a header) or Parquet.

CSV is written as DuckDB writes it: ISO dates, `true`/`false`, NULL as an empty field (an empty
string as `""`), doubles in their shortest exact form, so re-reading a file with the mart's
column types (`read_export`) gives back exactly the mart's rows.

CSV files get opened in spreadsheets, and text cells come from anyone who can name an API key,
edit the roster or set `OTEL_RESOURCE_ATTRIBUTES`: a text cell starting with `=`, `+`, `-`, `@`,
a tab or a carriage return would run as a formula (`=HYPERLINK(...)`, `-2+3+cmd|...`). Such a
cell is written with a `'` in front (OWASP's rule), unless it is a plain number (`-2`,
`+1.5e3`). A cell that already starts with `'`s before one of those characters gets one more,
so `read_export` removes exactly one and the round trip stays exact. Number, date and boolean
columns are never touched; Parquet keeps the values as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.report.warehouse import MARTS, ReportError

FORMATS = ("csv", "parquet")
TEXT_TYPES = ("VARCHAR",)
# RE2 patterns (written into SQL string literals, so no `'` in them; chr(39) is the apostrophe):
# a formula trigger after any apostrophes, the same after at least one, and a plain number.
FORMULA_START = "^(chr39)*[=+@\\t\\r-]"
ESCAPED_START = "^(chr39)+[=+@\\t\\r-]"
PLAIN_NUMBER = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


@dataclass(frozen=True)
class Exported:
    mart: str
    path: Path
    rows: int


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pattern(regex: str) -> str:
    """A regex as a SQL expression, its `(chr39)` placeholders being apostrophes."""
    parts = [_literal(part) for part in regex.split("(chr39)")]
    return " || chr(39) || ".join(parts)


def neutralized(column: str) -> str:
    """SQL for a text column's cell as written to CSV: a formula trigger gets a `'` in front."""
    col = _quoted(column)
    return (
        f"case when regexp_matches({col}, {_pattern(FORMULA_START)}) "
        f"and not regexp_matches({col}, {_pattern(PLAIN_NUMBER)}) "
        f"then chr(39) || {col} else {col} end"
    )


def restored(column: str) -> str:
    """SQL undoing `neutralized` on a cell read back from a CSV export."""
    col = _quoted(column)
    return (
        f"case when regexp_matches({col}, {_pattern(ESCAPED_START)}) "
        f"then substr({col}, 2) else {col} end"
    )


def mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, str]:
    """Column name -> DuckDB type, in table order."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [mart],
    ).fetchall()
    if not rows:
        raise ReportError(f"no table marts.{mart}")
    return dict(rows)


def _select(columns: dict[str, str], text_cell) -> str:
    return ", ".join(
        f"{text_cell(name)} as {_quoted(name)}" if kind in TEXT_TYPES else _quoted(name)
        for name, kind in columns.items()
    )


def export_marts(
    con: duckdb.DuckDBPyConnection, out_dir: Path | str, fmt: str = "csv", marts=MARTS
) -> list[Exported]:
    """Write each mart to OUT_DIR/<mart>.<fmt>, rows sorted so files diff well; works read-only."""
    if fmt not in FORMATS:
        raise ReportError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    written = []
    for mart in marts:
        columns = mart_columns(con, mart)  # a clear error for a missing mart
        select = _select(columns, neutralized) if fmt == "csv" else "*"
        path = out_dir / f"{mart}.{fmt}"
        tmp = out_dir / f".{mart}.{fmt}.tmp"
        copied = con.execute(
            f"copy (select {select} from (select * from marts.{mart} order by all)) "
            f"to {_literal(str(tmp))} ({options})"
        ).fetchall()  # one row: the number of rows written
        tmp.replace(path)
        rows = copied[0][0] if copied else 0
        written.append(Exported(mart, path, int(rows)))
    return written


def read_export(con: duckdb.DuckDBPyConnection, path: Path | str, mart: str) -> duckdb.DuckDBPyRelation:
    """An exported file read back with the mart's column types (the contract), as a relation."""
    path = Path(path)
    if path.suffix == ".parquet":
        return con.sql(f"select * from read_parquet({_literal(str(path))})")
    types = mart_columns(con, mart)
    columns = ", ".join(f"{_literal(name)}: {_literal(kind)}" for name, kind in types.items())
    return con.sql(
        f"select {_select(types, restored)} from read_csv({_literal(str(path))}, header = true, "
        f"auto_detect = false, allow_quoted_nulls = false, columns = {{{columns}}})"
    )
