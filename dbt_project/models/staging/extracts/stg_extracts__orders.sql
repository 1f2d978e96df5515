with

source as (

    select * from {{ source('extracts', 'orders') }}

),

renamed as (

    select
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(buyer_id as {{ dbt.type_string() }}) as buyer_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(pay_amount as decimal(18, 2)) as pay_amount,
        cast(paid_at as {{ dbt.type_timestamp() }}) as paid_at,
        cast(promised_ship_by as {{ dbt.type_timestamp() }}) as promised_ship_by,
        cast(shipped_at as {{ dbt.type_timestamp() }}) as shipped_at,
        cast(delivered_at as {{ dbt.type_timestamp() }}) as delivered_at,
        cast(cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(cancel_party as {{ dbt.type_string() }}) as cancel_party,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
