{#- The pseudonym of each member identity, when pseudonyms are on (else no rows). -#}
with

source as (

    select * from {{ source('privacy', 'member_pseudonyms') }}

),

final as (

    select member_identifier, pseudonym
    from source

)

select * from final
