-- Row-level lineage of every indicator value (standard clause 5): for each evaluated
-- subject and indicator, the delivered files whose current record versions fed the value
-- and how many rows of each.
--   role 'counted':   records counted in the numerator or the denominator: the rows of
--                     int_indicator_records whose denominator column is set (counted per
--                     member and file in int_indicator_member_files), grouped by subject
--                     and file as fct_subject_indicators groups them by subject
--                     (for PRE-1 the subject's snapshot row, or its members');
--   role 'looked_up': records consulted to decide whether, or for whom, a counted record
--                     counts (int_indicator_looked_up_records), and for agencies and
--                     platforms the member snapshot rows that link the counted records to
--                     them (the streamer's agency, the operator's platform).
-- Subjects are attributed through int_subject_members, as in fct_subject_indicators.
with

-- Each large relation is imported once per use: DuckDB materialises whole a CTE a query
-- reads twice. An operator or streamer is its own only member, and the two intermediate
-- models are unique per member and file (counted) or per member and record (looked up):
-- its rows need no aggregation. Only agencies and platforms pool their members' rows.
own_member_files as (

    select * from {{ ref('int_indicator_member_files') }}

),

pooled_member_files as (

    select * from {{ ref('int_indicator_member_files') }}

),

member_indicators as (

    select distinct
        member_kind,
        member_id,
        indicator_id
    from {{ ref('int_indicator_member_files') }}

),

own_looked_up as (

    select * from {{ ref('int_indicator_looked_up_records') }}

),

pooled_looked_up as (

    select * from {{ ref('int_indicator_looked_up_records') }}

),

members as (

    select * from {{ ref('int_subject_members') }}

),

-- the models below name a file by its number: its dt, name and checksum are joined back
-- once, on the lineage rows, rather than carried and grouped as strings through every join
files as (

    select * from {{ ref('int_delivered_files') }}

),

own_members as (

    select * from members
    where subject_kind = member_kind

),

pooling_members as (

    select * from members
    where subject_kind <> member_kind

),

counted_rows as (

    select
        own_members.subject_kind,
        own_members.subject_id,
        own_member_files.indicator_id,
        'counted' as role,
        own_member_files.source,
        own_member_files.file_number,
        own_member_files.record_count as row_count
    from own_member_files
    inner join own_members
        on own_member_files.member_kind = own_members.member_kind
        and own_member_files.member_id = own_members.member_id

    union all

    select
        pooling_members.subject_kind,
        pooling_members.subject_id,
        pooled_member_files.indicator_id,
        'counted' as role,
        pooled_member_files.source,
        pooled_member_files.file_number,
        sum(pooled_member_files.record_count) as row_count
    from pooled_member_files
    inner join pooling_members
        on pooled_member_files.member_kind = pooling_members.member_kind
        and pooled_member_files.member_id = pooling_members.member_id
    group by 1, 2, 3, 4, 5, 6

),

looked_up_rows as (

    select
        own_members.subject_kind,
        own_members.subject_id,
        own_looked_up.indicator_id,
        'looked_up' as role,
        own_looked_up.source,
        own_looked_up.file_number,
        count(*) as row_count
    from own_looked_up
    inner join own_members
        on own_looked_up.member_kind = own_members.member_kind
        and own_looked_up.member_id = own_members.member_id
    group by 1, 2, 3, 4, 5, 6

    union all

    -- one looked-up record can serve members of one agency or platform: counted once
    select
        pooling_members.subject_kind,
        pooling_members.subject_id,
        pooled_looked_up.indicator_id,
        'looked_up' as role,
        pooled_looked_up.source,
        pooled_looked_up.file_number,
        count(distinct pooled_looked_up.record_key) as row_count
    from pooled_looked_up
    inner join pooling_members
        on pooled_looked_up.member_kind = pooling_members.member_kind
        and pooled_looked_up.member_id = pooling_members.member_id
    group by 1, 2, 3, 4, 5, 6

),

-- PRE-1 counts the snapshot rows themselves: the subject's, or its members'
verification_rows as (

    select
        subject_kind,
        subject_id,
        'PRE-1' as indicator_id,
        'counted' as role,
        member_source as source,
        file_number,
        count(*) as row_count
    from members
    group by 1, 2, 3, 4, 5, 6

),

-- agencies and platforms: the snapshot rows of the members with counted records
member_link_rows as (

    select
        members.subject_kind,
        members.subject_id,
        member_indicators.indicator_id,
        'looked_up' as role,
        members.member_source as source,
        members.file_number,
        count(*) as row_count
    from member_indicators
    inner join members
        on member_indicators.member_kind = members.member_kind
        and member_indicators.member_id = members.member_id
    where members.subject_kind in ('agency', 'platform')
    group by 1, 2, 3, 4, 5, 6

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
        lineage_rows.subject_kind,
        lineage_rows.subject_id,
        lineage_rows.indicator_id,
        lineage_rows.role,
        lineage_rows.source,
        files.delivered_dt,
        files.file_name,
        files.file_sha256,
        cast(lineage_rows.row_count as bigint) as row_count,
        concat_ws(
            '|', lineage_rows.subject_kind, lineage_rows.subject_id, lineage_rows.indicator_id,
            lineage_rows.role, lineage_rows.source, cast(files.delivered_dt as {{ dbt.type_string() }}),
            files.file_name
        ) as lineage_key
    from lineage_rows
    inner join files on lineage_rows.file_number = files.file_number

)

select * from final
