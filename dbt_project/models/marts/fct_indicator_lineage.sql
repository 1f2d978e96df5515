-- Row-level lineage of every indicator value (standard clause 5): for each evaluated
-- subject and indicator, the delivered files whose current record versions fed the value
-- and how many rows of each.
--   role 'counted':   records counted in the numerator or the denominator (for PRE-1 the
--                     subject's snapshot row, or its members' for agencies and platforms);
--   role 'looked_up': records consulted to decide whether, or for whom, a counted record
--                     counts (int_indicator_looked_up_records), and for agencies and
--                     platforms the member snapshot rows that link the counted records to
--                     them (the streamer's agency, the operator's platform).
-- Subjects are attributed as in fct_subject_indicators: operators and streamers by the ids
-- their records carry, agencies through their evaluated streamers, platforms through their
-- evaluated operators.
with

counted as (

    select * from {{ ref('int_indicator_counted_files') }}

),

looked_up as (

    select * from {{ ref('int_indicator_looked_up_records') }}

),

operators as (

    select * from {{ ref('int_operators_evaluated') }}

),

streamers as (

    select * from {{ ref('int_streamers_evaluated') }}

),

-- Each subject and the members whose records are attributed to it, with the snapshot row
-- of the member (member_kind says which id of a record names the member).
subject_members as (

    select
        'operator' as subject_kind,
        operator_id as subject_id,
        'operator' as member_kind,
        operator_id as member_id,
        'operators' as member_source,
        delivered_dt,
        file_name,
        file_sha256
    from operators

    union all

    select
        'platform',
        platform,
        'operator',
        operator_id,
        'operators',
        delivered_dt,
        file_name,
        file_sha256
    from operators

    union all

    select
        'streamer',
        streamer_id as subject_id,
        'streamer',
        streamer_id as member_id,
        'streamers',
        delivered_dt,
        file_name,
        file_sha256
    from streamers

    union all

    select
        'agency',
        agency_id,
        'streamer',
        streamer_id,
        'streamers',
        delivered_dt,
        file_name,
        file_sha256
    from streamers
    where agency_id is not null

),

-- the lineage facts once per id that can name a member: a record counts for its operator
-- and, when it names one, for its streamer
counted_by_member as (

    select
        'operator' as member_kind,
        operator_id as member_id,
        counted.*
    from counted

    union all

    select
        'streamer',
        streamer_id,
        counted.*
    from counted
    where streamer_id is not null

),

looked_up_by_member as (

    select
        'operator' as member_kind,
        operator_id as member_id,
        looked_up.*
    from looked_up

    union all

    select
        'streamer',
        streamer_id,
        looked_up.*
    from looked_up
    where streamer_id is not null

),

counted_rows as (

    select
        subject_members.subject_kind,
        subject_members.subject_id,
        counted_by_member.indicator_id,
        'counted' as role,
        counted_by_member.source,
        counted_by_member.delivered_dt,
        counted_by_member.file_name,
        counted_by_member.file_sha256,
        sum(counted_by_member.record_count) as row_count
    from counted_by_member
    inner join subject_members
        on counted_by_member.member_kind = subject_members.member_kind
        and counted_by_member.member_id = subject_members.member_id
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

looked_up_rows as (

    select
        subject_members.subject_kind,
        subject_members.subject_id,
        looked_up_by_member.indicator_id,
        'looked_up' as role,
        looked_up_by_member.source,
        looked_up_by_member.delivered_dt,
        looked_up_by_member.file_name,
        looked_up_by_member.file_sha256,
        count(distinct looked_up_by_member.record_key) as row_count
    from looked_up_by_member
    inner join subject_members
        on looked_up_by_member.member_kind = subject_members.member_kind
        and looked_up_by_member.member_id = subject_members.member_id
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

-- PRE-1 counts the snapshot rows themselves: the subject's, or its members'
verification_rows as (

    select
        subject_kind,
        subject_id,
        'PRE-1' as indicator_id,
        'counted' as role,
        member_source as source,
        delivered_dt,
        file_name,
        file_sha256,
        count(*) as row_count
    from subject_members
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

-- agencies and platforms: the snapshot rows of the members with counted records
member_link_rows as (

    select
        member_indicators.subject_kind,
        member_indicators.subject_id,
        member_indicators.indicator_id,
        'looked_up' as role,
        member_indicators.member_source as source,
        member_indicators.delivered_dt,
        member_indicators.file_name,
        member_indicators.file_sha256,
        count(*) as row_count
    from (
        select distinct
            subject_members.subject_kind,
            subject_members.subject_id,
            counted_by_member.indicator_id,
            subject_members.member_id,
            subject_members.member_source,
            subject_members.delivered_dt,
            subject_members.file_name,
            subject_members.file_sha256
        from counted_by_member
        inner join subject_members
            on counted_by_member.member_kind = subject_members.member_kind
            and counted_by_member.member_id = subject_members.member_id
        where subject_members.subject_kind in ('agency', 'platform')
    ) as member_indicators
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

lineage_rows as (

    select * from counted_rows
    union all
    select * from looked_up_rows
    union all
    select * from verification_rows
    union all
    select * from member_link_rows

),

final as (

    select
        concat_ws(
            '|', subject_kind, subject_id, indicator_id, role, source,
            cast(delivered_dt as {{ dbt.type_string() }}), file_name
        ) as lineage_key,
        subject_kind,
        subject_id,
        indicator_id,
        role,
        source,
        delivered_dt,
        file_name,
        file_sha256,
        cast(row_count as bigint) as row_count
    from lineage_rows

)

select * from final
