{#- The few SQL spellings that differ between engines, behind adapter.dispatch. -#}

{% macro month_start(day) -%}
    {{ return(adapter.dispatch('month_start', 'claude_code_analytics')(day)) }}
{%- endmacro %}
{% macro default__month_start(day) -%}
    cast(date_trunc('month', {{ day }}) as date)
{%- endmacro %}

{% macro dateadd_days(day, n) -%}
    {{ return(adapter.dispatch('dateadd_days', 'claude_code_analytics')(day, n)) }}
{%- endmacro %}
{% macro default__dateadd_days(day, n) -%}
    cast({{ day }} + interval ({{ n }}) day as date)
{%- endmacro %}
{% macro spark__dateadd_days(day, n) -%}
    date_add({{ day }}, {{ n }})
{%- endmacro %}

{% macro month_after(day) -%}
    {{ return(adapter.dispatch('month_after', 'claude_code_analytics')(day)) }}
{%- endmacro %}
{% macro default__month_after(day) -%}
    cast(date_trunc('month', {{ day }}) + interval 1 month as date)
{%- endmacro %}
{% macro spark__month_after(day) -%}
    add_months(cast(date_trunc('month', {{ day }}) as date), 1)
{%- endmacro %}

{#- One row per day from start_day to end_day inclusive, as column usage_date. -#}
{% macro day_spine(start_day, end_day) -%}
    {{ return(adapter.dispatch('day_spine', 'claude_code_analytics')(start_day, end_day)) }}
{%- endmacro %}
{% macro default__day_spine(start_day, end_day) -%}
    select cast(d as date) as usage_date
    from (select unnest(generate_series({{ start_day }}, {{ end_day }}, interval 1 day)) as d) as days
    where {{ start_day }} is not null and {{ end_day }} is not null
{%- endmacro %}
{% macro spark__day_spine(start_day, end_day) -%}
    select explode(sequence({{ start_day }}, {{ end_day }}, interval 1 day)) as usage_date
{%- endmacro %}

{% macro hash_key(parts) -%}
    md5(concat_ws('|', {%- for part in parts %} coalesce(cast({{ part }} as {{ dbt.type_string() }}), '') {%- if not loop.last %},{% endif %}{% endfor %}))
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null else cast({{ numerator }} as double) / ({{ denominator }}) end
{%- endmacro %}
