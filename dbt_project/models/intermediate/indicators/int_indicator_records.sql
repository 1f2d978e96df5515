-- sqlfluff:render_variant_limit:1
-- (the loops below are linted as rendered; a partial unrolling of them is no real query)
-- Every record an indicator counts, once: one row per record of P (a session, offer,
-- finding, order, conversation, after-sales case, complaint or review), with its
-- attribution (operator_id, streamer_id), its delivered file, and a column per indicator
-- role. `<indicator>_denominator` is null when the record does not count for the
-- indicator, 1 when it counts in the denominator, and 0 when it counts in the numerator
-- only (IN-1's findings, POST-5's complaints); `<indicator>_numerator` is its part of the
-- numerator (POST-5: its complaint group, counted once per subject member); POST-2 has a
-- `value` (delivery hours) instead of a numerator. fct_subject_indicators sums these
-- columns per subject, fct_indicator_lineage counts the records per subject and file, so
-- the lineage adds up to the denominator by construction.
{{ config(materialized='view') }}

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

{#- The record-level rule of each indicator (methodology.md, "Precise definitions"):
    'indicator source': (which of its records count, numerator, denominator). A boolean
    numerator counts 1 when true. Customer service is the operator's alone, so
    conversations name no streamer (IN-3 counts for none). -#}
{%- set rules = {
    'PRE-2 live_sessions': ('true', 'license_displayed', '1'),
    'PRE-3 products': ('true', 'is_complete', '1'),
    'IN-1 live_sessions': ('true', '0', '1'),
    'IN-1 findings': ('not is_veto', 'violation_points', '0'),
    'IN-2 orders': ('is_price_checked', 'is_price_consistent', '1'),
    'IN-3 cs_conversations': ('true', 'is_answered_on_time', '1'),
    'POST-1 orders': ('is_shipment_due', 'is_shipped_on_time', '1'),
    'POST-2 orders': ('delivery_hours is not null', 'delivery_hours', '1'),
    'POST-3 orders': ('is_shipped', 'has_quality_case', '1'),
    'POST-4 after_sales': ('is_due', 'is_on_time', '1'),
    'POST-5 complaints': ('true', 'complaint_group_key', '0'),
    'POST-5 orders': ('true', none, '1'),
    'POST-6 complaints': ('is_due', 'is_resolved_on_time', '1'),
    'POST-7 reviews': ('true', 'is_positive', '1'),
} -%}
{#- numerators that are counts already, not booleans -#}
{%- set counts_already = ['0', 'violation_points'] -%}

{#- (source, relation, record key, streamer, session, product, order) -#}
{%- set sources = [
    ('live_sessions', 'sessions', 'session_id', 'streamer_id', 'session_id', none, none),
    ('products', 'offers', "concat(session_id, '|', product_id)", 'streamer_id', 'session_id', 'product_id', none),
    ('findings', 'findings', 'finding_id', 'streamer_id', 'session_id', none, none),
    ('orders', 'orders', 'order_id', 'streamer_id', 'session_id', 'product_id', 'order_id'),
    ('cs_conversations', 'conversations', 'conversation_id', none, none, none, none),
    ('after_sales', 'after_sales_cases', 'case_id', 'streamer_id', none, none, 'order_id'),
    ('complaints', 'complaints', 'complaint_id', 'streamer_id', none, none, none),
    ('reviews', 'reviews', 'review_id', 'streamer_id', none, none, 'order_id'),
] -%}

{%- set no_string = 'cast(null as ' ~ dbt.type_string() ~ ')' %}

final as (
    {%- for source, relation, record_key, streamer, session, product, order in sources %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        '{{ source }}' as source,
        {{ record_key }} as record_key,
        operator_id,
        {{ streamer or no_string }} as streamer_id,
        {{ session or no_string }} as session_id,
        {{ product or no_string }} as product_id,
        {{ order or no_string }} as order_id,
        file_number
        {%- for indicator_id, aggregation in record_indicators().items() %}
        {%- set rule = rules.get(indicator_id ~ ' ' ~ source) %}
        {%- set numerator_role = 'value' if aggregation == 'median' else 'numerator' %}
        {%- set numerator_type = dbt.type_string() if aggregation == 'count_distinct'
            else ('double' if aggregation == 'median' else 'integer') %}
        {%- if rule is none %},
        cast(null as {{ numerator_type }}) as {{ indicator_column(indicator_id, numerator_role) }},
        cast(null as integer) as {{ indicator_column(indicator_id, 'denominator') }}
        {%- else %}
        {%- set counted, numerator, denominator = rule %}
        {%- if numerator is none %}
        {%- set numerator = 'null' %}
        {%- elif aggregation == 'sum' and numerator not in counts_already %}
        {%- set numerator = 'case when ' ~ numerator ~ ' then 1 else 0 end' %}
        {%- endif %},
        cast(case when {{ counted }} then {{ numerator }} end as {{ numerator_type }})
            as {{ indicator_column(indicator_id, numerator_role) }},
        cast(case when {{ counted }} then {{ denominator }} end as integer)
            as {{ indicator_column(indicator_id, 'denominator') }}
        {%- endif %}
        {%- endfor %}
    from {{ relation }}
    {%- endfor %}

)

select * from final
