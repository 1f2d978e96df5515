-- Lineage, part 1: the records each indicator counts in its numerator or denominator, per
-- operator and streamer they are attributed to and per delivered file of their current
-- version. A record is counted at most once per indicator and has one attribution, so
-- these counts add up to any subject (fct_indicator_lineage). The conditions mirror the
-- sums of the macro indicator_counts; the records a numerator only consults (a quality
-- case, an offer's announced price) are in int_indicator_looked_up_records.
with

sessions as (

    select * from {{ ref('int_sessions_scored') }}

),

offers as (

    select * from {{ ref('int_offers_scored') }}

),

findings as (

    select * from {{ ref('int_findings_scored') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

conversations as (

    select * from {{ ref('int_conversations_scored') }}

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_scored') }}

),

complaints as (

    select * from {{ ref('int_complaints_scored') }}

),

reviews as (

    select * from {{ ref('int_reviews_scored') }}

),

{#- (indicator, source, relation, which of its records count, the streamer they count for);
    customer service is the operator's alone, so IN-3 counts for no streamer. IN-1 and
    POST-5 count two sources: the sessions or orders of the denominator and the findings
    or complaints of the numerator. #}
{%- set counted = [
    ('PRE-2', 'live_sessions', 'sessions', 'true', 'streamer_id'),
    ('PRE-3', 'products', 'offers', 'true', 'streamer_id'),
    ('IN-1', 'live_sessions', 'sessions', 'true', 'streamer_id'),
    ('IN-1', 'findings', 'findings', 'not is_veto', 'streamer_id'),
    ('IN-2', 'orders', 'orders', 'is_price_checked', 'streamer_id'),
    ('IN-3', 'cs_conversations', 'conversations', 'true', 'cast(null as ' ~ dbt.type_string() ~ ')'),
    ('POST-1', 'orders', 'orders', 'is_shipment_due', 'streamer_id'),
    ('POST-2', 'orders', 'orders', 'delivery_hours is not null', 'streamer_id'),
    ('POST-3', 'orders', 'orders', 'is_shipped', 'streamer_id'),
    ('POST-4', 'after_sales', 'after_sales_cases', 'is_due', 'streamer_id'),
    ('POST-5', 'complaints', 'complaints', 'true', 'streamer_id'),
    ('POST-5', 'orders', 'orders', 'true', 'streamer_id'),
    ('POST-6', 'complaints', 'complaints', 'is_due', 'streamer_id'),
    ('POST-7', 'reviews', 'reviews', 'true', 'streamer_id'),
] %}

counted_records as (
    {%- for indicator_id, source, relation, condition, streamer in counted %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        '{{ indicator_id }}' as indicator_id,
        '{{ source }}' as source,
        operator_id,
        {{ streamer }} as streamer_id,
        delivered_dt,
        file_name,
        file_sha256
    from {{ relation }}
    where {{ condition }}
    {%- endfor %}

),

final as (

    select
        indicator_id,
        source,
        operator_id,
        streamer_id,
        delivered_dt,
        file_name,
        file_sha256,
        count(*) as record_count
    from counted_records
    group by 1, 2, 3, 4, 5, 6, 7

)

select * from final
