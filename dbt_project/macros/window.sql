{#- The day window [min_date, max_date) that a run rebuilds: days in ANALYTICS_TIMEZONE
    (macros/local_date.sql).

    Where it comes from, first found: the min_date/max_date vars when given (`dbt build --vars`
    by hand, or a unit test's overrides); else ANALYTICS_DBT_MIN_DATE/ANALYTICS_DBT_MAX_DATE,
    which the Dagster asset sets for its dbt process; else unbounded (all history).

    Why the environment and not --vars: dbt parses the whole project again whenever the vars
    differ from the last parse (about 5 s a run here), while an environment variable read only
    when executing (`execute`) is invisible to parsing, so each run reuses the parse. -#}

{% macro window_bound(name, unbounded) -%}
    {%- set given = var(name) -%}
    {%- if given == unbounded and execute -%}
        {%- set given = env_var('ANALYTICS_DBT_' ~ (name | upper), '') | trim or unbounded -%}
    {%- endif -%}
    {{ return(given) }}
{%- endmacro %}

{% macro window_start() -%}
    cast('{{ window_bound("min_date", "1900-01-01") }}' as date)
{%- endmacro %}

{% macro window_end() -%}
    cast('{{ window_bound("max_date", "9999-12-31") }}' as date)
{%- endmacro %}

{% macro in_window(column) -%}
    ({{ column }} >= {{ window_start() }} and {{ column }} < {{ window_end() }})
{%- endmacro %}

{#- Months touched by the window: [first day of min_date's month, max_date). -#}
{% macro in_window_months(day_column) -%}
    ({{ day_column }} >= {{ month_start(window_start()) }} and {{ day_column }} < {{ month_after(dateadd_days(window_end(), -1)) }})
{%- endmacro %}

{% macro window_is_unbounded_start() -%}
    {{ return(window_bound("min_date", "1900-01-01") == "1900-01-01") }}
{%- endmacro %}

{% macro window_is_unbounded_end() -%}
    {{ return(window_bound("max_date", "9999-12-31") == "9999-12-31") }}
{%- endmacro %}

{#-
    The first UTC day a cumulative series of the window can have a point on, for the lookback of
    int_metric_increments: the day before the earliest startTimeUnixNano among the window's
    cumulative points (a point is never earlier than its series' start). Earlier history
    cannot hold a previous point of these series, so the lookback reads from here on, and a
    day's run does not scan a year of points. A window point without a start time (0 or
    missing) means all history. Unit tests, which have no warehouse to ask, set the var
    bound_cumulative_lookback to false.

    Asked of the raw points, not of stg_otlp__metric_points: a copy of a point has its start
    time, so the minimum is the same, and the raw table is read without de-duplicating it
    first (over a year of data, the view's de-duplication took a third of this model's time).
-#}
{% macro cumulative_lookback_start() -%}
    {%- set unbounded = "cast('1900-01-01' as date)" -%}
    {%- if not execute or not var('bound_cumulative_lookback', true) -%}
        {{ return(unbounded) }}
    {%- endif -%}
    {%- set query -%}
        select min(case when start_time_unix_nano > 0 then start_time_unix_nano else 0 end)
        from {{ source('otlp', 'metric_points') }}
        where {{ in_local_window(local_date('time_unix_nano'), 'usage_date') }}
            and aggregation_temporality = 2
    {%- endset -%}
    {%- set earliest = run_query(query).columns[0].values()[0] -%}
    {%- if earliest is none or earliest <= 0 -%}
        {{ return(unbounded) }}
    {%- endif -%}
    {%- set day = modules.datetime.datetime.utcfromtimestamp((earliest | int) // 1000000000).date()
        - modules.datetime.timedelta(days=1) -%}
    {{ return("cast('" ~ day.isoformat() ~ "' as date)") }}
{%- endmacro %}
