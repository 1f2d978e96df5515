with

source as (

    select * from {{ source('extracts', 'reviews') }}

),

renamed as (

    select
        cast(review_id as {{ dbt.type_string() }}) as review_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(rating as {{ dbt.type_bigint() }}) as rating,
        cast(reviewed_at as {{ dbt.type_timestamp() }}) as reviewed_at,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
