-- The latest snapshot state of each record delivered up to the cutoff.
with

final as (

    {{ current_version('agencies', ref('stg_extracts__agencies'), ['agency_id']) }}

)

select * from final
