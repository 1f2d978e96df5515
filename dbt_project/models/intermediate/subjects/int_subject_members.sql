-- Subject membership, written once: each evaluated subject and the members whose records
-- are attributed to it, with the member's snapshot row as of the cutoff. An operator or
-- streamer is its own only member; a platform's members are its evaluated operators, an
-- agency's its evaluated streamers (by the streamer's agency link). `is_verified` is the
-- member's PRE-1 verification.
with

operators as (

    select * from {{ ref('int_operators_evaluated') }}

),

streamers as (

    select * from {{ ref('int_streamers_evaluated') }}

),

operator_members as (

    select
        operator_id as member_id,
        platform,
        coalesce(license_verified and has_valid_credit_code, false) as is_verified,
        file_number
    from operators

),

streamer_members as (

    select
        streamer_id as member_id,
        agency_id,
        coalesce(real_name_verified, false) as is_verified,
        file_number
    from streamers

),

final as (

    select
        'operator' as subject_kind,
        member_id as subject_id,
        'operator' as member_kind,
        member_id,
        'operators' as member_source,
        is_verified,
        file_number
    from operator_members

    union all

    select
        'platform' as subject_kind,
        platform as subject_id,
        'operator' as member_kind,
        member_id,
        'operators' as member_source,
        is_verified,
        file_number
    from operator_members

    union all

    select
        'streamer' as subject_kind,
        member_id as subject_id,
        'streamer' as member_kind,
        member_id,
        'streamers' as member_source,
        is_verified,
        file_number
    from streamer_members

    union all

    select
        'agency' as subject_kind,
        agency_id as subject_id,
        'streamer' as member_kind,
        member_id,
        'streamers' as member_source,
        is_verified,
        file_number
    from streamer_members
    where agency_id is not null

)

select * from final
