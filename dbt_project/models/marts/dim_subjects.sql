-- One row per subject evaluated in P, with the peer group its smoothing pools over.
with

operators as (

    select * from {{ ref('int_operators_evaluated') }}

),

final as (

    select
        concat('operator:', operator_id) as subject_key,
        'operator' as subject_kind,
        operator_id as subject_id,
        operator_name as subject_name,
        platform,
        main_category,
        -- operators pool with their platform and main category
        concat(platform, '|', main_category) as peer_group,
        license_verified and has_valid_credit_code as is_verified
    from operators

)

select * from final
