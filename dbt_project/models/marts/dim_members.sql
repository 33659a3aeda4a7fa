{{ config(materialized='table') }}
{#-
    One row per member: everyone seen in telemetry or in the Admin API report, plus roster
    members not seen yet
    (first_seen_date NULL). display_name is the email for OAuth users, the API key name for
    API-key users, `user <first 8 hex>` for an anonymous user.id, and `(unattributed)` for the
    bucket of records that carry no identity. role and team come from the roster;
    can_view_analytics is true for Primary Owner, Owner, Billing, Admin and Developer only, and
    false for every other or unknown role.

    team is the roster's team; for a member the roster gives none, the team.id resource
    attribute of the member's latest record carrying one (int_member_team_days); else
    `(no team)`. team_source says which. department and cost_center come from the same record.

    With pseudonyms on (ANALYTICS_PSEUDONYMIZE=1, stg_privacy__member_pseudonyms has rows),
    display_name is the member's pseudonym `member <8 hex>` and email, api_key_name and
    user_id are NULL.
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

latest_team_attributes as (

    select member_key, team_id, department, cost_center
    from (
        select
            *,
            row_number() over (
                partition by member_key order by usage_date desc, last_seen_at desc
            ) as rank_from_latest
        from {{ ref('int_member_team_days') }}
    ) as ranked
    where rank_from_latest = 1

),

pseudonyms as (

    select * from {{ ref('stg_privacy__member_pseudonyms') }}

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
        roster_by_member.team as roster_team,
        roster_by_member.role,
        seen.first_seen_date,
        seen.last_seen_date
    from seen
    full outer join roster_by_member on seen.member_key = roster_by_member.member_key

),

final as (

    select
        combined.member_key,
        coalesce(
            pseudonyms.pseudonym, {{ display_name('combined.member_type', 'combined.member_identifier') }}
        ) as display_name,
        combined.member_type,
        case
            when pseudonyms.pseudonym is not null then null
            when combined.member_type = 'oauth_user' then combined.member_identifier
            else combined.roster_email
        end as email,
        case
            when pseudonyms.pseudonym is not null then null
            when combined.member_type = 'api_key' then combined.member_identifier
            else combined.roster_api_key_name
        end as api_key_name,
        case
            when combined.member_type = 'unidentified' and pseudonyms.pseudonym is null
                then combined.member_identifier
        end as user_id,
        coalesce(combined.roster_team, latest_team_attributes.team_id, '(no team)') as team,
        case
            when combined.roster_team is not null then 'roster'
            when latest_team_attributes.team_id is not null then 'team.id'
            else 'none'
        end as team_source,
        latest_team_attributes.department,
        latest_team_attributes.cost_center,
        combined.role,
        coalesce(combined.role in ('primary_owner', 'owner', 'billing', 'admin', 'developer'), false)
            as can_view_analytics,
        combined.first_seen_date,
        combined.last_seen_date
    from combined
    left join latest_team_attributes on combined.member_key = latest_team_attributes.member_key
    left join pseudonyms on combined.member_identifier = pseudonyms.member_identifier

)

select * from final
