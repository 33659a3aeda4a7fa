{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#- The Admin API's spend and tokens per UTC day, member and normalized model family. -#}
with

model_usage as (

    select * from {{ ref('stg_admin_api__model_usage') }}
    where {{ in_window('usage_date') }}

),

identities as (

    select * from {{ ref('int_member_identities') }}

),

resolved as (

    select
        model_usage.*,
        identities.member_key as resolved_member_key,
        {{ normalize_model('model_usage.model_raw') }} as model
    from model_usage
    left join identities
        on {{ actor_identity_key('model_usage.member_type', 'model_usage.member_identifier') }}
        = identities.identity_key

),

final as (

    select
        usage_date,
        resolved_member_key as member_key,
        model,
        sum(spend_usd) as spend_usd,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(cache_creation_tokens) as bigint) as cache_creation_tokens
    from resolved
    group by usage_date, resolved_member_key, model

)

select * from final
