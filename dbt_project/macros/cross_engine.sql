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

{#- FROM clause: each row of `relation` once per `delimiter`-separated part of `text`, as alias.column. -#}
{% macro split_to_rows(relation, text, delimiter, alias, column) -%}
    {{ return(adapter.dispatch('split_to_rows', 'claude_code_analytics')(relation, text, delimiter, alias, column)) }}
{%- endmacro %}
{% macro default__split_to_rows(relation, text, delimiter, alias, column) -%}
    {{ relation }}, unnest(string_split({{ text }}, '{{ delimiter }}')) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__split_to_rows(relation, text, delimiter, alias, column) -%}
    {#- split() takes a regular expression: the delimiter is quoted -#}
    {{ relation }} lateral view explode(split({{ text }}, '\\Q{{ delimiter }}\\E')) {{ alias }} as {{ column }}
{%- endmacro %}

{#- FROM clause: each row of `relation` `count` times, numbered 1..count as alias.column (none for 0). -#}
{% macro series_to_rows(relation, count, alias, column) -%}
    {{ return(adapter.dispatch('series_to_rows', 'claude_code_analytics')(relation, count, alias, column)) }}
{%- endmacro %}
{% macro default__series_to_rows(relation, count, alias, column) -%}
    {{ relation }}, unnest(generate_series(1, {{ count }})) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__series_to_rows(relation, count, alias, column) -%}
    {#- sequence(1, 0) counts down, so a count of 0 must not reach it: filter it out first -#}
    {{ relation }} lateral view explode(sequence(1, cast({{ count }} as int))) {{ alias }} as {{ column }}
{%- endmacro %}

{% macro hash_key(parts) -%}
    md5(concat_ws('|', {%- for part in parts %} coalesce(cast({{ part }} as {{ dbt.type_string() }}), '') {%- if not loop.last %},{% endif %}{% endfor %}))
{%- endmacro %}

{#- A 64-bit hash of the columns `parts` as they are (types and NULLs kept apart), for telling
    rows apart within a query: redelivered copies of a record. Not md5 of the text joined (as
    hash_key): over a year of 1,000 engineers that cost most of reading the OTLP staging views.
    Not stable across engines or DuckDB releases, so never stored as a key that a later run
    compares (hash_text turns it into the ids the staging views show). Two different records
    of one day share a hash with odds of about n^2 / 2^65: for the 25,000 points a day of 1,000
    engineers, about 2 in 10^11. -#}
{% macro row_hash(parts) -%}
    {{ return(adapter.dispatch('row_hash', 'claude_code_analytics')(parts)) }}
{%- endmacro %}
{% macro default__row_hash(parts) -%}
    hash({{ parts | join(', ') }})
{%- endmacro %}
{% macro spark__row_hash(parts) -%}
    xxhash64({{ parts | join(', ') }})
{%- endmacro %}

{#- A row_hash as 16 lower-case hex digits. -#}
{% macro hash_text(hash) -%}
    {{ return(adapter.dispatch('hash_text', 'claude_code_analytics')(hash)) }}
{%- endmacro %}
{% macro default__hash_text(hash) -%}
    printf('%016x', {{ hash }})
{%- endmacro %}
{% macro spark__hash_text(hash) -%}
    lower(lpad(hex({{ hash }}), 16, '0'))
{%- endmacro %}

{#- The keyword that keeps a CTE inlined where it is referenced (DuckDB materializes a CTE
    referenced twice); nothing on engines that always inline (Spark). -#}
{% macro cte_not_materialized() -%}
    {{ return(adapter.dispatch('cte_not_materialized', 'claude_code_analytics')()) }}
{%- endmacro %}
{% macro default__cte_not_materialized() -%}
{%- endmacro %}
{% macro duckdb__cte_not_materialized() -%}
    not materialized
{%- endmacro %}

{#- `text` without a literal `suffix` at its end (a plain string, not a pattern). -#}
{% macro strip_suffix(text, suffix) -%}
    case
        when right({{ text }}, {{ suffix | length }}) = '{{ suffix }}'
            then left({{ text }}, length({{ text }}) - {{ suffix | length }})
        else {{ text }}
    end
{%- endmacro %}

{#- A string attribute of a flat JSON object of attributes (raw's *_attributes_json), by key. -#}
{% macro json_attribute(json, key) -%}
    {{ return(adapter.dispatch('json_attribute', 'claude_code_analytics')(json, key)) }}
{%- endmacro %}
{% macro default__json_attribute(json, key) -%}
    json_extract_string({{ json }}, '$."{{ key }}"')
{%- endmacro %}
{% macro spark__json_attribute(json, key) -%}
    get_json_object({{ json }}, '$[\'{{ key }}\']')
{%- endmacro %}

{#- An unnamed struct of `parts`, compared and ordered field by field (min, =). -#}
{% macro row_of(parts) -%}
    {{ return(adapter.dispatch('row_of', 'claude_code_analytics')(parts)) }}
{%- endmacro %}
{% macro default__row_of(parts) -%}
    row({{ parts | join(', ') }})
{%- endmacro %}
{% macro spark__row_of(parts) -%}
    struct({{ parts | join(', ') }})
{%- endmacro %}

{#-
    The rows of `identified` (a CTE of `relation` with `hash_column`, the row_hash of a record's
    identity) less the copies of a record delivered more than once on a day: of each
    (usage_date, hash) the copy kept is the first by source file, line, record and generation.
    Most records come once, so the pairs that repeat are few: they are found by a narrow
    aggregate over `relation` and the rows pass a join on it, not a window over every record
    with all its columns (the metric points' view read whole over a year of 1,000 engineers:
    12.3 and 13.3 s against 23.1 and 26.3 s).
    `relation` is read again rather than `identified`, which a second reference could make
    DuckDB materialize whole: the day filters of the models that read the view reach both reads
    when they are plain ranges of `utc_date` (raw's `usage_date`). A day filter inside an OR
    reaches only the left one, and the aggregate then groups all history:
    int_metric_increments adds a plain range beside its OR for that reason.
-#}
{% macro without_repeated_copies(identified, relation, identity, hash_column) -%}
    select {{ identified }}.*
    from {{ identified }}
    left join (
        select
            usage_date,
            {{ row_hash(identity) }} as {{ hash_column }},
            min({{ copy_key('') }}) as kept_copy
        from {{ relation }}
        group by 1, 2
        having count(*) > 1
    ) as repeated
        on {{ identified }}.usage_date = repeated.usage_date
        and {{ identified }}.{{ hash_column }} = repeated.{{ hash_column }}
    where repeated.{{ hash_column }} is null or {{ copy_key(identified ~ '.') }} = repeated.kept_copy
{%- endmacro %}

{#- Where a raw record was read: its file, line, record and generation (`prefix`: an alias and a dot). -#}
{% macro copy_key(prefix) -%}
    {{ row_of([prefix ~ 'source_file', prefix ~ 'source_line', prefix ~ 'record_index',
               'coalesce(' ~ prefix ~ 'source_generation, 1)']) }}
{%- endmacro %}
