{#-
    One row per usage report item and model: tokens and the estimated cost of the item's
    `model_breakdown`. The API gives the cost in minor currency units (cents for USD, an integer
    in the 2025 schema, a number in the 2026 reference); spend_usd is cents / 100. A missing
    currency is read as USD (the docs say it always is); another currency keeps its amount but
    gets no spend_usd. A model listed twice in one item (not seen, not excluded by the schema)
    is summed so the grain holds.
-#}
with

model_usage as (

    select * from {{ source('admin_api', 'model_usage') }}

),

usage_items as (

    select * from {{ ref('stg_admin_api__usage') }}

),

per_model as (

    select
        source_file,
        item_index,
        usage_date,
        coalesce(model, 'unknown') as model_raw,
        coalesce(estimated_cost_currency, 'USD') as currency,
        cast(sum(coalesce(input_tokens, 0)) as bigint) as input_tokens,
        cast(sum(coalesce(output_tokens, 0)) as bigint) as output_tokens,
        cast(sum(coalesce(cache_read_tokens, 0)) as bigint) as cache_read_tokens,
        cast(sum(coalesce(cache_creation_tokens, 0)) as bigint) as cache_creation_tokens,
        cast(sum(coalesce(estimated_cost_amount, 0)) as double) as estimated_cost_cents
    from model_usage
    group by
        source_file,
        item_index,
        usage_date,
        coalesce(model, 'unknown'),
        coalesce(estimated_cost_currency, 'USD')

),

final as (

    select
        usage_items.usage_item_id,
        per_model.usage_date,
        usage_items.member_type,
        usage_items.member_identifier,
        per_model.model_raw,
        per_model.input_tokens,
        per_model.output_tokens,
        per_model.cache_read_tokens,
        per_model.cache_creation_tokens,
        per_model.estimated_cost_cents,
        case
            when per_model.currency = 'USD' then per_model.estimated_cost_cents / 100.0
        end as spend_usd,
        per_model.currency,
        per_model.source_file,
        per_model.item_index
    from per_model
    inner join usage_items
        on per_model.source_file = usage_items.source_file
        and per_model.item_index = usage_items.item_index

)

select * from final
