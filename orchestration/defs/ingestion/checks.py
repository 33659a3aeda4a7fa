"""Asset checks on the raw layer: nothing silently dropped, quarantine visible."""

from __future__ import annotations

from datetime import date

import dagster as dg

QUARANTINE_CHECK = dg.AssetCheckSpec(
    "no_quarantined_input",
    asset=dg.AssetKey(["raw", "quarantine"]),
    description="Warns when landed files hold lines or records that could not be used.",
)
RECONCILIATION_CHECK = dg.AssetCheckSpec(
    "every_line_accounted_for",
    asset=dg.AssetKey(["raw", "landed_files"]),
    description=(
        "For every landed file: lines read = lines loaded + quarantined + blank, every "
        "quarantined line has its row or is counted beyond the cap, and the raw tables hold "
        "exactly the records the manifest counted."
    ),
)
OTLP_CHECK_SPECS = [QUARANTINE_CHECK, RECONCILIATION_CHECK]


def window_row_counts(con, window: tuple[date, date]) -> dict[str, int]:
    points = con.execute(
        "select count(*) from raw.otlp_metric_points where usage_date >= ? and usage_date < ?",
        list(window),
    ).fetchall()[0][0]
    events = con.execute(
        "select count(*) from raw.otlp_log_records where usage_date >= ? and usage_date < ?",
        list(window),
    ).fetchall()[0][0]
    return {"points": points, "events": events}


# Per file generation: every line read is loaded, quarantined or blank; every quarantined line
# or record has its row, or is counted as not stored (beyond the per-file cap); the raw tables
# hold exactly the records the manifest counted.
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


def otlp_check_results(con, summary) -> list[dg.AssetCheckResult]:
    reasons = con.execute(
        "select reason, count(*) from raw.quarantine group by reason order by 2 desc"
    ).fetchall()
    total_quarantined = sum(n for _, n in reasons)
    mismatched = [name for (name,) in con.execute(RECONCILIATION_SQL).fetchall()]
    totals = con.execute(
        "select count(distinct source_file), coalesce(sum(lines_read), 0), "
        "coalesce(sum(lines_loaded), 0), coalesce(sum(lines_quarantined), 0), "
        "coalesce(sum(blank_lines), 0), coalesce(sum(lines_repaired), 0), "
        "coalesce(sum(quarantine_rows_not_stored), 0) from raw.landed_files"
    ).fetchall()[0]
    return [
        dg.AssetCheckResult(
            check_name=QUARANTINE_CHECK.name,
            asset_key=QUARANTINE_CHECK.asset_key,
            passed=total_quarantined == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "quarantined_total": total_quarantined,
                "quarantined_this_run": summary.quarantined,
                **{f"reason: {reason}": n for reason, n in reasons},
            },
        ),
        dg.AssetCheckResult(
            check_name=RECONCILIATION_CHECK.name,
            asset_key=RECONCILIATION_CHECK.asset_key,
            passed=not mismatched,
            metadata={
                "files": totals[0],
                "lines_read": totals[1],
                "lines_loaded": totals[2],
                "lines_quarantined": totals[3],
                "blank_lines": totals[4],
                "lines_repaired": totals[5],
                "quarantine_rows_not_stored": totals[6],
                "files_not_reconciled": ", ".join(mismatched[:20]) or "none",
            },
        ),
    ]
