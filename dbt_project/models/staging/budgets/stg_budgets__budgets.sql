{#-
    Monthly budgets (budgets.csv), one row per scope and name: org (any name; the whole
    organization), team (a team as dim_members.team names it) or member (as displayed without
    pseudonyms: an email, lower-cased here, or an API key name). When two lines name the same
    budget, the last line wins, as when a file is edited by appending.
-#}
with

source as (

    select * from {{ source('budgets', 'budgets') }}

),

normalized as (

    select
        lower(scope) as scope,
        case
            when lower(scope) = 'member' and name like '%@%' then lower(name)
            else name
        end as name,
        monthly_budget_usd,
        source_line
    from source

),

ranked as (

    select
        *,
        row_number() over (partition by scope, name order by source_line desc) as rank_from_last
    from normalized

),

final as (

    select scope, name, monthly_budget_usd, source_line
    from ranked
    where rank_from_last = 1

)

select * from final
