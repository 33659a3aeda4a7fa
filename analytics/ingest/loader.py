"""Load landed OTLP files into the raw tables: each new or changed file once, atomically.

A file's content is tracked by *generation* (raw_schema.py): a file that grew with its loaded
bytes unchanged is loaded again whole as the same generation; a file that shrank, was
truncated or replaced becomes a new generation and the rows of the earlier ones stay. So
logrotate's `copytruncate` (the live file emptied, its copy under a new name) or a collector
that rewrites a file never erases what was loaded; dbt's de-duplication drops the records the
copy delivers a second time.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import settings
from analytics.dates import local_date_of_nanos
from analytics.failpoints import failpoint
from analytics.warehouse.bulk import insert_rows

from . import otlp_sql
from .landing_files import (
    UNREADABLE,
    FileStats,
    LandedFile,
    UnreadableTail,
    content_hash,
    discover_otlp_files,
    iter_line_chunks,
    read_ahead,
    read_blocks,
)
from .raw_schema import create_raw_tables

# Files are loaded in transactions of about this many bytes: a crash loses at most one batch,
# which the next run loads again.
RAW_TABLES_BY_FILE = ("otlp_metric_points", "otlp_log_records", "quarantine")
# Record times before this day are impossible for Claude Code telemetry (a clock at zero).
EARLIEST_RECORD_DAY = date(2020, 1, 1)


def possible_days(today: date | None = None) -> tuple[date, date]:
    """The first and last UTC day a record may have: 2020-01-01 .. tomorrow."""
    today = today or datetime.now(UTC).date()
    return EARLIEST_RECORD_DAY, today + timedelta(days=1)


def possible_time_bounds(today: date | None = None) -> tuple[int, int]:
    """possible_days as nanoseconds since the epoch, inclusive start, exclusive end."""
    first, last = possible_days(today)
    epoch = date(1970, 1, 1)
    day_ns = 86_400 * 10**9
    return (first - epoch).days * day_ns, ((last - epoch).days + 1) * day_ns


@dataclass
class LoadSummary:
    files_found: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    new_generations: int = 0
    lines_read: int = 0
    blank_lines: int = 0
    lines_repaired: int = 0
    lines_quarantined: int = 0
    metric_points: int = 0
    log_records: int = 0
    records_quarantined: int = 0
    min_usage_date: date | None = None
    max_usage_date: date | None = None
    seconds: float = 0.0
    loaded_files: list[str] = field(default_factory=list)
    skipped: list = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        return self.lines_quarantined + self.records_quarantined


@dataclass(frozen=True)
class Planned:
    """A file to load: its content hash, the generation its rows get, and whether the rows
    of that generation are replaced (the same content grown, a reload, an unreadable retry).

    A new file's hash decides nothing before it is loaded, so it is None here and taken from
    the bytes the load reads (_load_batch), on the thread that frames the lines while DuckDB
    parses the previous chunk, rather than by a read of its own first: the bytes were read
    twice, the first time with nothing else running (hashing alone took 0.2 to 0.6 s for 60
    days of 200 members, 15.4 s for a year of 1,000), and a file replaced between the two reads
    was recorded with the first content's hash. No shorter load could be measured through this
    machine's drift (bench/RESULTS.md, twenty-third step)."""

    landed: LandedFile
    digest: str | None
    generation: int
    replace: bool


def _manifest(con) -> dict[str, tuple[int, int, int, str]]:
    """The latest generation of every known file: (generation, size, mtime, hash)."""
    rows = con.execute(
        "select source_file, generation, size_bytes, mtime_ns, content_hash from raw.landed_files "
        "qualify generation = max(generation) over (partition by source_file)"
    ).fetchall()
    return {name: (gen, size, mtime, digest) for name, gen, size, mtime, digest in rows}


def _hash(landed: LandedFile, limit: int | None = None) -> str:
    try:
        size = landed.size_bytes if limit is None else limit
        return content_hash(landed.path, size, regular_only=True)
    except OSError as exc:
        return UNREADABLE + (exc.strerror or str(exc))


