"""The raw layer as Parquet, one folder per table and UTC day, for engines other than DuckDB.

    <root>/otlp_metric_points/usage_date=2026-11-24/data_0.parquet
    <root>/roster/data_0.parquet

DuckDB's raw tables stay the system of record: ingestion keeps loading files into them (one
writer, transactions, a file-keyed manifest), and this module publishes what changed to
Parquet. A day's folder is written beside the table, then swapped into place in one step
(`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames a moment apart), so a reader
sees the old day or the new day, never half of one. The partition column is in the folder
name only (Hive style), as Spark expects.

Which days changed is decided by a fingerprint per table and day (rows, and a hash of each
row's key and load time), kept in `meta.parquet_partitions`: a day is written when its
fingerprint differs from the one last published, or its folder is missing; a day folder
without rows in DuckDB (its files removed, or written for another warehouse) is removed. The
Parquet layer thus mirrors DuckDB's raw tables, and a rerun with nothing new writes nothing.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from analytics.ingest.raw_schema import META_SCHEMA, PARQUET_PARTITIONS_COLUMNS, create_tables
from analytics.warehouse.bulk import insert_rows

PARTITION_COLUMN = "usage_date"
# Tables published per UTC day, and tables published whole (the roster is one small CSV).
PARTITIONED_TABLES = (
    "otlp_metric_points",
    "otlp_log_records",
    "admin_api_usage",
    "admin_api_tool_actions",
    "admin_api_model_usage",
)
WHOLE_TABLES = ("roster", "budgets", "member_pseudonyms")
# The key under which a whole table's fingerprint is kept.
WHOLE_TABLE_DAY = date(1900, 1, 1)
STAGING_DIR = ".staging"


@dataclass
class PublishSummary:
    root: Path
    partitions_written: dict[str, list[date]] = field(default_factory=dict)
    partitions_removed: dict[str, list[date]] = field(default_factory=dict)
    rows_written: int = 0

    @property
    def written(self) -> int:
        return sum(len(days) for days in self.partitions_written.values())

    @property
    def removed(self) -> int:
        return sum(len(days) for days in self.partitions_removed.values())


def partition_dir(root: Path, table: str, day: date) -> Path:
    return root / table / f"{PARTITION_COLUMN}={day.isoformat()}"


def _exchange(new: Path, current: Path) -> None:
    """Put `new` at `current` in one step; the old contents end up at `new` (then removed)."""
    if not current.exists():
        current.parent.mkdir(parents=True, exist_ok=True)
        os.rename(new, current)
        return
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is not None:
        at_fdcwd, rename_exchange = -100, 2
        if (
            renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(current), rename_exchange)
            == 0
        ):
            shutil.rmtree(new)
            return
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(ctypes.get_errno(), f"cannot swap {new} into {current}")
    # No atomic exchange here: the two renames leave the folder missing for a moment.
    aside = new.with_name(new.name + ".old")
    os.rename(current, aside)
    os.rename(new, current)
    shutil.rmtree(aside)


def _columns(con, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def _select_list(columns: list[tuple[str, str]], partitioned: bool) -> str:
    """Columns as Parquet readers expect them: timestamps as UTC instants (Spark's `timestamp`)."""
    parts = []
    for name, data_type in columns:
        if data_type == "TIMESTAMP":
            parts.append(f"cast({name} as timestamptz) as {name}")
        else:
            parts.append(name)
    if partitioned and PARTITION_COLUMN not in {name for name, _ in columns}:
        raise ValueError(f"raw table has no {PARTITION_COLUMN} column to partition by")
    return ", ".join(parts)


# Columns that identify a raw row; with its load time they fingerprint a day.
ROW_KEYS = {
    "otlp_metric_points": "source_file, source_generation, source_line, record_index",
    "otlp_log_records": "source_file, source_generation, source_line, record_index",
    "admin_api_usage": "source_file, item_index",
    "admin_api_tool_actions": "source_file, item_index, tool_key",
    "admin_api_model_usage": "source_file, item_index, model_index",
    "roster": "source_line, content_hash",
    "budgets": "source_line, content_hash",
    "member_pseudonyms": "member_identifier, pseudonym",
}


def _fingerprints(con, table: str, partitioned: bool) -> dict[date, tuple[str, int]]:
    """(fingerprint, rows) per day; a whole table has one entry, even when empty."""
    day = PARTITION_COLUMN if partitioned else f"date '{WHOLE_TABLE_DAY.isoformat()}'"
    rows = con.execute(
        f"""
        select {day} as day, count(*) as row_count,
            concat_ws(':', count(*), max(loaded_at), sum(hash({ROW_KEYS[table]}, loaded_at)))
        from raw.{table}
        {"group by 1" if partitioned else ""}
        """
    ).fetchall()
    return {d: (fp, n) for d, n, fp in rows}


def _day_folders(table_dir: Path) -> set[date]:
    days = set()
    prefix = f"{PARTITION_COLUMN}="
    for entry in table_dir.iterdir():
        if entry.is_dir() and entry.name.startswith(prefix):
            try:
                days.add(date.fromisoformat(entry.name[len(prefix):]))
            except ValueError:
                continue  # not a day folder of ours; left alone
    return days


def _published(con, table: str) -> dict[date, str]:
    rows = con.execute(
        "select usage_date, fingerprint from meta.parquet_partitions where table_name = ?", [table]
    ).fetchall()
    return dict(rows)


def _write_days(con, table: str, days: list[date], staging: Path) -> None:
    """Write the given days of a table under `staging`, one Hive-style folder per day."""
    target = staging / table
    staging.mkdir(parents=True)
    day_list = ", ".join(f"date '{d.isoformat()}'" for d in days)
    select = _select_list(_columns(con, table), partitioned=True)
    con.execute(
        f"""
        copy (select {select} from raw.{table} where {PARTITION_COLUMN} in ({day_list}))
        to '{target}' (format parquet, compression zstd, partition_by ({PARTITION_COLUMN}),
                       filename_pattern 'data_{{i}}')
        """
    )


def _write_whole(con, table: str, staging: Path) -> None:
    target = staging / table
    target.mkdir(parents=True)  # the staging folder with it
    select = _select_list(_columns(con, table), partitioned=False)
    con.execute(
        f"copy (select {select} from raw.{table}) to '{target / 'data_0.parquet'}' (format parquet)"
    )


def publish(con, root: Path, tables: tuple[str, ...] | None = None) -> PublishSummary:
    """Publish every changed day of the raw tables to Parquet under `root`."""
    con.execute("set TimeZone = 'UTC'")
    create_tables(con, {"parquet_partitions": PARQUET_PARTITIONS_COLUMNS}, META_SCHEMA)
    summary = PublishSummary(root=root)
    staging_root = root / STAGING_DIR
    existing = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    for table in tables or PARTITIONED_TABLES + WHOLE_TABLES:
        if table not in existing:
            continue
        partitioned = table in PARTITIONED_TABLES
        (root / table).mkdir(parents=True, exist_ok=True)  # an engine reads an empty table
        current = _fingerprints(con, table, partitioned)
        published = _published(con, table)

        def folder(day: date, table: str = table, partitioned: bool = partitioned) -> Path:
            return partition_dir(root, table, day) if partitioned else root / table

        changed = sorted(
            day
            for day, (fp, _) in current.items()
            if published.get(day) != fp or not folder(day).is_dir()
        )
        # the folder mirrors DuckDB's raw table: a day folder without rows goes, whoever wrote it
        on_disk = _day_folders(root / table) if partitioned else set()
        gone = sorted(day for day in set(published) | on_disk if day not in current)
        staging = staging_root / uuid.uuid4().hex
        try:
            if changed:
                if partitioned:
                    _write_days(con, table, changed, staging)
                else:
                    _write_whole(con, table, staging)
                # the fingerprints counted each day's rows already
                summary.rows_written += sum(current[day][1] for day in changed)
                for day in changed:
                    new = (
                        staging / table / f"{PARTITION_COLUMN}={day.isoformat()}"
                        if partitioned
                        else staging / table
                    )
                    _exchange(new, folder(day))
            for day in gone:
                if folder(day).is_dir():
                    aside = staging_root / f"{uuid.uuid4().hex}.removed"
                    aside.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(folder(day), aside)
                    shutil.rmtree(aside)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not changed and not gone:
            continue
        con.execute("begin")
        con.execute("delete from meta.parquet_partitions where table_name = ?", [table])
        insert_rows(
            con,
            "meta.parquet_partitions",
            [[table, day, fp, n] for day, (fp, n) in current.items()],
            "?, ?, ?, ?, now()",
        )
        con.execute("commit")
        summary.partitions_written[table] = changed
        summary.partitions_removed[table] = gone
    (root / "_SUCCESS").touch()
    return summary
