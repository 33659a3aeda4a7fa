"""Asset checks on the raw layer: nothing silently dropped, quarantine visible."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from analytics.ingest.checks import Reconciliation

QUARANTINE_CHECK = dg.AssetCheckSpec(
    "no_quarantined_input",
    asset=dg.AssetKey(["otlp", "quarantine"]),
    description="Warns when landed files hold lines or records that could not be used.",
)
RECONCILIATION_CHECK = dg.AssetCheckSpec(
    "every_line_accounted_for",
    asset=dg.AssetKey(["otlp", "landed_files"]),
    description=(
        "For every landed file: lines read = lines loaded + quarantined + blank, every "
        "quarantined line has its row or is counted beyond the cap, and the raw tables hold "
        "exactly the records the manifest counted."
    ),
)
FRESHNESS_CHECK = dg.AssetCheckSpec(
    "telemetry_is_fresh",
    asset=dg.AssetKey(["otlp", "log_records"]),
    description=(
        "Warns when the newest telemetry record (metric point or event) is older than "
        "ANALYTICS_FRESHNESS_HOURS (default 24): Claude Code clients or the collector stopped "
        "sending, or stopped landing files."
    ),
)
OTLP_CHECK_SPECS = [QUARANTINE_CHECK, RECONCILIATION_CHECK, FRESHNESS_CHECK]


def freshness_result(newest: datetime | None, now: datetime, max_age_hours: float) -> dg.AssetCheckResult:
    age_hours = None if newest is None else (now - newest).total_seconds() / 3600
    return dg.AssetCheckResult(
        check_name=FRESHNESS_CHECK.name,
        asset_key=FRESHNESS_CHECK.asset_key,
        passed=age_hours is not None and age_hours <= max_age_hours,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "newest_record": newest.isoformat() if newest else "none",
            "age_hours": round(age_hours, 1) if age_hours is not None else -1,
            "max_age_hours": max_age_hours,
        },
    )


def otlp_check_results(found: Reconciliation, quarantined_this_run: int) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            check_name=QUARANTINE_CHECK.name,
            asset_key=QUARANTINE_CHECK.asset_key,
            passed=found.quarantined_total == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "quarantined_total": found.quarantined_total,
                "quarantined_this_run": quarantined_this_run,
                **{f"reason: {reason}": n for reason, n in found.quarantine_reasons},
            },
        ),
        dg.AssetCheckResult(
            check_name=RECONCILIATION_CHECK.name,
            asset_key=RECONCILIATION_CHECK.asset_key,
            passed=not found.files_not_reconciled,
            metadata={
                "files": found.files,
                "lines_read": found.lines_read,
                "lines_loaded": found.lines_loaded,
                "lines_quarantined": found.lines_quarantined,
                "blank_lines": found.blank_lines,
                "lines_repaired": found.lines_repaired,
                "quarantine_rows_not_stored": found.quarantine_rows_not_stored,
                "files_not_reconciled": ", ".join(found.files_not_reconciled[:20]) or "none",
            },
        ),
    ]
