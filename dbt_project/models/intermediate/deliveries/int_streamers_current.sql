-- The latest snapshot state of each record delivered up to the cutoff.
with

snapshots as (

    select * from {{ ref('stg_extracts__streamers') }}

),

final as (

    {{ current_version('snapshots', ['streamer_id']) }}

)

select * from final
