-- The latest snapshot state of each record delivered up to the cutoff.
with

final as (

    {{ current_version('operators', ref('stg_extracts__operators'), ['operator_id']) }}

)

select * from final
