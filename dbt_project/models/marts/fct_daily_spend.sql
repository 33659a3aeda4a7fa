{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    Spend and tokens per UTC day, member and model (the normalized family key; `unknown` when a
    point names none). As in fct_daily_activity, a member-day with any OpenTelemetry data comes
    from it and a member-day seen only in the Admin API report from the report (its
    estimated_cost in cents / 100; no API request counts). spend_usd is claude_code.cost.usage (an estimate at list prices, not the
    bill); api_requests counts claude_code.api_request events of that model.
-#}
with

increments as (

    {#- each increment named after the measure it adds to -#}
    select
        usage_date,
        member_key,
        model,
        increment,
        case
            when metric_name = 'claude_code.cost.usage' then 'spend_usd'
            when type = 'input' then 'input_tokens'
            when type = 'output' then 'output_tokens'
            when type = 'cacheRead' then 'cache_read_tokens'
            when type = 'cacheCreation' then 'cache_creation_tokens'
        end as measure
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }}
        and metric_name in ('claude_code.cost.usage', 'claude_code.token.usage')

),

metrics as (

    select
        usage_date,
        member_key,
        model,
        sum(case when measure = 'spend_usd' then increment else 0 end) as spend_usd,
        sum(case when measure = 'input_tokens' then increment else 0 end) as input_tokens,
        sum(case when measure = 'output_tokens' then increment else 0 end) as output_tokens,
        sum(case when measure = 'cache_read_tokens' then increment else 0 end) as cache_read_tokens,
        sum(case when measure = 'cache_creation_tokens' then increment else 0 end) as cache_creation_tokens
    from increments
    group by usage_date, member_key, model

),

requests as (

    select usage_date, member_key, model, count(*) as api_requests
    from {{ ref('int_events') }}
    where {{ in_window('usage_date') }}
        and event_name = 'api_request'
    group by usage_date, member_key, model

),

joined as (

    select
        coalesce(metrics.usage_date, requests.usage_date) as usage_date,
        coalesce(metrics.member_key, requests.member_key) as member_key,
        coalesce(metrics.model, requests.model) as model,
        {{ usd('coalesce(metrics.spend_usd, 0)') }} as spend_usd,
        cast(round(coalesce(metrics.input_tokens, 0)) as bigint) as input_tokens,
        cast(round(coalesce(metrics.output_tokens, 0)) as bigint) as output_tokens,
        cast(round(coalesce(metrics.cache_read_tokens, 0)) as bigint) as cache_read_tokens,
        cast(round(coalesce(metrics.cache_creation_tokens, 0)) as bigint) as cache_creation_tokens,
        cast(coalesce(requests.api_requests, 0) as bigint) as api_requests
    from metrics
    full outer join requests
        on metrics.usage_date = requests.usage_date
        and metrics.member_key = requests.member_key
        and metrics.model = requests.model

),

otlp as (

    select *, 'otlp' as source from joined
    where
        spend_usd <> 0 or input_tokens <> 0 or output_tokens <> 0 or cache_read_tokens <> 0
        or cache_creation_tokens <> 0 or api_requests <> 0

),

otlp_member_days as (

    select distinct usage_date, member_key
    from {{ ref('int_session_activity') }}
    where {{ in_window('usage_date') }}

),

admin_api_only as (

    select
        api.usage_date,
        api.member_key,
        api.model,
        {{ usd('api.spend_usd') }} as spend_usd,
        api.input_tokens,
        api.output_tokens,
        api.cache_read_tokens,
        api.cache_creation_tokens,
        cast(0 as bigint) as api_requests,
        'admin_api' as source
    from {{ ref('int_admin_api_model_days') }} as api
    left join otlp_member_days
        on api.usage_date = otlp_member_days.usage_date
        and api.member_key = otlp_member_days.member_key
    where {{ in_window('api.usage_date') }}
        and otlp_member_days.member_key is null
        and (
            api.spend_usd <> 0 or api.input_tokens <> 0 or api.output_tokens <> 0
            or api.cache_read_tokens <> 0 or api.cache_creation_tokens <> 0
        )

),

final as (

    select * from otlp
    union all
    select * from admin_api_only

)

select * from final
