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
        -- lineage: the delivered file of this record version (fct_indicator_lineage)
        delivered_dt,
        file_name,
        file_sha256
    from sessions
    where {{ in_period('started_at') }}

)

select * from final
