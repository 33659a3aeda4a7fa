{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The sessions of each member-day, the one home of the `sessions` metric (docs/metrics.md):
    fct_daily_activity, fct_org_daily, fct_org_monthly and fct_member_monthly all count
    distinct session_key here, at their own grain. One row per usage_date, member_key and
    session_key.

    A member-day's sessions come from one source, as all its numbers do: a member-day with any
    OpenTelemetry activity counts its distinct session ids (agents_view-only sessions left out;
    a session crossing midnight is on both days; one session id under two members counts once
    for the organization); a member-day seen only in the Admin API report counts the sessions
    the report says were started, one row each with a key of their own (the report has no
    session ids, so they never merge with another day's or member's).
-#}
with

telemetry as (

    select * from {{ ref('int_session_activity') }}
    where {{ in_window('usage_date') }}

),

telemetry_member_days as (

    select distinct usage_date, member_key
    from telemetry

),

telemetry_sessions as (

    select distinct
        usage_date,
        member_key,
        member_type,
        member_identifier,
        session_id as session_key,
        'otlp' as source
    from telemetry
    where session_id is not null
        and not is_agents_view_session

),

report_only_days as (

    select
        api.usage_date,
        api.member_key,
        api.member_type,
        api.member_identifier,
        api.sessions
    from {{ ref('int_admin_api_member_days') }} as api
    left join telemetry_member_days
        on api.usage_date = telemetry_member_days.usage_date
        and api.member_key = telemetry_member_days.member_key
    where {{ in_window('api.usage_date') }}
        and telemetry_member_days.member_key is null
        and api.sessions > 0

),

report_sessions as (

    select
        report_only_days.usage_date,
        report_only_days.member_key,
        report_only_days.member_type,
        report_only_days.member_identifier,
        concat(
            'admin_api:', report_only_days.member_key, ':',
            cast(report_only_days.usage_date as {{ dbt.type_string() }}), ':',
            cast(numbered.session_number as {{ dbt.type_string() }})
        ) as session_key,
        'admin_api' as source
    from {{ series_to_rows('report_only_days', 'report_only_days.sessions', 'numbered', 'session_number') }}

),

final as (

    select * from telemetry_sessions
    union all
    select * from report_sessions

)

select * from final
