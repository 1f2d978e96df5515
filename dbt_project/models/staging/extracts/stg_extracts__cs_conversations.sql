with

source as (

    select * from {{ source('extracts', 'cs_conversations') }}

),

renamed as (

    select
        cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(buyer_id as {{ dbt.type_string() }}) as buyer_id,
        cast(first_message_at as {{ dbt.type_timestamp() }}) as first_message_at,
        cast(first_reply_at as {{ dbt.type_timestamp() }}) as first_reply_at,
        cast(in_service_hours as {{ dbt.type_boolean() }}) as in_service_hours,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
