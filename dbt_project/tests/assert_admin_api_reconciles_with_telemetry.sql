{#-
    Reconciliation of the two sources: for every member-day present in both OpenTelemetry and
    the Admin API report, lines added, accepts, rejects and spend agree within a tolerance.
    It warns (it does not fail the run): the marts take OpenTelemetry for such member-days,
    and a difference is worth a look, not a stop.

    Tolerance: counts may differ by 2 or 5% of the larger, whichever is more; spend by $0.05
    or 5%. Why: OpenTelemetry dates a metric point by its export time (up to a minute after the
    usage, so usage just before midnight can land on the next day) while the report dates by
    usage; the report rounds each model's cost to whole cents; and clients before 2.1 send no
    decision metric at all (member-days whose telemetry reports no decision are left out of
    the accept/reject comparison).

    Only like with like: the report's days are UTC days, so the sources are compared only when
    ANALYTICS_TIMEZONE is UTC. In another zone a telemetry day and a report day with the same
    date cover different hours, and the check compares nothing (it passes).
-#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_daily_activity'}}}) }}
with

telemetry as (

    select
        usage_date,
        member_key,
        lines_added,
        edit_accepts,
        edit_rejects,
        edit_accepts + edit_rejects as decisions,
        spend_usd
    from {{ ref('fct_daily_activity') }}
    where {{ in_window('usage_date') }}
        and source = 'otlp'

),

report as (

    select * from {{ ref('int_admin_api_member_days') }}
    where {{ in_window('usage_date') }}

),

compared as (

    select
        report.usage_date,
        report.member_key,
        telemetry.lines_added as otlp_lines_added, report.lines_added as api_lines_added,
        telemetry.edit_accepts as otlp_edit_accepts, report.edit_accepts as api_edit_accepts,
        telemetry.edit_rejects as otlp_edit_rejects, report.edit_rejects as api_edit_rejects,
        telemetry.decisions,
        telemetry.spend_usd as otlp_spend_usd, report.spend_usd as api_spend_usd
    from report
    inner join telemetry
        on report.usage_date = telemetry.usage_date and report.member_key = telemetry.member_key

)

select *
from compared
where {{ 'true' if analytics_timezone() == 'UTC' else 'false' }}
    and (abs(otlp_lines_added - api_lines_added) > greatest(2, 0.05 * greatest(otlp_lines_added, api_lines_added))
    or (decisions > 0 and (
        abs(otlp_edit_accepts - api_edit_accepts) > greatest(2, 0.05 * greatest(otlp_edit_accepts, api_edit_accepts))
        or abs(otlp_edit_rejects - api_edit_rejects) > greatest(2, 0.05 * greatest(otlp_edit_rejects, api_edit_rejects))))
    or abs(otlp_spend_usd - api_spend_usd) > greatest(0.05, 0.05 * greatest(otlp_spend_usd, api_spend_usd)))
