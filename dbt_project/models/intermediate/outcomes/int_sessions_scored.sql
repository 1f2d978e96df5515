-- Sessions started in P (PRE-2 and the IN-1 denominator), known by the cutoff.
with

sessions as (

    select * from {{ ref('int_sessions_current') }}

),

final as (

    select
        session_id,
        platform,
        operator_id,
        streamer_id,
        started_at,
        license_displayed,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        file_number
    from sessions
    where {{ in_period('started_at') }}

)

select * from final
