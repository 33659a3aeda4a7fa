{#- Organization daily totals equal the sum of the member rows of that day. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_org_daily'}}}) }}
with

members as (

    select
        usage_date,
        sum(case when is_active then 1 else 0 end) as daily_active_users,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects,
        sum(prompts) as prompts
    from {{ ref('fct_daily_activity') }}
    where {{ in_window('usage_date') }}
    group by usage_date

),

spend as (

    select usage_date, sum(spend_usd) as spend_usd, sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens, sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_creation_tokens) as cache_creation_tokens
    from {{ ref('fct_daily_spend') }}
    where {{ in_window('usage_date') }}
    group by usage_date

)

select org.usage_date
from {{ ref('fct_org_daily') }} as org
left join members on org.usage_date = members.usage_date
left join spend on org.usage_date = spend.usage_date
where {{ in_window('org.usage_date') }} and (
    org.daily_active_users <> coalesce(members.daily_active_users, 0)
    or org.lines_added <> coalesce(members.lines_added, 0)
    or org.lines_removed <> coalesce(members.lines_removed, 0)
    or org.edit_accepts <> coalesce(members.edit_accepts, 0)
    or org.edit_rejects <> coalesce(members.edit_rejects, 0)
    or org.prompts <> coalesce(members.prompts, 0)
    or abs(org.spend_usd - coalesce(spend.spend_usd, 0)) > 1e-6
    or org.input_tokens <> coalesce(spend.input_tokens, 0)
    or org.output_tokens <> coalesce(spend.output_tokens, 0)
    or org.cache_read_tokens <> coalesce(spend.cache_read_tokens, 0)
    or org.cache_creation_tokens <> coalesce(spend.cache_creation_tokens, 0)
)
