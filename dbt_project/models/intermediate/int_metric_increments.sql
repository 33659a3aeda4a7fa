{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    One row per distinct metric data point in the window, with its increment and its member.
    DELTA (1) and UNSPECIFIED (0) points are increments already. CUMULATIVE (2) points are
    differenced against the previous point of the same series (metric, attribute sets,
    startTimeUnixNano), looking back before the window (from the earliest start time of the
    window's series, macros/window.sql), so a day processed alone gives the
    same increments as a range containing it. A series' first point counts its whole value; a
    drop in a running total (a reset without a new start time) counts the new value.
-#}
-- depends_on: {{ source('otlp', 'metric_points') }} (the lookback start is asked of it)
with

window_points as (

    select * from {{ ref('stg_otlp__metric_points') }}
    where {{ in_local_window('usage_date', 'utc_date') }}

),

cumulative_series as (

    select distinct series_id
    from window_points
    where aggregation_temporality = 2

),

cumulative_history as (

    select points.*
    from {{ ref('stg_otlp__metric_points') }} as points
    inner join cumulative_series on points.series_id = cumulative_series.series_id
    where points.aggregation_temporality = 2
        and points.utc_date >= {{ cumulative_lookback_start() }}
        and points.usage_date < {{ window_end() }}
        and points.utc_date < {{ dateadd_days(window_end(), 1) }}

),

cumulative_differenced as (

    select
        *,
        value - lag(value) over (partition by series_id order by time_unix_nano, point_id) as raw_delta
    from cumulative_history

),

cumulative_increments as (

    select
        point_id,
        case when raw_delta is null or raw_delta < 0 then value else raw_delta end as increment
    from cumulative_differenced
    where {{ in_window('usage_date') }}

),

identities as (

    select * from {{ ref('int_member_identities') }}

),

with_increments as (

    select
        window_points.*,
        case
            when window_points.aggregation_temporality = 2 then cumulative_increments.increment
            else window_points.value
        end as increment
    from window_points
    left join cumulative_increments on window_points.point_id = cumulative_increments.point_id

),

final as (

    select
        points.usage_date,
        points.exported_at,
        points.point_id,
        points.metric_name,
        points.aggregation_temporality,
        points.increment,
        points.session_id,
        identities.member_key,
        identities.member_type,
        identities.member_identifier,
        points.user_id,
        points.user_email,
        points.api_key_name,
        points.type,
        points.model_raw,
        {{ normalize_model('points.model_raw') }} as model,
        {{ decision_outcome('points.decision', 'points.decision_source') }} as decision,
        points.decision_source,
        points.tool_name,
        points.language,
        points.start_type,
        points.query_source,
        points.client_version,
        points.team_id,
        points.department,
        points.cost_center
    from with_increments as points
    left join identities
        on {{ identity_key('points.user_email', 'points.user_id', 'points.api_key_name') }}
        = identities.identity_key

)

select * from final
