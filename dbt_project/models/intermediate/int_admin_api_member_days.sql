{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The Admin API per UTC day and member: the report's items (split by terminal type, remote
    or local, ...) summed per member, with edit decisions of the tools the accept rate covers
    and spend and tokens over all models. num_sessions is the API's count of sessions started.
-#}
with

items as (

    select * from {{ ref('stg_admin_api__usage') }}
    where {{ in_window('usage_date') }}

),

tools as (

    select
        usage_item_id,
        sum(case when {{ is_edit_tool('tool_name') }} then accepted else 0 end) as edit_accepts,
        sum(case when {{ is_edit_tool('tool_name') }} then rejected else 0 end) as edit_rejects
    from {{ ref('stg_admin_api__tool_actions') }}
    where {{ in_window('usage_date') }}
    group by usage_item_id

),

models as (

    select
        usage_item_id,
        sum(spend_usd) as spend_usd,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_creation_tokens) as cache_creation_tokens
    from {{ ref('stg_admin_api__model_usage') }}
    where {{ in_window('usage_date') }}
    group by usage_item_id

),

identities as (

    select * from {{ ref('int_member_identities') }}

),

resolved as (

    select
        items.*,
        identities.member_key as resolved_member_key,
        identities.member_type as resolved_member_type,
        identities.member_identifier as resolved_member_identifier
    from items
    left join identities
        on {{ actor_identity_key('items.member_type', 'items.member_identifier') }}
        = identities.identity_key

),

final as (

    select
        resolved.usage_date,
        resolved.resolved_member_key as member_key,
        resolved.resolved_member_type as member_type,
        resolved.resolved_member_identifier as member_identifier,
        cast(sum(resolved.num_sessions) as bigint) as sessions,
        cast(sum(resolved.lines_added) as bigint) as lines_added,
        cast(sum(resolved.lines_removed) as bigint) as lines_removed,
        cast(sum(resolved.commits) as bigint) as commits,
        cast(sum(resolved.pull_requests) as bigint) as pull_requests,
        cast(sum(coalesce(tools.edit_accepts, 0)) as bigint) as edit_accepts,
        cast(sum(coalesce(tools.edit_rejects, 0)) as bigint) as edit_rejects,
        sum(coalesce(models.spend_usd, 0)) as spend_usd,
        cast(sum(coalesce(models.input_tokens, 0)) as bigint) as input_tokens,
        cast(sum(coalesce(models.output_tokens, 0)) as bigint) as output_tokens,
        cast(sum(coalesce(models.cache_read_tokens, 0)) as bigint) as cache_read_tokens,
        cast(sum(coalesce(models.cache_creation_tokens, 0)) as bigint) as cache_creation_tokens
    from resolved
    left join tools on resolved.usage_item_id = tools.usage_item_id
    left join models on resolved.usage_item_id = models.usage_item_id
    group by
        resolved.usage_date,
        resolved.resolved_member_key,
        resolved.resolved_member_type,
        resolved.resolved_member_identifier

)

select * from final
