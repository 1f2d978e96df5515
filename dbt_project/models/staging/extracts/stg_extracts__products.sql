with

source as (

    select * from {{ source('extracts', 'products') }}

),

renamed as (

    select
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(announced_price as decimal(18, 2)) as announced_price,
        cast(listed_price as decimal(18, 2)) as listed_price,
        cast(spec as {{ dbt.type_string() }}) as spec,
        cast(origin as {{ dbt.type_string() }}) as origin,
        cast(manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(certificate_required as {{ dbt.type_boolean() }}) as certificate_required,
        cast(certificate_no as {{ dbt.type_string() }}) as certificate_no,
        cast(after_sales_policy as {{ dbt.type_string() }}) as after_sales_policy,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
