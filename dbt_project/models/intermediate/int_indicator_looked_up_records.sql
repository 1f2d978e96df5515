-- Lineage, part 2: the records an indicator looks up to decide whether, or for whom, a
-- counted record counts: the offer an order's price is checked against (IN-2), the session
-- that places an offer in P and names its streamer (PRE-3), the quality cases that put a
-- shipped order in the numerator (POST-3), and the order that places a case (POST-4) or a
-- review (POST-7) in P and attributes it. One looked-up record can serve counted records
-- of several subjects (an offer bought from by two streamers' orders), so it is kept by key
-- and counted distinct per subject in fct_indicator_lineage.
with

offers_current as (

    select * from {{ ref('int_offers_current') }}

),

sessions as (

    select * from {{ ref('int_sessions_scored') }}

),

offers as (

    select * from {{ ref('int_offers_scored') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_scored') }}

),

reviews as (

    select * from {{ ref('int_reviews_scored') }}

),

looked_up as (

    select
        'IN-2' as indicator_id,
        'products' as source,
        orders.operator_id,
        orders.streamer_id,
        concat(offers_current.session_id, '|', offers_current.product_id) as record_key,
        offers_current.delivered_dt,
        offers_current.file_name,
        offers_current.file_sha256
    from orders
    inner join offers_current
        on orders.session_id = offers_current.session_id
        and orders.product_id = offers_current.product_id
    where orders.is_price_checked

    union all

    select
        'PRE-3',
        'live_sessions',
        offers.operator_id,
        offers.streamer_id,
        sessions.session_id,
        sessions.delivered_dt,
        sessions.file_name,
        sessions.file_sha256
    from offers
    inner join sessions on offers.session_id = sessions.session_id

    union all

    select
        'POST-3',
        'after_sales',
        orders.operator_id,
        orders.streamer_id,
        after_sales_cases.case_id,
        after_sales_cases.delivered_dt,
        after_sales_cases.file_name,
        after_sales_cases.file_sha256
    from after_sales_cases
    inner join orders on after_sales_cases.order_id = orders.order_id
    where after_sales_cases.is_quality_case
        and orders.is_shipped

    union all

    select
        'POST-4',
        'orders',
        orders.operator_id,
        orders.streamer_id,
        orders.order_id,
        orders.delivered_dt,
        orders.file_name,
        orders.file_sha256
    from after_sales_cases
    inner join orders on after_sales_cases.order_id = orders.order_id
    where after_sales_cases.is_due

    union all

    select
        'POST-7',
        'orders',
        orders.operator_id,
        orders.streamer_id,
        orders.order_id,
        orders.delivered_dt,
        orders.file_name,
        orders.file_sha256
    from reviews
    inner join orders on reviews.order_id = orders.order_id

),

final as (

    select distinct
        indicator_id,
        source,
        operator_id,
        streamer_id,
        record_key,
        delivered_dt,
        file_name,
        file_sha256
    from looked_up

)

select * from final
