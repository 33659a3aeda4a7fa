{{ config(materialized='table') }}
{#-
    One row per member: everyone seen in telemetry or in the Admin API report, plus roster
    members not seen yet
    (first_seen_date NULL). display_name is the email for OAuth users, the API key name for
    API-key users, `user <first 8 hex>` for an anonymous user.id, and `(unattributed)` for the
    bucket of records that carry no identity. role and team come from the roster;
    can_view_analytics is true for Primary Owner, Owner, Billing, Admin and Developer only, and
    false for every other or unknown role.
-#}
with

seen_days as (

    select member_key, member_type, member_identifier, usage_date
    from {{ ref('int_session_activity') }}
    union all
    select member_key, member_type, member_identifier, usage_date
    from {{ ref('int_admin_api_member_days') }}

),

seen as (

    select
        member_key,
        member_type,
        member_identifier,
        min(usage_date) as first_seen_date,
        max(usage_date) as last_seen_date
    from seen_days
    group by member_key, member_type, member_identifier

),

roster_by_member as (

    select member_key, member_type, member_identifier, email, api_key_name, team, role
    from {{ ref('stg_roster__members') }}

),

combined as (

    select
        coalesce(seen.member_key, roster_by_member.member_key) as member_key,
        coalesce(seen.member_type, roster_by_member.member_type) as member_type,
        coalesce(seen.member_identifier, roster_by_member.member_identifier) as member_identifier,
        roster_by_member.email as roster_email,
        roster_by_member.api_key_name as roster_api_key_name,
        roster_by_member.team,
        roster_by_member.role,
        seen.first_seen_date,
        seen.last_seen_date
    from seen
    full outer join roster_by_member on seen.member_key = roster_by_member.member_key

),

final as (

    select
        member_key,
        {{ display_name('member_type', 'member_identifier') }} as display_name,
        member_type,
        case when member_type = 'oauth_user' then member_identifier else roster_email end as email,
        case when member_type = 'api_key' then member_identifier else roster_api_key_name end
            as api_key_name,
        case when member_type = 'unidentified' then member_identifier end as user_id,
        team,
        role,
        coalesce(role in ('primary_owner', 'owner', 'billing', 'admin', 'developer'), false)
            as can_view_analytics,
        first_seen_date,
        last_seen_date
    from combined

)

select * from final
