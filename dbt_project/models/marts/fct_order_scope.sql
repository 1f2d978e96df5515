-- Reconciliation of the orders paid in P as of the cutoff: in scope (with a live session)
-- or counted but not evaluated (no session), by platform and payment month. Orders paid
-- after P belong to a later period's evaluation; int_orders_current holds none of earlier ones.
with

orders as (

    select * from {{ ref('int_orders_current') }}

),

final as (

    select
        concat(platform, '|', cast(cast({{ dbt.date_trunc('month', 'paid_at') }} as date) as {{ dbt.type_string() }})) as scope_key,
        platform,
        cast({{ dbt.date_trunc('month', 'paid_at') }} as date) as paid_month,
        count(case when session_id is not null then 1 end) as orders_in_scope,
        count(case when session_id is null then 1 end) as orders_out_of_scope
    from orders
    where {{ in_period('paid_at') }}
    group by 1, 2, 3

)

select * from final
