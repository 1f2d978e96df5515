with

source as (

    select * from {{ source('extracts', 'findings') }}

),

renamed as (

    select
        cast(finding_id as {{ dbt.type_string() }}) as finding_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(detected_at as {{ dbt.type_timestamp() }}) as detected_at,
        cast(finding_type as {{ dbt.type_string() }}) as finding_type,
        cast(severity as {{ dbt.type_string() }}) as severity,
        -- renamed: `source` would shadow the CTE name
        cast(source.source as {{ dbt.type_string() }}) as detection_source,
        cast(confirmed as {{ dbt.type_boolean() }}) as confirmed,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
