"""Load landed OTLP files into the raw tables: each new or changed file once, whole, atomically."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from analytics import settings
from analytics.errors import RosterError
from analytics.failpoints import failpoint

from . import otlp_sql
from .landing_files import (
    LandedFile,
    UnreadableTail,
    content_hash,
    discover_otlp_files,
    iter_line_chunks,
    read_blocks,
)
from .raw_schema import create_raw_tables

# Files are loaded in transactions of about this many bytes: a crash loses at most one batch,
# which the next run loads again.
RAW_TABLES_BY_FILE = ("otlp_metric_points", "otlp_log_records", "quarantine")


@dataclass
class LoadSummary:
    files_found: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    lines_read: int = 0
    lines_quarantined: int = 0
    metric_points: int = 0
    log_records: int = 0
    records_quarantined: int = 0
    min_usage_date: date | None = None
    max_usage_date: date | None = None
    seconds: float = 0.0
    loaded_files: list[str] = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        return self.lines_quarantined + self.records_quarantined


def _manifest(con) -> dict[str, tuple[int, int, str]]:
    rows = con.execute(
        "select source_file, size_bytes, mtime_ns, content_hash from raw.landed_files"
    ).fetchall()
    return {name: (size, mtime, digest) for name, size, mtime, digest in rows}


def files_to_load(con, files: list[LandedFile], reload_window: tuple[date, date] | None = None):
    """Split landed files into (to_load with their hashes, unchanged).

    A file is loaded when it is new, or its size or content changed since it was loaded. With
    `reload_window` (inclusive start, exclusive end), files known to hold records of those days
    are loaded again too (an explicit reload after a parser change).
    """
    manifest = _manifest(con)
    overlapping: set[str] = set()
    if reload_window is not None:
        overlapping = {
            name
            for (name,) in con.execute(
                "select source_file from raw.landed_files "
                "where min_usage_date < ? and max_usage_date >= ?",
                [reload_window[1], reload_window[0]],
            ).fetchall()
        }
    to_load: list[tuple[LandedFile, str]] = []
    unchanged: list[LandedFile] = []
    for landed in files:
        known = manifest.get(landed.relative_path)
        if known is not None and landed.relative_path not in overlapping:
            size, mtime, digest = known
            if size == landed.size_bytes and mtime == landed.mtime_ns:
                unchanged.append(landed)
                continue
            new_digest = content_hash(landed.path)
            if size == landed.size_bytes and new_digest == digest:
                con.execute(
                    "update raw.landed_files set mtime_ns = ? where source_file = ?",
                    [landed.mtime_ns, landed.relative_path],
                )
                unchanged.append(landed)
                continue
            to_load.append((landed, new_digest))
        else:
            to_load.append((landed, content_hash(landed.path)))
    return to_load, unchanged


def _batches(to_load: list[tuple[LandedFile, str]]):
    batch_bytes = settings.ingest_batch_bytes()
    batch: list[tuple[LandedFile, str]] = []
    size = 0
    for item in to_load:
        batch.append(item)
        size += item[0].size_bytes
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _load_batch(con, batch: list[tuple[LandedFile, str]], summary: LoadSummary) -> None:
    names = [landed.relative_path for landed, _ in batch]
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table _batch_files (source_file varchar)")
        con.executemany("insert into _batch_files values (?)", [[n] for n in names])
        for table in RAW_TABLES_BY_FILE:
            con.execute(
                f"delete from raw.{table} where source_file in (select source_file from _batch_files)"
            )
        con.execute(
            "create or replace temp table _file_counts ("
            "source_file varchar, lines_read bigint, lines_loaded bigint, lines_quarantined bigint,"
            "metric_points bigint, log_records bigint, records_quarantined bigint,"
            "min_usage_date date, max_usage_date date)"
        )
        for chunk in iter_line_chunks([landed for landed, _ in batch]):
            # Small record batches let DuckDB parse the JSON on every core.
            con.register("_batch_lines", pa.Table.from_batches(chunk.to_batches(max_chunksize=256)))
            con.execute(otlp_sql.CLASSIFY_LINES_SQL)
            con.unregister("_batch_lines")
            con.execute(otlp_sql.EXPLODE_METRICS_SQL)
            con.execute(otlp_sql.EXPLODE_LOGS_SQL)
            con.execute(otlp_sql.INSERT_POINTS_SQL)
            con.execute(otlp_sql.INSERT_EVENTS_SQL)
            con.execute(otlp_sql.INSERT_QUARANTINE_SQL)
            con.execute(f"insert into _file_counts {otlp_sql.FILE_COUNTS_SQL}")
            failpoint("ingest.mid_batch")
        con.execute("create or replace temp table _batch_hashes (source_file varchar, size_bytes bigint, mtime_ns bigint, content_hash varchar)")
        con.executemany(
            "insert into _batch_hashes values (?, ?, ?, ?)",
            [[landed.relative_path, landed.size_bytes, landed.mtime_ns, digest] for landed, digest in batch],
        )
        con.execute(
            """
            insert or replace into raw.landed_files
            select
                h.source_file, h.size_bytes, h.mtime_ns, h.content_hash,
                coalesce(sum(c.lines_read), 0), coalesce(sum(c.lines_loaded), 0),
                coalesce(sum(c.lines_quarantined), 0), coalesce(sum(c.metric_points), 0),
                coalesce(sum(c.log_records), 0), coalesce(sum(c.records_quarantined), 0),
                min(c.min_usage_date), max(c.max_usage_date),
                coalesce(any_value(f.first_loaded_at), current_timestamp::timestamp),
                current_timestamp::timestamp
            from _batch_hashes h
            left join _file_counts c using (source_file)
            left join raw.landed_files f using (source_file)
            group by h.source_file, h.size_bytes, h.mtime_ns, h.content_hash
            """
        )
        totals = con.execute(
            """
            select sum(lines_read), sum(lines_quarantined), sum(metric_points), sum(log_records),
                sum(records_quarantined), min(min_usage_date), max(max_usage_date)
            from _file_counts
            """
        ).fetchall()[0]
        con.execute("commit")
        failpoint("ingest.after_batch")
    except BaseException:
        con.execute("rollback")
        raise
    lines, bad_lines, points, events, bad_records, min_d, max_d = totals
    summary.files_loaded += len(batch)
    summary.loaded_files.extend(names)
    summary.lines_read += lines or 0
    summary.lines_quarantined += bad_lines or 0
    summary.metric_points += points or 0
    summary.log_records += events or 0
    summary.records_quarantined += bad_records or 0
    if min_d is not None:
        summary.min_usage_date = min(filter(None, [summary.min_usage_date, min_d]))
        summary.max_usage_date = max(filter(None, [summary.max_usage_date, max_d]))


def load_landing_dir(
    con,
    landing_dir: Path,
    *,
    store_content: bool = False,
    reload_window: tuple[date, date] | None = None,
) -> LoadSummary:
    """Load every new or changed OTLP file of the landing folder into the raw tables."""
    started = time.perf_counter()
    create_raw_tables(con)
    con.execute(otlp_sql.macros_sql(store_content))
    files = discover_otlp_files(landing_dir)
    to_load, unchanged = files_to_load(con, files, reload_window)
    summary = LoadSummary(files_found=len(files), files_unchanged=len(unchanged))
    for batch in _batches(to_load):
        _load_batch(con, batch, summary)
    summary.seconds = time.perf_counter() - started
    return summary


ROSTER_FILE = "members.csv"
ROSTER_HEADER = ("email", "api_key_name", "user_ids", "team", "role")



def load_roster(con, landing_dir: Path) -> int:
    """Replace raw.roster with the landing folder's members.csv (empty when there is none).

    An unchanged roster is not loaded again, so a rerun leaves raw.roster as it was.
    """
    create_raw_tables(con)
    path = landing_dir / ROSTER_FILE
    digest = content_hash(path) if path.is_file() else None
    loaded = con.execute("select count(*), min(content_hash) from raw.roster").fetchall()[0]
    if (loaded[0] == 0 and digest is None) or (loaded[0] > 0 and loaded[1] == digest):
        return loaded[0]
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.roster")
        if path.is_file():
            header = path.read_text(encoding="utf-8-sig").splitlines()[:1]
            columns = [c.strip().lower() for c in header[0].split(",")] if header else []
            missing = [c for c in ROSTER_HEADER if c not in columns]
            if missing:
                raise RosterError(f"{path}: roster header lacks column(s) {', '.join(missing)}")
            con.execute(
                """
                insert into raw.roster by name
                select nullif(trim(email), '') as email, nullif(trim(api_key_name), '') as api_key_name,
                    nullif(trim(user_ids), '') as user_ids, nullif(trim(team), '') as team,
                    nullif(trim(role), '') as role, (row_number() over () + 1)::integer as source_line,
                    ? as content_hash, current_timestamp::timestamp as loaded_at
                from read_csv(?, header = true, all_varchar = true, parallel = false)
                """,
                [digest, str(path)],
            )
        rows = con.execute("select count(*) from raw.roster").fetchall()[0][0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows


TIME_PATTERN = re.compile(rb'"timeUnixNano"\s*:\s*"?([0-9]{10,20})')


def time_range_of_file(landed: LandedFile) -> tuple[int, int] | None:
    """Smallest and largest record timeUnixNano in a file, by a scan of its text (no parse)."""
    low = high = None
    tail = b""
    try:
        for block in read_blocks(landed.path, 8 << 20):
            data = tail + block
            for match in TIME_PATTERN.finditer(data):
                value = int(match.group(1))
                if value > 0:
                    low = value if low is None or value < low else low
                    high = value if high is None or value > high else high
            tail = data[-64:]
    except (UnreadableTail, OSError):
        pass
    return (low, high) if low is not None else None


def date_range_of_landing(con, landing_dir: Path) -> tuple[date | None, date | None]:
    """First and last UTC day of the landing folder's records: loaded files from the manifest,
    new or changed files by a quick scan of their timeUnixNano values (no full parse), and the
    days of kept Admin API report pages."""
    create_raw_tables(con)
    files = discover_otlp_files(landing_dir)
    manifest = _manifest(con)
    pending = [
        f
        for f in files
        if manifest.get(f.relative_path, (None, None))[:2] != (f.size_bytes, f.mtime_ns)
    ]
    known = [f.relative_path for f in files if f.relative_path in manifest]
    days: list[date] = []
    if known:
        con.execute("create or replace temp table _known (source_file varchar)")
        con.executemany("insert into _known values (?)", [[k] for k in known])
        days.extend(
            d
            for d in con.execute(
                "select min(min_usage_date), max(max_usage_date) from raw.landed_files "
                "where source_file in (select source_file from _known)"
            ).fetchall()[0]
            if d is not None
        )
    for landed in pending:
        found = time_range_of_file(landed)
        if found is not None:
            days.extend(datetime.fromtimestamp(ns / 1e9, tz=UTC).date() for ns in found)
    from analytics.admin_api.loader import (
        kept_days,  # the Admin API pages kept in the landing folder
    )

    days.extend(kept_days(landing_dir))
    return (min(days), max(days)) if days else (None, None)
