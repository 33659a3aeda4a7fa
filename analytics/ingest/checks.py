"""The raw layer's reconciliation: every landed line accounted for, quarantine by reason.

Plain queries; the Dagster asset checks in orchestration/defs/ingestion/checks.py report them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

RECONCILIATION_SQL = """
with points as (
    select source_file, coalesce(source_generation, 1) as generation, count(*) as n
    from raw.otlp_metric_points group by all
),
events as (
    select source_file, coalesce(source_generation, 1) as generation, count(*) as n
    from raw.otlp_log_records group by all
),
quarantined as (
    select source_file, coalesce(source_generation, 1) as generation,
        count(*) filter (where record_index is null) as lines,
        count(*) filter (where record_index is not null) as records
    from raw.quarantine where signal is distinct from 'admin_api' group by all
)
select distinct f.source_file
from raw.landed_files f
left join points p using (source_file, generation)
left join events e using (source_file, generation)
left join quarantined q using (source_file, generation)
where f.lines_read <> f.lines_loaded + f.lines_quarantined + coalesce(f.blank_lines, 0)
   or f.lines_quarantined + f.records_quarantined
      <> coalesce(q.lines, 0) + coalesce(q.records, 0) + coalesce(f.quarantine_rows_not_stored, 0)
   or f.metric_points <> coalesce(p.n, 0)
   or f.log_records <> coalesce(e.n, 0)
order by 1
"""


@dataclass(frozen=True)
class Reconciliation:
    quarantine_reasons: list[tuple[str, int]]
    files_not_reconciled: list[str]
    files: int
    lines_read: int
    lines_loaded: int
    lines_quarantined: int
    blank_lines: int
    lines_repaired: int
    quarantine_rows_not_stored: int

    @property
    def quarantined_total(self) -> int:
        return sum(n for _, n in self.quarantine_reasons)


def reconcile(con) -> Reconciliation:
    reasons = con.execute(
        "select reason, count(*) from raw.quarantine group by reason order by 2 desc"
    ).fetchall()
    mismatched = [name for (name,) in con.execute(RECONCILIATION_SQL).fetchall()]
    totals = con.execute(
        "select count(distinct source_file), coalesce(sum(lines_read), 0), "
        "coalesce(sum(lines_loaded), 0), coalesce(sum(lines_quarantined), 0), "
        "coalesce(sum(blank_lines), 0), coalesce(sum(lines_repaired), 0), "
        "coalesce(sum(quarantine_rows_not_stored), 0) from raw.landed_files"
    ).fetchall()[0]
    return Reconciliation(reasons, mismatched, *totals)


def newest_record_time(con) -> datetime | None:
    """The time of the newest metric point or event in raw (UTC), or None when raw is empty."""
    (newest,) = con.execute(
        "select max(t) from (select max(time_unix_nano) as t from raw.otlp_metric_points "
        "union all select max(time_unix_nano) from raw.otlp_log_records)"
    ).fetchall()[0]
    return None if newest is None else datetime.fromtimestamp(newest / 1e9, tz=UTC)
