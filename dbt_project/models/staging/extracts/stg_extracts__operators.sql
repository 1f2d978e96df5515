with

source as (

    select * from {{ source('extracts', 'operators') }}

),

renamed as (

    select
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(operator_name as {{ dbt.type_string() }}) as operator_name,
        cast(credit_code as {{ dbt.type_string() }}) as credit_code,
        cast(license_verified as {{ dbt.type_boolean() }}) as license_verified,
        cast(main_category as {{ dbt.type_string() }}) as main_category,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
