with

source as (

    select * from {{ source('extracts', 'streamers') }}

),

renamed as (

    select
        cast(streamer_id as {{ dbt.type_string() }}) as streamer_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(display_name as {{ dbt.type_string() }}) as display_name,
        cast(real_name_verified as {{ dbt.type_boolean() }}) as real_name_verified,
        cast(agency_id as {{ dbt.type_string() }}) as agency_id,
        cast(_dt as date) as delivered_dt,
        cast(_file_name as {{ dbt.type_string() }}) as file_name,
        cast(_file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(_line as {{ dbt.type_bigint() }}) as file_line
    from source
    -- as of the cutoff: only deliveries extracted on or before C exist for this run
    where _dt <= cast('{{ var("cutoff") }}' as date)

)

select * from renamed
