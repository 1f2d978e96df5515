-- The latest snapshot state of each record delivered up to the cutoff.
with

final as (

    {{ current_version('streamers', ref('stg_extracts__streamers'), ['streamer_id']) }}

)

select * from final
