{#- None of these columns is NULL in any row: what a `not_null` test on each of them asserts,
    in one query and one asset check per model instead of one per column (a data test costs a
    dbt node and two Dagster events per run, whatever its size). A failing row shows the
    named columns, so the NULL ones are plain to see. -#}
{% test not_null_columns(model, column_names) %}
select {{ column_names | join(', ') }}
from {{ model }}
where {% for column in column_names %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
