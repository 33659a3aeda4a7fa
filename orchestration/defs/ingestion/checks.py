"""Asset checks on the raw layer: nothing silently dropped, quarantine visible."""

from __future__ import annotations

from datetime import date

import dagster as dg

QUARANTINE_CHECK = dg.AssetCheckSpec(
    "no_quarantined_input",
    asset=dg.AssetKey(["otlp", "quarantine"]),
    description="Warns when landed files hold lines or records that could not be used.",
)
RECONCILIATION_CHECK = dg.AssetCheckSpec(
    "every_line_accounted_for",
    asset=dg.AssetKey(["otlp", "landed_files"]),
    description=(
        "For every landed file: lines read = lines loaded + lines quarantined, and the raw "
        "tables hold exactly the records the manifest counted."
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


RECONCILIATION_SQL = """
with points as (
    select source_file, count(*) as n from raw.otlp_metric_points group by source_file
),
events as (
    select source_file, count(*) as n from raw.otlp_log_records group by source_file
),
quarantined as (
    select source_file,
        count(*) filter (where record_index is null) as lines,
        count(*) filter (where record_index is not null) as records
    from raw.quarantine group by source_file
)
select f.source_file
from raw.landed_files f
left join points p using (source_file)
left join events e using (source_file)
left join quarantined q using (source_file)
where f.lines_read <> f.lines_loaded + f.lines_quarantined
   or f.lines_quarantined <> coalesce(q.lines, 0)
   or f.records_quarantined <> coalesce(q.records, 0)
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
        "select count(*), coalesce(sum(lines_read), 0), coalesce(sum(lines_loaded), 0), "
        "coalesce(sum(lines_quarantined), 0) from raw.landed_files"
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
                "files_not_reconciled": ", ".join(mismatched[:20]) or "none",
            },
        ),
    ]
