{#-
    One row per Claude Code usage report item of the Admin API: an actor's UTC day, as the API
    splits it (by terminal type, remote or local, ...). The actor becomes a member the way
    docs/metrics.md says: an OAuth user by lower-cased email, an API-key user by the key's name.
    Core metrics missing from an item count as 0.
-#}
with

source as (

    select * from {{ source('admin_api', 'usage') }}

),

final as (

    select
        {{ hash_key(['source_file', 'item_index']) }} as usage_item_id,
        usage_date,
        actor_type,
        case actor_type
            when 'user_actor' then 'oauth_user'
            when 'api_actor' then 'api_key'
        end as member_type,
        case actor_type
            when 'user_actor' then lower(email_address)
            when 'api_actor' then api_key_name
        end as member_identifier,
        lower(email_address) as email,
        api_key_name,
        organization_id,
        customer_type,
        subscription_type,
        terminal_type,
        is_remote,
        coalesce(num_sessions, 0) as num_sessions,
        coalesce(lines_added, 0) as lines_added,
        coalesce(lines_removed, 0) as lines_removed,
        coalesce(commits, 0) as commits,
        coalesce(pull_requests, 0) as pull_requests,
        source_file,
        item_index,
        loaded_at
    from source

)

select * from final