def files_to_load(con, files: list[LandedFile], reload_window: tuple[date, date] | None = None):
    """Split landed files into (to_load as Planned, unchanged).

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
                "select distinct source_file from raw.landed_files "
                "where min_usage_date < ? and max_usage_date >= ?",
                [reload_window[1], reload_window[0]],
            ).fetchall()
        }
    to_load: list[Planned] = []
    unchanged: list[LandedFile] = []
    for landed in files:
        name = landed.relative_path
        known = manifest.get(name)
        if known is None:
            to_load.append(Planned(landed, None, 1, False))
            continue
        generation, size, mtime, digest = known
        forced = name in overlapping
        was_unreadable = digest.startswith(UNREADABLE)
        if not forced and not was_unreadable and (size, mtime) == (landed.size_bytes, landed.mtime_ns):
            unchanged.append(landed)
            continue
        new_digest = _hash(landed)
        if not forced and size == landed.size_bytes and new_digest == digest and not was_unreadable:
            con.execute(
                "update raw.landed_files set mtime_ns = ? where source_file = ? and generation = ?",
                [landed.mtime_ns, name, generation],
            )
            unchanged.append(landed)
            continue
        if was_unreadable and new_digest == digest:
            unchanged.append(landed)  # still unreadable: its quarantine row stands
            continue
        grown = (
            not new_digest.startswith(UNREADABLE)
            and landed.size_bytes >= size
            and (new_digest if landed.size_bytes == size else _hash(landed, size)) == digest
        )
        if was_unreadable or grown:
            to_load.append(Planned(landed, new_digest, generation, True))
        else:
            to_load.append(Planned(landed, new_digest, generation + 1, False))
    return to_load, unchanged


def _batches(to_load: list[Planned]):
    batch_bytes = settings.ingest_batch_bytes()
    batch: list[Planned] = []
    size = 0
    for item in to_load:
        batch.append(item)
        size += item.landed.size_bytes
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


STORED_QUARANTINE_SQL = """
create or replace temp table _quarantine_stored as
select q.source_file, count(*) as n
from raw.quarantine q
join _batch_files f
    on q.source_file = f.source_file and coalesce(q.source_generation, 1) = f.generation
where q.signal is distinct from 'admin_api'
group by all
"""

MANIFEST_SQL = """
insert or replace into raw.landed_files by name
select
    h.source_file, h.generation, h.size_bytes, h.mtime_ns, h.content_hash,
    s.lines_read, coalesce(c.lines_loaded, 0) as lines_loaded,
    coalesce(c.lines_quarantined, 0) as lines_quarantined,
    coalesce(c.metric_points, 0) as metric_points, coalesce(c.log_records, 0) as log_records,
    coalesce(c.records_quarantined, 0) as records_quarantined,
    c.min_usage_date, c.max_usage_date,
    coalesce(f.first_loaded_at, current_timestamp::timestamp) as first_loaded_at,
    current_timestamp::timestamp as last_loaded_at,
    s.blank_lines, s.lines_repaired,
    coalesce(c.lines_quarantined, 0) + coalesce(c.records_quarantined, 0) - coalesce(q.n, 0)
        as quarantine_rows_not_stored
