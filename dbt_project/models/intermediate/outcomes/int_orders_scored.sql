-- Orders of P (with a session, paid in P, known by the cutoff) and their per-order
-- outcomes for IN-2, POST-1, POST-2 and POST-3. Later events of a P order count for P.
with

orders as (

    select * from {{ ref('int_orders_current') }}

),

offers as (

    select * from {{ ref('int_offers_current') }}

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_current') }}

),

quality_cases as (

    select distinct order_id
    from after_sales_cases
    where {{ is_quality_return('reason') }}
        and {{ known_by_cutoff('requested_at') }}

),

orders_of_period as (

    select
        orders.*,
        coalesce(
            orders.promised_ship_by,
            {{ dbt.dateadd('hour', rule('default_ship_within_hours'), 'orders.paid_at') }}
        ) as ship_deadline_at
    from orders
    where orders.session_id is not null
        and {{ in_period('orders.paid_at') }}

),

outcomes as (

    select
        orders_of_period.order_id,
        orders_of_period.platform,
        orders_of_period.operator_id,
        orders_of_period.streamer_id,
        orders_of_period.session_id,
        orders_of_period.product_id,
        orders_of_period.paid_at,
        orders_of_period.ship_deadline_at,

        -- IN-2: the product had an announced price in this order's session
        offers.announced_price is not null as is_price_checked,
        coalesce(orders_of_period.unit_price <= offers.announced_price, false) as is_price_consistent,

        -- POST-1: cancelled before T and before any shipment by anyone but the merchant
        (
            {{ known_by_cutoff('orders_of_period.cancelled_at') }}
            and (
                orders_of_period.shipped_at is null
                or orders_of_period.cancelled_at < orders_of_period.shipped_at
            )
            and coalesce(orders_of_period.cancel_party, 'unknown') <> 'merchant'
        ) as is_cancelled_before_shipment,
        orders_of_period.ship_deadline_at < {{ as_of_instant() }} as is_deadline_passed,
        coalesce(orders_of_period.shipped_at <= orders_of_period.ship_deadline_at, false) as is_shipped_on_time,

        -- POST-2 and POST-3
        {{ known_by_cutoff('orders_of_period.shipped_at') }} as is_shipped,
        case
            when {{ known_by_cutoff('orders_of_period.shipped_at') }}
                and {{ known_by_cutoff('orders_of_period.delivered_at') }}
                then cast(
                    {{ epoch_micros('orders_of_period.delivered_at') }}
                    - {{ epoch_micros('orders_of_period.shipped_at') }} as double
                ) / cast(3600000000 as double)
        end as delivery_hours,
        quality_cases.order_id is not null as has_quality_case,

        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        orders_of_period.file_number
    from orders_of_period
    left join offers
        on orders_of_period.session_id = offers.session_id
        and orders_of_period.product_id = offers.product_id
    left join quality_cases
        on orders_of_period.order_id = quality_cases.order_id

),

final as (

    select
        *,
        is_deadline_passed and not is_cancelled_before_shipment as is_shipment_due
    from outcomes

)

select * from final
