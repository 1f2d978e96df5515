with

source as (

    select * from {{ source('extracts', 'complaints') }}

),

renamed as (

    select
        cast(complaint_id as {{ dbt.type_string() }}) as complaint_id,
        cast(complainant_id as {{ dbt.type_string() }}) as complainant_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(resolved as {{ dbt.type_boolean() }}) as resolved,
        cast(satisfaction as {{ dbt.type_bigint() }}) as satisfaction,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
