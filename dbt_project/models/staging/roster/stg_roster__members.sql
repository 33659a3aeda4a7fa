{#-
    The roster (members.csv in the landing folder), one row per member: an email (an OAuth
    user) or, without one, an API key name (an API-key user), with team and role. Roles are
    lower-case with underscores (`Primary Owner` -> primary_owner). When two lines name the
    same member, the first line wins.
-#}
with

source as (

    select * from {{ source('roster', 'members') }}

),

members as (

    select
        case when email is not null then 'oauth_user' else 'api_key' end as member_type,
        coalesce(lower(email), api_key_name) as member_identifier,
        lower(email) as email,
        api_key_name,
        user_ids,
        team,
        lower(replace(trim(role), ' ', '_')) as role,
        source_line
    from source
    where email is not null or api_key_name is not null

),

ranked as (

    select
        *,
        row_number() over (partition by member_type, member_identifier order by source_line) as rank_in_roster
    from members

),

final as (

    select
        {{ member_key('member_type', 'member_identifier') }} as member_key,
        member_type,
        member_identifier,
        email,
        api_key_name,
        user_ids,
        team,
        role,
        source_line
    from ranked
    where rank_in_roster = 1

)

select * from final
