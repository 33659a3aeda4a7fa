{#- A model's column rules in one query, so one dbt node and one asset check per model instead
    of one per column and rule (a data test costs a dbt node and three Dagster events per run,
    whatever its size). Each rule asserts what dbt's test of the same name does:

    - not_null: [column, ...]: no row has NULL in any of them (dbt's not_null);
    - ranges: {column: {min_value: x, max_value: y}}: every non-NULL value lies in [x, y],
      either bound optional (accepted_range);
    - accepted_values: {column: [value, ...]}: every non-NULL value is one of them
      (dbt's accepted_values).

    A failing row names the rule, the column and the offending value (NULL for not_null), so the
    failure says which assertion broke; the failure count is the number of offending rows per
    rule (a row with NULLs counts once, whichever columns are NULL). -#}
{% test column_values(model, not_null=[], ranges={}, accepted_values={}) %}
{%- set checks = [] -%}
{%- if not_null -%}
    {%- set nulls -%}
        select 'not_null' as rule, '{{ not_null | join(", ") }}' as column_name, cast(null as {{ dbt.type_string() }}) as value
        from {{ model }}
        where {% for column in not_null %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
    {%- endset -%}
    {%- do checks.append(nulls) -%}
{%- endif -%}
{%- for column, bounds in ranges.items() -%}
    {%- set outside -%}
        select 'accepted_range' as rule, '{{ column }}' as column_name, cast({{ column }} as {{ dbt.type_string() }}) as value
        from {{ model }}
        where {{ column }} is not null and (
            {%- if bounds.get('min_value') is not none %} {{ column }} < {{ bounds['min_value'] }} {%- else %} false {%- endif %}
            {%- if bounds.get('max_value') is not none %} or {{ column }} > {{ bounds['max_value'] }} {%- endif %})
    {%- endset -%}
    {%- do checks.append(outside) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set unexpected -%}
        select 'accepted_values' as rule, '{{ column }}' as column_name, cast({{ column }} as {{ dbt.type_string() }}) as value
        from {{ model }}
        where {{ column }} is not null
          and {{ column }} not in ({% for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endset -%}
    {%- do checks.append(unexpected) -%}
{%- endfor -%}
{{ checks | join('\nunion all\n') }}
{% endtest %}
