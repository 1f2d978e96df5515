-- One row per subject evaluated in P, of every kind, with the peer group its smoothing
-- pools over: operators by (platform, main category), streamers by platform, agencies all
-- together. Platforms are never smoothed; their group is nominal. Members and their
-- verification (PRE-1) come from int_subject_members; agencies and platforms are not
-- vetoed themselves, they report how many of their members were.
with

members as (

    select * from {{ ref('int_subject_members') }}

),

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

vetoed_members as (

    select distinct
        'operator' as member_kind,
        operator_id as member_id
    from vetoes

    union

    select distinct
        'streamer' as member_kind,
        streamer_id as member_id
    from vetoes
    where streamer_id is not null

),

member_counts as (

    select
        members.subject_kind,
        members.subject_id,
        count(*) as members_evaluated,
        count(case when members.is_verified then 1 end) as members_verified,
        count(vetoed_members.member_id) as members_vetoed
    from members
    left join vetoed_members
        on members.member_kind = vetoed_members.member_kind
        and members.member_id = vetoed_members.member_id
    group by 1, 2

),

subjects as (

    select
        'operator' as subject_kind,
        operator_id as subject_id,
        operator_name as subject_name,
        platform,
        main_category,
        concat(platform, '|', main_category) as peer_group
    from operators

    union all

    select
        'streamer' as subject_kind,
        streamer_id as subject_id,
        display_name as subject_name,
        platform,
        cast(null as {{ dbt.type_string() }}) as main_category,
        platform as peer_group
    from streamers

    union all

    select
        'agency' as subject_kind,
        member_counts.subject_id,
        agencies.agency_name as subject_name,
        cast(null as {{ dbt.type_string() }}) as platform,
        cast(null as {{ dbt.type_string() }}) as main_category,
        'all agencies' as peer_group
    from member_counts
    left join agencies on member_counts.subject_id = agencies.agency_id
    where member_counts.subject_kind = 'agency'

    union all

    select
        'platform' as subject_kind,
        subject_id,
        subject_id as subject_name,
        subject_id as platform,
        cast(null as {{ dbt.type_string() }}) as main_category,
        'all platforms' as peer_group
    from member_counts
    where subject_kind = 'platform'

),

final as (

    select
        concat(subjects.subject_kind, ':', subjects.subject_id) as subject_key,
        subjects.subject_kind,
        subjects.subject_id,
        subjects.subject_name,
        subjects.platform,
        subjects.main_category,
        subjects.peer_group,
        member_counts.members_evaluated,
        member_counts.members_verified,
        case
            when subjects.subject_kind in ('agency', 'platform') then member_counts.members_vetoed
        end as members_vetoed
    from subjects
    inner join member_counts
        on subjects.subject_kind = member_counts.subject_kind
        and subjects.subject_id = member_counts.subject_id

)

select * from final
