{#-
    Overrides dbt's own get_where_subquery (the macro that wraps a data test's relation in
    `select * ... where <config where>`): dbt looks a macro up in the root project before its
    global ones, so this definition replaces dbt's for every data test of this project. It is
    the documented hook for a test's `where` config; the override only adds one keyword.

    Why: data tests check the run's window, not all history, so a daily run's
    cost does not grow with history (each day was tested when it was built). A test configured
    with `where: __window__` (set for the model folders in dbt_project.yml)
    reads only the rows of the window: usage_date in [min_date, max_date), or for monthly
    models the months the window touches; models with neither column are tested whole.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__window__' -%}
        {#- the tested model's columns as its YAML documents them (every model documents all
            of its columns; tests/test_report.py holds them to the tables), so compiling a
            test costs no query; a model with none documented is asked -#}
        {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
        {%- if tested and tested.columns -%}
            {%- set columns = tested.columns.keys() | map('lower') | list -%}
        {%- else -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- endif -%}
        {%- if 'usage_date' in columns and 'utc_date' in columns -%}
            {#- a staging view of raw records: its UTC day bounds the local one, and unlike the
                local day it reaches the raw table under the view's de-duplication, so the
                test reads the window's days of raw, not all history -#}
            {%- set where = in_local_window('usage_date', 'utc_date') -%}
        {%- elif 'usage_date' in columns -%}
            {%- set where = in_window('usage_date') -%}
        {%- elif 'usage_month' in columns -%}
            {%- set where = in_window_months('usage_month') -%}
        {%- else -%}
            {%- set where = none -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
