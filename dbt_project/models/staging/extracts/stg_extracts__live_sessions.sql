with

source as (

    select * from {{ source('extracts', 'live_sessions') }}

),

renamed as (

    select
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(operator_id as {{ dbt.type_string() }}) as operator_id,
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(license_displayed as {{ dbt.type_boolean() }}) as license_displayed,
        cast(peak_viewers as {{ dbt.type_bigint() }}) as peak_viewers,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
