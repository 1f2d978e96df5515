-- The records an indicator looks up to decide whether, or for whom, a counted record
-- counts, per subject member the counted record is attributed to: the offer an order's
-- price is checked against (IN-2), the session that places an offer in P and names its
-- streamer (PRE-3), the quality cases that put a shipped order in the numerator (POST-3),
-- and the order that places a case (POST-4) or a review (POST-7) in P and attributes it.
-- Which records count is read from int_indicator_records, never restated here. One
-- looked-up record can serve several counted records of one member, hence one row per
-- (indicator, member, looked-up record).
with

records as (

    select * from {{ ref('int_indicator_records') }}

),

offers as (

    select * from {{ ref('int_offers_current') }}

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_scored') }}

),

counted_records as (

    select * from records

),

looked_up_records as (

    select * from records

),

looked_up as (

    select
        'IN-2' as indicator_id,
        counted_records.operator_id,
        counted_records.streamer_id,
        'products' as source,
        concat(offers.session_id, '|', offers.product_id) as record_key,
        offers.delivered_dt,
        offers.file_name,
        offers.file_sha256
    from counted_records
    inner join offers
        on counted_records.session_id = offers.session_id
        and counted_records.product_id = offers.product_id
    where counted_records.source = 'orders'
        and counted_records.in_2_denominator is not null

    union all

    select
        'PRE-3' as indicator_id,
        counted_records.operator_id,
        counted_records.streamer_id,
        looked_up_records.source,
        looked_up_records.record_key,
        looked_up_records.delivered_dt,
        looked_up_records.file_name,
        looked_up_records.file_sha256
    from counted_records
    inner join looked_up_records
        on counted_records.session_id = looked_up_records.record_key
        and looked_up_records.source = 'live_sessions'
    where counted_records.source = 'products'
        and counted_records.pre_3_denominator is not null

    union all

    select
        'POST-3' as indicator_id,
        counted_records.operator_id,
        counted_records.streamer_id,
        'after_sales' as source,
        after_sales_cases.case_id as record_key,
        after_sales_cases.delivered_dt,
        after_sales_cases.file_name,
        after_sales_cases.file_sha256
    from counted_records
    inner join after_sales_cases
        on counted_records.order_id = after_sales_cases.order_id
    where counted_records.source = 'orders'
        and counted_records.post_3_numerator = 1
        and after_sales_cases.is_quality_case

    union all

    select
        case counted_records.source when 'after_sales' then 'POST-4' else 'POST-7' end as indicator_id,
        counted_records.operator_id,
        counted_records.streamer_id,
        looked_up_records.source,
        looked_up_records.record_key,
        looked_up_records.delivered_dt,
        looked_up_records.file_name,
        looked_up_records.file_sha256
    from counted_records
    inner join looked_up_records
        on counted_records.order_id = looked_up_records.record_key
        and looked_up_records.source = 'orders'
    where (counted_records.source = 'after_sales' and counted_records.post_4_denominator is not null)
        or (counted_records.source = 'reviews' and counted_records.post_7_denominator is not null)

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
        delivered_dt,
        file_name,
        file_sha256
    from by_member

)

select * from final