from _batch_hashes h
join _file_stats s using (source_file)
left join (
    select source_file, sum(lines_loaded) as lines_loaded,
        sum(lines_quarantined) as lines_quarantined, sum(metric_points) as metric_points,
        sum(log_records) as log_records, sum(records_quarantined) as records_quarantined,
        min(min_usage_date) as min_usage_date, max(max_usage_date) as max_usage_date
    from _file_counts group by source_file
) c using (source_file)
left join _quarantine_stored q using (source_file)
left join raw.landed_files f on f.source_file = h.source_file and f.generation = h.generation
"""


# Record batches of this many rows let DuckDB scan an Arrow table on every core.
SCAN_BATCH_ROWS = 256


def _scannable(table: pa.Table) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_BATCH_ROWS), table.schema)


def classify_lines(con, chunk: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Parse and classify a chunk of framed lines (otlp_sql.CLASSIFY_LINES_SQL). Returns
    (`_batch_lines`, `_lines`): the chunk's lines, which the quarantine's query reads for its
    MD5s, and their parse, which the explodes read. The queries read both by name from the
    calling function's variables (DuckDB's replacement scan of a Python variable).

    Not `con.register`: a registered table is a view in DuckDB's catalog, and a view dropped
    (`unregister`) inside the batch's transaction keeps its Arrow table referenced until the
    commit, for a rollback to bring it back. Every chunk's lines and parse then stayed in
    memory until its batch committed: about 1.2 GB outside DuckDB's memory limit in a large
    load. A variable holds them only while its chunk is loaded.

    `_lines` is Arrow, not a temp table: a temp table of fewer rows than a DuckDB row group
    (122,880) is scanned by one thread, so the queries that read it ran on one core; and
    writing the parsed bodies into a table cost more than handing them over as Arrow (the parse
    of 60 days of 200 members: 5.0 s into a temp table, 3.2 s into Arrow)."""
    _batch_lines = _scannable(chunk)
    lines = con.sql(otlp_sql.CLASSIFY_LINES_SQL).to_arrow_table()
    return _batch_lines, _scannable(lines)


def _digests(batch: list[Planned], read: dict[str, str | None]) -> list[str]:
    """Each file's content hash: planned, or taken while it was read (iter_line_chunks); a
    compressed file whose end could not be inflated is hashed on its own."""
    return [
        p.digest or read.get(p.landed.relative_path) or _hash(p.landed)
        for p in batch
    ]


