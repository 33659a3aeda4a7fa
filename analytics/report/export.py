"""Every mart to a folder, one file each, with DuckDB COPY: CSV (with a header) or Parquet.

CSV is written as DuckDB writes it: ISO dates, `true`/`false`, NULL as an empty field (an empty
string as `""`), doubles in their shortest exact form, so re-reading a file with the mart's
column types (`read_export`) gives back exactly the mart's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.report.warehouse import MARTS, ReportError

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Exported:
    mart: str
    path: Path
    rows: int


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
        mart_columns(con, mart)  # a clear error for a missing mart
        path = out_dir / f"{mart}.{fmt}"
        tmp = out_dir / f".{mart}.{fmt}.tmp"
        copied = con.execute(
            f"copy (select * from marts.{mart} order by all) to {_literal(str(tmp))} ({options})"
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
    columns = ", ".join(f"{_literal(name)}: {_literal(kind)}" for name, kind in mart_columns(con, mart).items())
    return con.sql(
        f"select * from read_csv({_literal(str(path))}, header = true, auto_detect = false, "
        f"allow_quoted_nulls = false, columns = {{{columns}}})"
    )
