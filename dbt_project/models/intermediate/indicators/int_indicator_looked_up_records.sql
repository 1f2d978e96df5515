-- The records an indicator looks up to decide whether, or for whom, a counted record
-- counts, per subject member the counted record is attributed to: the offer an order's
-- price is checked against (IN-2), the session that places an offer in P and names its
-- streamer (PRE-3), the quality cases that put a shipped order in the numerator (POST-3),
-- and the order that places a case (POST-4) or a review (POST-7) in P and attributes it.
-- Which records count is read from int_indicator_records, never restated here. One
-- looked-up record can serve several counted records of one member, hence one row per
-- (indicator, member, looked-up record).
with

offers as (

    select * from {{ ref('int_offers_current') }}

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_scored') }}

),

-- each use of the records its own import: DuckDB materialises whole a CTE a query reads
-- twice, and at scale that spills. The counted records are reduced to what they look up
-- (many orders of one member check one offer) before the look-up.
price_checked_orders as (

    select distinct
        operator_id,
        streamer_id,
        session_id,
        product_id
    from {{ ref('int_indicator_records') }}
    where source = 'orders'
        and in_2_denominator is not null

),

offers_counted_for_completeness as (

    select distinct
        operator_id,
        streamer_id,
        session_id
    from {{ ref('int_indicator_records') }}
    where source = 'products'
        and pre_3_denominator is not null

),

sessions_of_period as (

    select * from {{ ref('int_indicator_records') }}
    where source = 'live_sessions'

),

orders_with_quality_cases as (

    select
        operator_id,
        streamer_id,
        order_id
    from {{ ref('int_indicator_records') }}
    where source = 'orders'
        and post_3_numerator = 1

),

cases_and_reviews_of_orders as (

    select distinct
        case source when 'after_sales' then 'POST-4' else 'POST-7' end as indicator_id,
        operator_id,
        streamer_id,
        order_id
    from {{ ref('int_indicator_records') }}
    where (source = 'after_sales' and post_4_denominator is not null)
        or (source = 'reviews' and post_7_denominator is not null)

),

orders_of_period as (

    select * from {{ ref('int_indicator_records') }}
    where source = 'orders'

),

looked_up as (

    select
        'IN-2' as indicator_id,
        price_checked_orders.operator_id,
        price_checked_orders.streamer_id,
        'products' as source,
        concat(offers.session_id, '|', offers.product_id) as record_key,
        offers.file_number
    from price_checked_orders
    inner join offers
        on price_checked_orders.session_id = offers.session_id
        and price_checked_orders.product_id = offers.product_id

    union all

    select
        'PRE-3' as indicator_id,
        offers_counted_for_completeness.operator_id,
        offers_counted_for_completeness.streamer_id,
        sessions_of_period.source,
        sessions_of_period.record_key,
        sessions_of_period.file_number
    from offers_counted_for_completeness
    inner join sessions_of_period
        on offers_counted_for_completeness.session_id = sessions_of_period.record_key

    union all

    select
        'POST-3' as indicator_id,
        orders_with_quality_cases.operator_id,
        orders_with_quality_cases.streamer_id,
        'after_sales' as source,
        after_sales_cases.case_id as record_key,
        after_sales_cases.file_number
    from orders_with_quality_cases
    inner join after_sales_cases
        on orders_with_quality_cases.order_id = after_sales_cases.order_id
    where after_sales_cases.is_quality_case

    union all

    select
        cases_and_reviews_of_orders.indicator_id,
        cases_and_reviews_of_orders.operator_id,
        cases_and_reviews_of_orders.streamer_id,
        orders_of_period.source,
        orders_of_period.record_key,
        orders_of_period.file_number
    from cases_and_reviews_of_orders
    inner join orders_of_period
        on cases_and_reviews_of_orders.order_id = orders_of_period.record_key

),

by_member as (

    {{ attributed_to_members('looked_up') }}

),

final as (

    select distinct
        indicator_id,
        member_kind,
        member_id,
        source,
        record_key,
        file_number
    from by_member

)

select * from final
