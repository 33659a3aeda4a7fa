{#-
    Where the raw sources come from on each engine (on-run-start).

    DuckDB: ingestion's tables in the warehouse file itself; nothing to do.
    Spark: the raw layer ingestion publishes as Parquet (ANALYTICS_RAW_PARQUET_DIR, by default
    raw_parquet in ANALYTICS_SPARK_WAREHOUSE; one usage_date=YYYY-MM-DD folder per day; orchestration/defs/ingestion/raw_parquet.py). Each
    source becomes an external table over its folder, declared with the columns and types the
    source lists, and its day folders are registered as partitions. The table is declared
    again on every run (dropping an external table keeps its files), so a new column or a
    new day is always seen.
-#}

{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'claude_code_analytics')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {#- as analytics.settings.raw_parquet_dir(): explicit, else in the Spark warehouse -#}
        {%- set root = env_var('ANALYTICS_RAW_PARQUET_DIR', '')
            or env_var('ANALYTICS_SPARK_WAREHOUSE', '../spark-warehouse') ~ '/raw_parquet' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' and source.columns -%}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
            {%- endfor -%}
            {#- the table's name in raw (its identifier), e.g. otlp_metric_points -#}
            {%- set table = source.identifier -%}
            {%- set partitioned = 'usage_date' in source.columns and table != 'roster' -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query(
                'create table raw.' ~ table ~ ' (' ~ columns | join(', ') ~ ') using parquet'
                ~ (' partitioned by (usage_date)' if partitioned else '')
                ~ " location '" ~ root ~ '/' ~ table ~ "'") -%}
            {%- if partitioned -%}
                {%- do run_query('alter table raw.' ~ table ~ ' recover partitions') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
