-- The orders keys known as of the cutoff: those with a good row in any delivery up to C,
-- which reference checks look up (a row set aside makes its key unknown). Narrow and over
-- every delivery, while int_orders_current keeps only what the period can need.
with

checked as (

    select * from {{ ref('int_orders_checked') }}

),

final as (

    select distinct order_id
    from checked
    where set_aside_reason is null

)

select * from final
