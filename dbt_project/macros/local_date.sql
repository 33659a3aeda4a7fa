{#-
    Days in the organization's time zone (ANALYTICS_TIMEZONE, an IANA name, default UTC).

    Raw tables keep the UTC day of each record (raw is keyed by landed file, and the raw
    Parquet layer is partitioned by it); staging derives `usage_date`, the calendar date of the
    record's own time in the zone, daylight-saving changes included. The zone is read from the
    environment here, as the Dagster run reads it (analytics.settings.timezone() validates it
    and records it with the build), so a `dbt build` run by hand builds the same days.
-#}

{% macro analytics_timezone() -%}
    {%- set zone = env_var('ANALYTICS_TIMEZONE', '') | trim or 'UTC' -%}
    {#- it is spliced into SQL as a literal: only the characters of IANA names -#}
    {%- if not modules.re.fullmatch('[A-Za-z0-9_+/-]+', zone) -%}
        {{ exceptions.raise_compiler_error("ANALYTICS_TIMEZONE=" ~ zone ~ " is not an IANA time zone name") }}
    {%- endif -%}
    {{ return(zone) }}
{%- endmacro %}

{#- The zone's calendar date of a time in nanoseconds since the epoch (whole seconds suffice:
    every zone's offset is whole minutes). -#}
{% macro local_date(nanos) -%}
    {{ return(adapter.dispatch('local_date', 'claude_code_analytics')(nanos)) }}
{%- endmacro %}
{% macro default__local_date(nanos) -%}
    cast(timezone('{{ analytics_timezone() }}', to_timestamp({{ nanos }} // 1000000000)) as date)
{%- endmacro %}
{% macro spark__local_date(nanos) -%}
    {#- the session time zone is UTC (profiles.yml), so the shifted instant's date is local -#}
    to_date(from_utc_timestamp(timestamp_seconds({{ nanos }} div 1000000000), '{{ analytics_timezone() }}'))
{%- endmacro %}

{#-
    The window on a staging model: the local day `column` in [min_date, max_date), read from
    raw's UTC days `utc_column` one before to one after the window (a zone is within 14 hours
    of UTC), which is what lets the engines skip the rest of history.
-#}
{% macro in_local_window(column, utc_column) -%}
    ({{ in_window(column) }}
    {%- if not window_is_unbounded_start() %}
        and {{ utc_column }} >= {{ dateadd_days(window_start(), -1) }}
    {%- endif %}
    {%- if not window_is_unbounded_end() %}
        and {{ utc_column }} < {{ dateadd_days(window_end(), 1) }}
    {%- endif %})
{%- endmacro %}
