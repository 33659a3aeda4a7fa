{#-
    The distinct identity tuples (user.email, user.id, api_key.name) of every OTLP point and
    event, for int_member_identities. Read from the raw tables directly rather than from the
    deduplicated staging models: a redelivered copy carries the same identity, so the dedupe
    (a window over all history) would change nothing here and cost a full pass per run.
-#}
with

metric_points as (

    select user_email, user_id, api_key_name
    from {{ source('otlp', 'metric_points') }}

),

log_records as (

    select user_email, user_id, api_key_name
    from {{ source('otlp', 'log_records') }}

),

final as (

    select * from metric_points
    union
    select * from log_records

)

select * from final
