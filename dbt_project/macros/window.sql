{#- The day window [min_date, max_date) that a run rebuilds, from the min_date/max_date vars. -#}

{% macro window_start() -%}
    cast('{{ var("min_date") }}' as date)
{%- endmacro %}

{% macro window_end() -%}
    cast('{{ var("max_date") }}' as date)
{%- endmacro %}

{% macro in_window(column) -%}
    ({{ column }} >= {{ window_start() }} and {{ column }} < {{ window_end() }})
{%- endmacro %}

{#- Months touched by the window: [first day of min_date's month, max_date). -#}
{% macro in_window_months(day_column) -%}
    ({{ day_column }} >= {{ month_start(window_start()) }} and {{ day_column }} < {{ month_after(dateadd_days(window_end(), -1)) }})
{%- endmacro %}

{% macro window_is_unbounded_start() -%}
    {{ return(var("min_date") == "1900-01-01") }}
{%- endmacro %}

{% macro window_is_unbounded_end() -%}
    {{ return(var("max_date") == "9999-12-31") }}
{%- endmacro %}
