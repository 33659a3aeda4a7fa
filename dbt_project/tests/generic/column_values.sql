{#- A model's column rules in one query, so one dbt node and one asset check per model instead
    of one per column and rule (a data test costs a dbt node and three Dagster events per run,
    whatever its size). Each rule asserts what dbt's test of the same name does:

    - not_null: [column, ...]: no row has NULL in any of them (dbt's not_null);
    - ranges: {column: {min_value: x, max_value: y}}: every non-NULL value lies in [x, y],
      either bound optional (accepted_range);
    - accepted_values: {column: [value, ...]}: every non-NULL value is one of them
      (dbt's accepted_values);
    - relationships: {column: {to: ref('parent'), field: parent_column}}: every non-NULL value
      is a value of the parent's column (dbt's relationships; the parent is read whole, the
      model as the test's `where` says, as dbt's test does);
    - unique: [key, ...]: no two rows share a key, a column or a list of columns (the model's
      grain), NULLs compared as values: dbt's unique on a column (which leaves NULLs out; every
      such column here is also not_null) and unique_combination_of_columns on a list.

    A failing row names the rule, the column and the offending value (NULL for not_null; for
    unique, the duplicated key's values), so the failure says which assertion broke; the failure
    count is the number of offending rows per rule (a row with NULLs counts once, whichever
    columns are NULL; a key counts once, however many rows share it). -#}
{% test column_values(model, not_null=[], ranges={}, accepted_values={}, relationships={}, unique=[]) %}
{%- set checks = [] -%}
{%- if not_null -%}
    {%- set any_null = [] -%}
    {%- for column in not_null -%}{%- do any_null.append(column ~ ' is null') -%}{%- endfor -%}
    {%- do checks.append(('not_null', not_null | join(', '), 'null', any_null | join(' or '))) -%}
{%- endif -%}
{%- for column, bounds in ranges.items() -%}
    {%- set outside = [] -%}
    {%- if bounds.get('min_value') is not none -%}{%- do outside.append(column ~ ' < ' ~ bounds['min_value']) -%}{%- endif -%}
    {%- if bounds.get('max_value') is not none -%}{%- do outside.append(column ~ ' > ' ~ bounds['max_value']) -%}{%- endif -%}
    {%- do checks.append(('accepted_range', column, column, column ~ ' is not null and (' ~ (outside | join(' or ') or 'false') ~ ')')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}{%- do listed.append("'" ~ value ~ "'") -%}{%- endfor -%}
    {%- do checks.append(('accepted_values', column, column, column ~ ' is not null and ' ~ column ~ ' not in (' ~ (listed | join(', ')) ~ ')')) -%}
{%- endfor -%}
{%- for column, parent in relationships.items() -%}
    {%- do checks.append(('relationships', column, column, column ~ ' is not null and ' ~ column ~ ' not in (select '
        ~ parent['field'] ~ ' from ' ~ parent['to'] ~ ' where ' ~ parent['field'] ~ ' is not null)')) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- for key in unique -%}
    {%- set columns = [key] if key is string else key -%}
    {%- set shown = [] -%}
    {%- for column in columns -%}
        {%- do shown.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), 'NULL')") -%}
    {%- endfor -%}
    {%- do keys.append((columns | join(', '), "concat_ws(', ', " ~ (shown | join(', ')) ~ ")")) -%}
{%- endfor -%}
{%- for rule, column_name, value, condition in checks %}
select '{{ rule }}' as rule, '{{ column_name }}' as column_name, cast({{ value }} as {{ dbt.type_string() }}) as value
from {{ model }}
where {{ condition }}
{% if not loop.last or keys %}union all{% endif %}
{%- endfor %}
{%- for columns, value in keys %}
select 'unique' as rule, '{{ columns }}' as column_name, {{ value }} as value
from {{ model }}
group by {{ columns }}
having count(*) > 1
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
