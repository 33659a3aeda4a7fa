{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#- Start types reported by claude_code.session.count, one row per day, session and start type. -#}
select distinct
    usage_date,
    session_id,
    coalesce(start_type, 'unknown') as start_type
from {{ ref('int_metric_increments') }}
where {{ in_window('usage_date') }}
    and metric_name = 'claude_code.session.count'
    and session_id is not null
