-- Streamers evaluated in P: at least one session hosted in P or one order of P carrying
-- their id, with snapshot attributes (verification, agency link) as of the cutoff.
with

sessions as (

    select * from {{ ref('int_sessions_scored') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

streamers as (

    select * from {{ ref('int_streamers_current') }}

),

active as (

    select streamer_id from sessions
    union
    select streamer_id from orders
    where streamer_id is not null

),

final as (

    select
        streamers.streamer_id,
        streamers.display_name,
        streamers.platform,
        streamers.agency_id,
        streamers.real_name_verified,
        -- lineage: the file of the snapshot row in effect, by its number (fct_indicator_lineage)
        streamers.file_number
    from active
    inner join streamers on active.streamer_id = streamers.streamer_id

)

select * from final