def _load_batch(con, batch: list[Planned], summary: LoadSummary) -> None:
    names = [p.landed.relative_path for p in batch]
    stats: dict[str, FileStats] = {}
    con.execute("begin transaction")
    try:
        con.execute(
            "create or replace temp table _batch_files "
            "(source_file varchar, generation integer, replace boolean)"
        )
        insert_rows(con, "_batch_files", [[p.landed.relative_path, p.generation, p.replace] for p in batch])
        for table in RAW_TABLES_BY_FILE:
            con.execute(
                f"delete from raw.{table} t using _batch_files f "
                "where t.source_file = f.source_file and f.replace "
                "and coalesce(t.source_generation, 1) = f.generation"
                + (" and t.signal is distinct from 'admin_api'" if table == "quarantine" else "")
            )
        con.execute(
            "create or replace temp table _file_counts ("
            "source_file varchar, lines_read bigint, lines_loaded bigint, lines_quarantined bigint,"
            "metric_points bigint, log_records bigint, records_quarantined bigint,"
            "min_usage_date date, max_usage_date date)"
        )
        con.execute(STORED_QUARANTINE_SQL)
        insert_quarantine = otlp_sql.insert_quarantine_sql(settings.quarantine_rows_per_file())
        # the new files' hashes, from the bytes read (Planned says why)
        digests: dict[str, str | None] = {p.landed.relative_path: None for p in batch if p.digest is None}
        for chunk in read_ahead(iter_line_chunks([p.landed for p in batch], stats, digests=digests)):
            # read by name by the queries below (classify_lines says why not con.register)
            _batch_lines, _lines = classify_lines(con, chunk)
            # Arrow too, not temp tables: a chunk's points (about 40,000) are fewer than a row
            # group, so a temp table of them was read by one thread. Loading 60 days of 200
            # members, alternated: 9.29/9.08 s before, 8.71/8.85 s after; peak RSS 2,050 MB
            # before, 1,655 MB after (the temp tables held their rows until the commit). The
            # year's whole run peaked about 100 MB higher (2,594 MiB): the chunk's rows are
            # outside DuckDB's memory limit while it is loaded.
            _points = _scannable(con.sql(otlp_sql.EXPLODE_METRICS_SQL).to_arrow_table())
            _events = _scannable(con.sql(otlp_sql.EXPLODE_LOGS_SQL).to_arrow_table())
            con.execute(otlp_sql.INSERT_POINTS_SQL)
            con.execute(otlp_sql.INSERT_EVENTS_SQL)
            con.execute(insert_quarantine)
            con.execute(STORED_QUARANTINE_SQL)
            con.execute(f"insert into _file_counts {otlp_sql.FILE_COUNTS_SQL}")
            del chunk, _batch_lines, _lines, _points, _events  # freed now, not at the batch's commit
            failpoint("ingest.mid_batch")
        con.execute(
            "create or replace temp table _batch_hashes (source_file varchar, generation integer, "
            "size_bytes bigint, mtime_ns bigint, content_hash varchar)"
        )
        insert_rows(
            con,
            "_batch_hashes",
            [
                [p.landed.relative_path, p.generation, p.landed.size_bytes, p.landed.mtime_ns, digest]
                for p, digest in zip(batch, _digests(batch, digests), strict=True)
            ],
        )
        con.execute(
            "create or replace temp table _file_stats "
            "(source_file varchar, lines_read bigint, blank_lines bigint, lines_repaired bigint)"
        )
        insert_rows(
            con,
            "_file_stats",
            [
                [name, s.lines_read, s.blank_lines, s.lines_repaired]
                for name, s in ((n, stats.get(n, FileStats())) for n in names)
            ],
        )
        con.execute(MANIFEST_SQL)
        totals = con.execute(
            """
            select sum(lines_quarantined), sum(metric_points), sum(log_records),
                sum(records_quarantined), min(min_usage_date), max(max_usage_date)
            from _file_counts
            """
        ).fetchall()[0]
        con.execute("commit")
        failpoint("ingest.after_batch")
    except BaseException:
        con.execute("rollback")
        raise
    bad_lines, points, events, bad_records, min_d, max_d = totals
    summary.files_loaded += len(batch)
    summary.new_generations += sum(1 for p in batch if p.generation > 1 and not p.replace)
    summary.loaded_files.extend(names)
    summary.lines_read += sum(s.lines_read for s in stats.values())
    summary.blank_lines += sum(s.blank_lines for s in stats.values())
    summary.lines_repaired += sum(s.lines_repaired for s in stats.values())
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
    con.execute(otlp_sql.macros_sql(store_content, possible_time_bounds()))
    skipped: list = []
    files = discover_otlp_files(landing_dir, skipped)
    to_load, unchanged = files_to_load(con, files, reload_window)
    summary = LoadSummary(files_found=len(files), files_unchanged=len(unchanged), skipped=skipped)
    with _appending_only(con, to_load):
        for batch in _batches(to_load):
            _load_batch(con, batch, summary)
    summary.seconds = time.perf_counter() - started
    return summary


@contextlib.contextmanager
def _appending_only(con, to_load: list[Planned]):
    """A load that only appends, with DuckDB's checkpoints not merging row groups.

    Each batch's bulk appends end in a partly filled row group per raw table. With its
    defaults, a DuckDB checkpoint (the automatic one when the WAL passes 16 MB, and the one on
    close) then merges such neighbours (vacuum tasks), rewriting and recompressing every row
    group appended since the previous checkpoint: the rows are written twice. A batch of a
    year's load then committed in 11 s instead of 0.1 to 0.5 s (bench/RESULTS.md,
    twenty-fifth step). Merging reclaims nothing when no row was deleted, so a load of new
    files only turns it off (`max_vacuum_tasks = 0`) and checkpoints before turning it back on;
    the partly filled row groups stay (about two per table per 256 MB batch). A load that
    replaces rows (a grown file, a reload) keeps DuckDB's vacuum, which reclaims the deleted
    rows, as does any later checkpoint of a table that had rows deleted (erasure). The cost is
    disk: the unmerged row groups compress less well (a year of 1,000 members: 1,579 MB
    against 1,368 MB after the whole run, for 473.9 s against 513.6 s)."""
    if not to_load or any(p.replace for p in to_load):  # nothing to load, or rows to delete
        yield
        return
    con.execute("set max_vacuum_tasks = 0")
    try:
        yield
        # the last batch's WAL written now, while merging is off, not at close when it is on;
        # refused while another connection of this database has a transaction open, and then
        # left to the close (the rows are committed either way)
        with contextlib.suppress(duckdb.Error):
            con.execute("checkpoint")
    finally:
        con.execute("reset max_vacuum_tasks")


