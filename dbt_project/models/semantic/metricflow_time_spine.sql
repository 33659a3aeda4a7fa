{{ config(materialized='table') }}
{#-
    One row per UTC day, the time spine MetricFlow joins metrics to (dbt's semantic layer needs
    one). 2024-01-01 (the first default partition) to 2030-12-31: about 2,500 rows, rebuilt
    whole in a blink; extend end_day when the warehouse outlives it.
-#}
with

days as (

    {{ day_spine("cast('2024-01-01' as date)", "cast('2030-12-31' as date)") }}

),

final as (

    select cast(usage_date as date) as date_day
    from days

)

select * from final
