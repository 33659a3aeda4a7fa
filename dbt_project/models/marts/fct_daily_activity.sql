{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    One row per UTC day and member with any telemetry that day. Counters are the sums of
    their increments, rounded at the boundary (Claude Code sends counters as doubles).

    Two sources, never added together: a member-day with any OpenTelemetry data comes from it
    (source = 'otlp'); a member-day seen only in the Admin API report comes from the report
    (source = 'admin_api'). OpenTelemetry wins because it is the finer record: sessions by id,
    decisions by source and language, spend by model as it happened, every provider (the
    Admin API leaves out Bedrock, Vertex and Foundry). The report's sessions are the sessions it
    says were started that day; it has no prompts, API requests or active time (0).
-#}
with

members as (

    select
        usage_date,
        member_key,
        member_type,
        member_identifier,
        max(case when not is_agents_view_session and member_type <> 'unattributed' then 1 else 0 end) = 1
            as is_active
    from {{ ref('int_session_activity') }}
    where {{ in_window('usage_date') }}
    group by usage_date, member_key, member_type, member_identifier

),

sessions as (

    select usage_date, member_key, count(distinct session_key) as sessions
    from {{ ref('int_member_day_sessions') }}
    where {{ in_window('usage_date') }}
    group by usage_date, member_key

),

increments as (

    {#- each increment named after the measure it adds to (a point adds to one at most) -#}
    select
        usage_date,
        member_key,
        increment,
        case
            when metric_name = 'claude_code.session.count'
                and coalesce(start_type, '') <> 'agents_view' then 'session_starts'
            when metric_name = 'claude_code.lines_of_code.count' and type = 'added' then 'lines_added'
            when metric_name = 'claude_code.lines_of_code.count' and type = 'removed' then 'lines_removed'
            when metric_name = 'claude_code.code_edit_tool.decision' and decision = 'accept'
                and {{ is_edit_tool('tool_name') }} then 'edit_accepts'
            when metric_name = 'claude_code.code_edit_tool.decision' and decision = 'reject'
                and {{ is_edit_tool('tool_name') }} then 'edit_rejects'
            when metric_name = 'claude_code.commit.count' then 'commits'
            when metric_name = 'claude_code.pull_request.count' then 'pull_requests'
            when metric_name = 'claude_code.active_time.total' and type = 'user' then 'active_time_user_s'
            when metric_name = 'claude_code.active_time.total' then 'active_time_cli_s'
            when metric_name = 'claude_code.cost.usage' then 'spend_usd'
        end as measure
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }}

),

metrics as (

    select
        usage_date,
        member_key,
        sum(case when measure = 'session_starts' then increment else 0 end) as session_starts,
        sum(case when measure = 'lines_added' then increment else 0 end) as lines_added,
        sum(case when measure = 'lines_removed' then increment else 0 end) as lines_removed,
        sum(case when measure = 'edit_accepts' then increment else 0 end) as edit_accepts,
        sum(case when measure = 'edit_rejects' then increment else 0 end) as edit_rejects,
        sum(case when measure = 'commits' then increment else 0 end) as commits,
        sum(case when measure = 'pull_requests' then increment else 0 end) as pull_requests,
        sum(case when measure = 'active_time_user_s' then increment else 0 end) as active_time_user_s,
        sum(case when measure = 'active_time_cli_s' then increment else 0 end) as active_time_cli_s,
        sum(case when measure = 'spend_usd' then increment else 0 end) as spend_usd
    from increments
    group by usage_date, member_key

),

events as (

    select
        usage_date,
        member_key,
        sum(case when event_name = 'user_prompt' then 1 else 0 end) as prompts,
        sum(case when event_name = 'api_request' then 1 else 0 end) as api_requests,
        sum(case when event_name = 'api_error' then 1 else 0 end) as api_errors
    from {{ ref('int_events') }}
    where {{ in_window('usage_date') }}
    group by usage_date, member_key

),

otlp as (

    select
        members.usage_date,
        members.member_key,
        members.member_type,
        members.is_active,
        cast(coalesce(sessions.sessions, 0) as bigint) as sessions,
        cast(round(coalesce(metrics.session_starts, 0)) as bigint) as session_starts,
        cast(coalesce(events.prompts, 0) as bigint) as prompts,
        cast(coalesce(events.api_requests, 0) as bigint) as api_requests,
        cast(coalesce(events.api_errors, 0) as bigint) as api_errors,
        cast(round(coalesce(metrics.lines_added, 0)) as bigint) as lines_added,
        cast(round(coalesce(metrics.lines_removed, 0)) as bigint) as lines_removed,
        cast(round(coalesce(metrics.edit_accepts, 0)) as bigint) as edit_accepts,
        cast(round(coalesce(metrics.edit_rejects, 0)) as bigint) as edit_rejects,
        {{ accept_rate('round(coalesce(metrics.edit_accepts, 0))', 'round(coalesce(metrics.edit_rejects, 0))') }}
            as accept_rate,
        cast(round(coalesce(metrics.commits, 0)) as bigint) as commits,
        cast(round(coalesce(metrics.pull_requests, 0)) as bigint) as pull_requests,
        coalesce(metrics.active_time_user_s, 0) as active_time_user_s,
        coalesce(metrics.active_time_cli_s, 0) as active_time_cli_s,
        {{ usd('coalesce(metrics.spend_usd, 0)') }} as spend_usd,
        'otlp' as source
    from members
    left join metrics
        on members.usage_date = metrics.usage_date and members.member_key = metrics.member_key
    left join events
        on members.usage_date = events.usage_date and members.member_key = events.member_key
    left join sessions
        on members.usage_date = sessions.usage_date and members.member_key = sessions.member_key

),

admin_api_only as (

    select
        api.usage_date,
        api.member_key,
        api.member_type,
        true as is_active,
        cast(coalesce(sessions.sessions, 0) as bigint) as sessions,
        api.sessions as session_starts,
        cast(0 as bigint) as prompts,
        cast(0 as bigint) as api_requests,
        cast(0 as bigint) as api_errors,
        api.lines_added,
        api.lines_removed,
        api.edit_accepts,
        api.edit_rejects,
        {{ accept_rate('api.edit_accepts', 'api.edit_rejects') }} as accept_rate,
        api.commits,
        api.pull_requests,
        cast(0 as double) as active_time_user_s,
        cast(0 as double) as active_time_cli_s,
        {{ usd('api.spend_usd') }} as spend_usd,
        'admin_api' as source
    from {{ ref('int_admin_api_member_days') }} as api
    left join otlp
        on api.usage_date = otlp.usage_date and api.member_key = otlp.member_key
    left join sessions
        on api.usage_date = sessions.usage_date and api.member_key = sessions.member_key
    where {{ in_window('api.usage_date') }}
        and otlp.member_key is null

),

final as (

    select * from otlp
    union all
    select * from admin_api_only

)

select * from final
