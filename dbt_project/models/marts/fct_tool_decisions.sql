{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    Code-editing tool permission decisions from claude_code.code_edit_tool.decision, one row per
    day, member, session, tool, decision, decision source and language. Clients before 2.1 send
    no decision metric, and 2.1.197 sends none for some rejects: this covers the decisions
    reported.
-#}
with

decisions as (

    select
        usage_date,
        member_key,
        coalesce(session_id, '(none)') as session_id,
        coalesce(tool_name, 'unknown') as tool_name,
        decision,
        coalesce(decision_source, 'unknown') as decision_source,
        coalesce(language, 'unknown') as language,
        increment
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }}
        and metric_name = 'claude_code.code_edit_tool.decision'

),

final as (

    select
        usage_date,
        member_key,
        session_id,
        tool_name,
        decision,
        decision_source,
        language,
        cast(round(sum(increment)) as bigint) as decision_count,
        decision = 'accept' as is_accept,
        {{ is_edit_tool('tool_name') }} as is_edit_tool
    from decisions
    group by usage_date, member_key, session_id, tool_name, decision, decision_source, language
    having round(sum(increment)) <> 0

)

select * from final
