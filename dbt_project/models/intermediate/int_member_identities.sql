{{ config(materialized='table') }}
{#-
    Every identity seen, mapped to its member (docs/metrics.md, "Members"). An identity is the
    tuple a record carries: its user.email, user.id and api_key.name (an OTLP point or event),
    an Admin API actor (an email, or an API key name), or a roster row's email, API key name or
    user id. The rules, in order:
      1. user.email present: that email (lower-cased), an oauth_user;
      2. else the roster maps the user.id, then the api_key.name, to its member;
      3. else an api_key.name is an api_key member of that name;
      4. else the anonymous user.id, an unidentified member;
      5. a record with none of these is the single `(unattributed)` member, counted in
         organization totals and never as an active or spending user.
    The intermediate models join this model by the identity tuple (identity_matches) or its
    identity_key (macros/members.sql), so the rules live here only. Rebuilt whole on every
    run: one row per distinct tuple (a few dozen on the sample, from a pass over the raw
    tables' three identity columns).
-#}
with

otlp_identities as (

    select * from {{ ref('stg_otlp__identities') }}

),

admin_api_actor_identities as (

    select distinct
        case when member_type = 'oauth_user' then member_identifier end as user_email,
        cast(null as {{ dbt.type_string() }}) as user_id,
        case when member_type = 'api_key' then member_identifier end as api_key_name
    from {{ ref('stg_admin_api__usage') }}

),

roster_identities as (

    select * from {{ ref('stg_roster__identities') }}

),

roster_members as (

    select * from {{ ref('stg_roster__members') }}

),

roster_row_identities as (

    select email as user_email, cast(null as {{ dbt.type_string() }}) as user_id, api_key_name
    from roster_members
    union
    select
        cast(null as {{ dbt.type_string() }}) as user_email,
        match_value as user_id,
        cast(null as {{ dbt.type_string() }}) as api_key_name
    from roster_identities
    where match_kind = 'user_id'
    union
    select
        cast(null as {{ dbt.type_string() }}) as user_email,
        cast(null as {{ dbt.type_string() }}) as user_id,
        api_key_name
    from roster_members
    where api_key_name is not null

),

identities as (

    select * from otlp_identities
    union
    select * from admin_api_actor_identities
    union
    select * from roster_row_identities

),

matched as (

    select
        identities.user_email,
        identities.user_id,
        identities.api_key_name,
        case
            when identities.user_email is not null then 'email'
            when by_user_id.member_type is not null then 'roster_user_id'
            when by_key.member_type is not null then 'roster_api_key_name'
            when identities.api_key_name is not null then 'api_key_name'
            when identities.user_id is not null then 'user_id'
            else 'none'
        end as matched_by,
        by_user_id.member_type as user_id_member_type,
        by_user_id.member_identifier as user_id_member_identifier,
        by_key.member_type as key_member_type,
        by_key.member_identifier as key_member_identifier
    from identities
    left join roster_identities as by_user_id
        on by_user_id.match_kind = 'user_id'
        and identities.user_id = by_user_id.match_value
    left join roster_identities as by_key
        on by_key.match_kind = 'api_key_name'
        and identities.api_key_name = by_key.match_value

),

resolved as (

    select
        user_email,
        user_id,
        api_key_name,
        matched_by,
        case matched_by
            when 'email' then 'oauth_user'
            when 'roster_user_id' then user_id_member_type
            when 'roster_api_key_name' then key_member_type
            when 'api_key_name' then 'api_key'
            when 'user_id' then 'unidentified'
            else 'unattributed'
        end as member_type,
        case matched_by
            when 'email' then user_email
            when 'roster_user_id' then user_id_member_identifier
            when 'roster_api_key_name' then key_member_identifier
            when 'api_key_name' then api_key_name
            when 'user_id' then user_id
            else '(unattributed)'
        end as member_identifier
    from matched

),

final as (

    select
        {{ identity_key('user_email', 'user_id', 'api_key_name') }} as identity_key,
        user_email,
        user_id,
        api_key_name,
        matched_by,
        member_type,
        member_identifier,
        {{ member_key('member_type', 'member_identifier') }} as member_key
    from resolved

)

select * from final
