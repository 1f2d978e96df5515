with

source as (

    select * from {{ source('extracts', 'after_sales') }}

),

renamed as (

    select
        cast(case_id as {{ dbt.type_string() }}) as case_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(case_type as {{ dbt.type_string() }}) as case_type,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(merchant_responsible as {{ dbt.type_boolean() }}) as merchant_responsible,
        cast(requested_at as {{ dbt.type_timestamp() }}) as requested_at,
        cast(resolved_at as {{ dbt.type_timestamp() }}) as resolved_at,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
