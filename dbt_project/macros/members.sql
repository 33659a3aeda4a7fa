{#-
    Members: how an identity (the user.email, user.id and api_key.name of a record, or an Admin
    API actor) becomes a member is the model int_member_identities (docs/metrics.md, "Members");
    these macros are the keys it and the models joining it share.
-#}

{#-
    The key of an identity tuple, as int_member_identities computes it and the Admin API models
    join on it (the OTLP models join on the tuple itself: identity_matches).
    A missing part and an empty one hash differently, so two tuples never share a key.
-#}
{% macro identity_key(user_email, user_id, api_key_name) -%}
    md5(concat_ws('|',
        coalesce('e:' || {{ user_email }}, '-'),
        coalesce('u:' || {{ user_id }}, '-'),
        coalesce('k:' || {{ api_key_name }}, '-')))
{%- endmacro %}

{#-
    Whether a record (alias `record`: user_email, user_id, api_key_name) carries the identity of
    a row of int_member_identities (alias `identities`): the same tuple, a missing part matching
    only a missing part, as identity_key tells them apart. Joined by the columns themselves,
    not by identity_key computed for every record: over 60 days of 200 members (410,807 points)
    the join took 0.011 s against 0.080 s with an MD5 per point.
-#}
{% macro identity_matches(record, identities) -%}
    {{ record }}.user_email is not distinct from {{ identities }}.user_email
        and {{ record }}.user_id is not distinct from {{ identities }}.user_id
        and {{ record }}.api_key_name is not distinct from {{ identities }}.api_key_name
{%- endmacro %}

{#- The identity tuple of an Admin API actor: an OAuth user's email, or an API key's name. -#}
{% macro actor_identity_key(member_type, member_identifier) -%}
    {{ identity_key(
        "case when " ~ member_type ~ " = 'oauth_user' then " ~ member_identifier ~ " end",
        "cast(null as " ~ dbt.type_string() ~ ")",
        "case when " ~ member_type ~ " = 'api_key' then " ~ member_identifier ~ " end") }}
{%- endmacro %}

{% macro member_key(member_type, member_identifier) -%}
    md5(concat({{ member_type }}, ':', {{ member_identifier }}))
{%- endmacro %}

{% macro unattributed_member_key() -%}
    md5('unattributed:(unattributed)')
{%- endmacro %}

{#- How a member is shown: email for OAuth users, key name for API-key users (docs/metrics.md). -#}
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