TIME_PATTERN = re.compile(rb'"timeUnixNano"\s*:\s*(?:"([0-9]{1,20})"|([0-9]{1,20})(?=[\s,}\]]))')


def time_range_of_file(landed: LandedFile, bounds: tuple[int, int]) -> tuple[int, int] | None:
    """Smallest and largest possible record timeUnixNano in a file's complete lines, by a scan
    of its text (no parse). A line longer than the line limit, and an unterminated last line,
    are not scanned (the load quarantines them)."""
    low = high = None
    limit = settings.max_line_bytes()
    carry: list[bytes] = []  # the start of the current line
    carried = 0
    skipping = False  # inside a line longer than the limit
    try:
        for block in read_blocks(landed.path, landed.size_bytes, landed.relative_path.endswith(".gz")):
            end = block.rfind(b"\n")
            if end < 0:
                if not skipping:
                    carry.append(block)
                    carried += len(block)
                    if carried > limit:
                        carry, carried, skipping = [], 0, True
                continue
            if skipping:
                data, skipping = block[block.find(b"\n") + 1 : end + 1], False
            else:
                data = b"".join([*carry, block[: end + 1]])
            carry, carried = [block[end + 1 :]], len(block) - end - 1
            for match in TIME_PATTERN.finditer(data):
                value = int(match.group(1) or match.group(2))
                if bounds[0] <= value < bounds[1]:
                    low = value if low is None or value < low else low
                    high = value if high is None or value > high else high
    except (UnreadableTail, OSError):
        pass
    return (low, high) if low is not None else None


def date_range_of_landing(con, landing_dir: Path, zone: tzinfo = UTC) -> tuple[date | None, date | None]:
    """First and last day in `zone` of the landing folder's valid records: loaded files from the
    manifest (its UTC days, then the earliest and latest record time on them in raw), new or
    changed files by a quick scan of their timeUnixNano values (no full parse), and the days
    of kept Admin API report pages (UTC report days, kept as they are). Only possible days
    count (2020-01-01 .. tomorrow)."""
    create_raw_tables(con)
    files = discover_otlp_files(landing_dir)
    manifest = _manifest(con)
    pending = [
        f
        for f in files
        if manifest.get(f.relative_path, (None, None, None))[1:3] != (f.size_bytes, f.mtime_ns)
    ]
    known = [f.relative_path for f in files if f.relative_path in manifest]
    first_day, last_day = possible_days()
    times: list[int] = []
    if known:
        con.execute("create or replace temp table _known (source_file varchar)")
        insert_rows(con, "_known", [[k] for k in known])
        first, last = con.execute(
            "select min(min_usage_date), max(max_usage_date) from raw.landed_files "
            "where source_file in (select source_file from _known) "
            "and min_usage_date >= ? and max_usage_date <= ?",
            [first_day, last_day],
        ).fetchall()[0]
        if first is not None:
            # the extreme times lie on the extreme UTC days: read only those days of raw
            times.extend(
                t
                for table in ("otlp_metric_points", "otlp_log_records")
                for t in con.execute(
                    f"select min(time_unix_nano) filter (where usage_date = ?), "
                    f"max(time_unix_nano) filter (where usage_date = ?) from raw.{table} "
                    "where usage_date in (?, ?) and source_file in (select source_file from _known)",
                    [first, last, first, last],
                ).fetchall()[0]
                if t is not None
            )
    bounds = possible_time_bounds()
    for landed in pending:
        found = time_range_of_file(landed, bounds)
        if found is not None:
            times.extend(found)
    days = [local_date_of_nanos(ns, zone) for ns in times]
    from analytics.admin_api.loader import (
        kept_days,  # the Admin API pages kept in the landing folder
    )

    days.extend(d for d in kept_days(landing_dir) if first_day <= d <= last_day)
    return (min(days), max(days)) if days else (None, None)
