{#-
    Member identity of an OTLP record, in the order metrics.md gives:
      1. user.email present: that email (lower-cased), an oauth_user;
      2. else the roster maps the user.id, or the api_key.name resource attribute, to a member;
         an api_key.name the roster does not know is an api_key member of that name;
      3. else the anonymous user.id, an unidentified member;
      4. a record with none of these is kept and counted in organization totals under the
         single 'unattributed' member, which is never counted as an active or spending user.
    member_key is md5(member_type:member_identifier).
-#}

{% macro member_identity_joins(record) -%}
    left join {{ ref('stg_roster__identities') }} as roster_by_user_id
        on roster_by_user_id.match_kind = 'user_id'
        and roster_by_user_id.match_value = {{ record }}.user_id
    left join {{ ref('stg_roster__identities') }} as roster_by_key
        on roster_by_key.match_kind = 'api_key_name'
        and roster_by_key.match_value = {{ record }}.api_key_name
{%- endmacro %}

{% macro member_type_expr(record) -%}
    case
        when {{ record }}.user_email is not null then 'oauth_user'
        when roster_by_user_id.member_type is not null then roster_by_user_id.member_type
        when roster_by_key.member_type is not null then roster_by_key.member_type
        when {{ record }}.api_key_name is not null then 'api_key'
        when {{ record }}.user_id is not null then 'unidentified'
        else 'unattributed'
    end
{%- endmacro %}

{% macro member_identifier_expr(record) -%}
    case
        when {{ record }}.user_email is not null then {{ record }}.user_email
        when roster_by_user_id.member_identifier is not null then roster_by_user_id.member_identifier
        when roster_by_key.member_identifier is not null then roster_by_key.member_identifier
        when {{ record }}.api_key_name is not null then {{ record }}.api_key_name
        when {{ record }}.user_id is not null then {{ record }}.user_id
        else '(unattributed)'
    end
{%- endmacro %}

{% macro member_key(member_type, member_identifier) -%}
    md5(concat({{ member_type }}, ':', {{ member_identifier }}))
{%- endmacro %}

{% macro unattributed_member_key() -%}
    md5('unattributed:(unattributed)')
{%- endmacro %}

{#- How a member is shown: email for OAuth users, key name for API-key users (metrics.md). -#}
{% macro display_name(member_type, member_identifier) -%}
    case
        when {{ member_type }} = 'unidentified' then concat('user ', substring({{ member_identifier }}, 1, 8))
        else {{ member_identifier }}
    end
{%- endmacro %}

{#- Model ids to one family key: strip [1m], cloud prefixes and suffixes, and date stamps. -#}
{% macro normalize_model(model) -%}
    coalesce(
        nullif(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        {{ strip_suffix('lower(trim(' ~ model ~ '))', '[1m]') }},
                        '^([a-z]+[.])?anthropic[.]', ''),
                    '(-v[0-9]+(:[0-9]+)?|@[0-9]{8})$', ''),
                '-[0-9]{8}$', ''),
            ''),
        'unknown')
{%- endmacro %}

{#-
    accept / reject of a code_edit_tool.decision point: its `decision` attribute, or where a
    client left it out, what its `source` implies (config, user_permanent and user_temporary
    are accepts; user_abort and user_reject are rejects; a hook can go either way).
-#}
{% macro decision_outcome(decision, source) -%}
    case
        when lower({{ decision }}) in ('accept', 'reject') then lower({{ decision }})
        when {{ decision }} is null and {{ source }} in ('config', 'user_permanent', 'user_temporary') then 'accept'
        when {{ decision }} is null and {{ source }} in ('user_abort', 'user_reject') then 'reject'
        else coalesce(lower({{ decision }}), 'unknown')
    end
{%- endmacro %}

{% macro is_edit_tool(tool_name) -%}
    {{ tool_name }} in ({% for tool in var('edit_tools') %}'{{ tool }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#-
    Member of an Admin API actor: an OAuth user by lower-cased email; an API key by its name,
    unless the roster maps that key name to a member (an OAuth user's machine on an API key).
    Expects `roster_by_key` joined with api_key_name_join(...).
-#}
{% macro api_key_name_join(record) -%}
    left join {{ ref('stg_roster__identities') }} as roster_by_key
        on roster_by_key.match_kind = 'api_key_name'
        and {{ record }}.member_type = 'api_key'
        and roster_by_key.match_value = {{ record }}.member_identifier
{%- endmacro %}

{#-
    Teams with fewer active members than ANALYTICS_MIN_GROUP_SIZE (default 5) in a row's
    period are folded into one `(small teams)` row of the team marts, so nobody is singled out
    through a team total.
-#}
{% macro min_group_size() -%}
    {{ return(env_var('ANALYTICS_MIN_GROUP_SIZE', '5') | int) }}
{%- endmacro %}

{#- The member a session is counted for when records of one session name several members:
    the first identified member by member_key (so each session counts in one team). -#}
{% macro session_owner_key() -%}
    coalesce(
        min(case when member_key <> {{ unattributed_member_key() }} then member_key end),
        {{ unattributed_member_key() }}
    )
{%- endmacro %}
