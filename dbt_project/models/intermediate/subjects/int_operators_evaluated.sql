-- Operators evaluated in P: at least one session started in P or one order of P
-- (findings or complaints alone do not make a subject evaluated), with their snapshot
-- attributes as of the cutoff.
with

sessions as (

    select * from {{ ref('int_sessions_scored') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

operators as (

    select * from {{ ref('int_operators_current') }}

),

active as (

    select operator_id from sessions
    union
    select operator_id from orders

),

final as (

    select
        operators.operator_id,
        operators.operator_name,
        operators.platform,
        operators.main_category,
        operators.license_verified,
        {{ credit_code_is_valid('operators.credit_code') }} as has_valid_credit_code,
        -- lineage: the file of the snapshot row in effect, by its number (fct_indicator_lineage)
        operators.file_number
    from active
    inner join operators on active.operator_id = operators.operator_id

)

select * from final
