{#-
    Rejected suggestions never count as accepted lines: a session-day whose only code-edit
    decisions are rejects has no lines added.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_tool_decisions'}}}) }}
with

reject_only_session_days as (

    select usage_date, member_key, session_id
    from {{ ref('fct_tool_decisions') }}
    where {{ in_window('usage_date') }}
    group by usage_date, member_key, session_id
    having sum(case when is_accept then decision_count else 0 end) = 0
        and sum(case when not is_accept then decision_count else 0 end) > 0

),

lines as (

    select usage_date, member_key, session_id, sum(increment) as lines_added
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }}
        and metric_name = 'claude_code.lines_of_code.count' and type = 'added'
    group by usage_date, member_key, session_id

)

select reject_only_session_days.*, lines.lines_added
from reject_only_session_days
inner join lines
    on reject_only_session_days.usage_date = lines.usage_date
    and reject_only_session_days.member_key = lines.member_key
    and reject_only_session_days.session_id = lines.session_id
where lines.lines_added <> 0
