-- One row per subject evaluated in P, of every kind, with the peer group its smoothing
-- pools over: operators by (platform, main category), streamers by platform, agencies all
-- together. Platforms are never smoothed; their group is nominal.
with

operators as (

    select * from {{ ref('int_operators_evaluated') }}

),

streamers as (

    select * from {{ ref('int_streamers_evaluated') }}

),

agencies as (

    select * from {{ ref('int_agencies_current') }}

),

vetoes as (

    select * from {{ ref('int_findings_scored') }}
    where is_veto

),

vetoed_operators as (

    select distinct operator_id from vetoes

),

vetoed_streamers as (

    select distinct streamer_id from vetoes
    where streamer_id is not null

),

-- agencies and platforms are not vetoed themselves; they report how many members were
agency_members as (

    select
        streamers.agency_id,
        count(*) as members_evaluated,
        sum(case when streamers.real_name_verified then 1 else 0 end) as members_verified,
        count(vetoed_streamers.streamer_id) as members_vetoed
    from streamers
    left join vetoed_streamers on streamers.streamer_id = vetoed_streamers.streamer_id
    where streamers.agency_id is not null
    group by 1

),

platform_members as (

    select
        operators.platform,
        count(*) as members_evaluated,
        sum(case when operators.license_verified and operators.has_valid_credit_code then 1 else 0 end)
            as members_verified,
        count(vetoed_operators.operator_id) as members_vetoed
    from operators
    left join vetoed_operators on operators.operator_id = vetoed_operators.operator_id
    group by 1

),

final as (

    select
        concat('operator:', operator_id) as subject_key,
        'operator' as subject_kind,
        operator_id as subject_id,
        operator_name as subject_name,
        platform,
        main_category,
        concat(platform, '|', main_category) as peer_group,
        cast(1 as bigint) as members_evaluated,
        cast(case when license_verified and has_valid_credit_code then 1 else 0 end as bigint) as members_verified,
        cast(null as bigint) as members_vetoed
    from operators

    union all

    select
        concat('streamer:', streamer_id),
        'streamer',
        streamer_id,
        display_name,
        platform,
        cast(null as {{ dbt.type_string() }}),
        platform as peer_group,
        cast(1 as bigint),
        cast(case when real_name_verified then 1 else 0 end as bigint),
        cast(null as bigint)
    from streamers

    union all

    select
        concat('agency:', agency_members.agency_id),
        'agency',
        agency_members.agency_id,
        agencies.agency_name,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        'all agencies',
        agency_members.members_evaluated,
        agency_members.members_verified,
        agency_members.members_vetoed
    from agency_members
    left join agencies on agency_members.agency_id = agencies.agency_id

    union all

    select
        concat('platform:', platform),
        'platform',
        platform as subject_id,
        platform as subject_name,
        platform,
        cast(null as {{ dbt.type_string() }}),
        'all platforms',
        members_evaluated,
        members_verified,
        members_vetoed
    from platform_members

)

select * from final
