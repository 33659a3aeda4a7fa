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
