-- Rows set aside at evaluation because they name a record unknown as of the cutoff
-- (reference checks; the ingest sets aside the other bad rows with file and line).
with

sessions as (

    select * from {{ ref('int_sessions_checked') }}
    where set_aside_reason is not null

),

offers as (

    select * from {{ ref('int_offers_checked') }}
    where set_aside_reason is not null

),

orders as (

    select * from {{ ref('int_orders_checked') }}
    where set_aside_reason is not null

),

conversations as (

    select * from {{ ref('int_conversations_checked') }}
    where set_aside_reason is not null

),

after_sales_cases as (

    select * from {{ ref('int_after_sales_cases_checked') }}
    where set_aside_reason is not null

),

complaints as (

    select * from {{ ref('int_complaints_checked') }}
    where set_aside_reason is not null

),

reviews as (

    select * from {{ ref('int_reviews_checked') }}
    where set_aside_reason is not null

),

findings as (

    select * from {{ ref('int_findings_checked') }}
    where set_aside_reason is not null

),

final as (

    select
        concat('live_sessions', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'live_sessions' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        session_id as record_key,
        set_aside_reason
    from sessions

    union all

    select
        concat('products', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'products' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        concat(session_id, '|', product_id) as record_key,
        set_aside_reason
    from offers

    union all

    select
        concat('orders', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'orders' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        order_id as record_key,
        set_aside_reason
    from orders

    union all

    select
        concat('cs_conversations', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'cs_conversations' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        conversation_id as record_key,
        set_aside_reason
    from conversations

    union all

    select
        concat('after_sales', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'after_sales' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        case_id as record_key,
        set_aside_reason
    from after_sales_cases

    union all

    select
        concat('complaints', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'complaints' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        complaint_id as record_key,
        set_aside_reason
    from complaints

    union all

    select
        concat('reviews', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'reviews' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        review_id as record_key,
        set_aside_reason
    from reviews

    union all

    select
        concat('findings', '|', file_sha256, '|', cast(file_line as {{ dbt.type_string() }})) as set_aside_key,
        'findings' as source,
        delivered_dt,
        file_name,
        file_sha256,
        file_line,
        finding_id as record_key,
        set_aside_reason
    from findings

)

select * from final
