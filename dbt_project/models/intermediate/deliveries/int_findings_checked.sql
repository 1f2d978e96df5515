-- Every delivered findings row up to the cutoff, with the reason it is set aside when it
-- names a record unknown among the good rows (null for a good row).
{{ config(materialized='view') }}  -- read twice (current versions, set-aside rows); a table costs more than the second read

with

delivered as (

    select * from {{ ref('stg_extracts__findings') }}

),

final as (

    {{ with_reference_checks('delivered', [
        ('session_id', ref('int_sessions_known'), 'session_id'),
        ('operator_id', ref('int_operators_current'), 'operator_id'),
        ('streamer_id', ref('int_streamers_current'), 'streamer_id')
    ]) }}

)

select * from final
