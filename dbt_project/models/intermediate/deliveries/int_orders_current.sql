-- Good orders rows as of the cutoff, one per key: the latest delivered version counts.
with

final as (

    {{ current_version(ref('int_orders_checked'), ['order_id'], where='set_aside_reason is null') }}

)

select * from final
