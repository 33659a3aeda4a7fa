{#-
    The roster as identity mappings: one row per identifier (a user.id or an API key name)
    that the roster maps to a member. A member row names an email (an OAuth user) or an
    API key name (an API-key user). When two roster lines claim the same identifier, the first
    line wins, so the mapping never fans out.
-#}
with

members as (

    select * from {{ ref('stg_roster__members') }}

),

user_id_mappings as (

    select
        'user_id' as match_kind,
        trim(user_id.value) as match_value,
        members.*
    from {{ split_to_rows('members', "coalesce(members.user_ids, '')", ';', 'user_id', 'value') }}
    where trim(user_id.value) <> ''

),

key_mappings as (

    select
        'api_key_name' as match_kind,
        members.api_key_name as match_value,
        members.*
    from members
    where members.api_key_name is not null

),

all_mappings as (

    select * from user_id_mappings
    union all
    select * from key_mappings

),

ranked as (

    select
        *,
        row_number() over (partition by match_kind, match_value order by source_line) as rank_in_roster
    from all_mappings

),

final as (

    select
        match_kind,
        match_value,
        member_type,
        member_identifier,
        email,
        api_key_name,
        team,
        role,
        source_line
    from ranked
    where rank_in_roster = 1

)

select * from final
