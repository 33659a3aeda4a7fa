{#-
    Metric definitions used at more than one grain (docs/metrics.md).

    The suggestion accept rate is a macro, not a column computed once: a ratio does not add
    up, so each grain (member-day, day, month, member-month) must divide its own summed
    accepts by its own summed decisions; a column computed per member-day could not be
    reused by the monthly marts. The macro is the one definition they all call, and the
    semantic layer's ratio metric accept_rate (models/semantic/) is the same division.
-#}

{#- edit_accepts / (edit_accepts + edit_rejects); NULL (not 0) when there were no decisions. -#}
{% macro accept_rate(accepts, rejects) -%}
    case
        when ({{ accepts }}) + ({{ rejects }}) = 0 then null
        else cast({{ accepts }} as double) / (({{ accepts }}) + ({{ rejects }}))
    end
{%- endmacro %}

{#-
    Money in the marts: USD rounded to 9 decimals (nano-dollars), still DOUBLE. A sum of
    doubles carries float noise (13.904139050000001), which the CSV export would show; rounding
    at each mart removes it. Not DECIMAL(18,6): Claude Code reports costs with up to 8
    decimals (0.10984275), which 6 would round away, and a DECIMAL column reaches Python as
    decimal.Decimal, which every reader and test comparing with floats would have to convert.
-#}
{% macro usd(amount) -%}
    round(cast({{ amount }} as double), 9)
{%- endmacro %}
