-- Row-level lineage of every indicator value (standard clause 5): for each evaluated
-- subject and indicator, the delivered files whose current record versions fed the value
-- and how many rows of each.
--   role 'counted':   records counted in the numerator or the denominator: the rows of
--                     int_indicator_records whose denominator column is set, grouped by
--                     subject and file as fct_subject_indicators groups them by subject
--                     (for PRE-1 the subject's snapshot row, or its members');
--   role 'looked_up': records consulted to decide whether, or for whom, a counted record
--                     counts (int_indicator_looked_up_records), and for agencies and
--                     platforms the member snapshot rows that link the counted records to
--                     them (the streamer's agency, the operator's platform).
-- Subjects are attributed through int_subject_members, as in fct_subject_indicators.
with

records as (

    select * from {{ ref('int_indicator_records') }}

),

looked_up as (

    select * from {{ ref('int_indicator_looked_up_records') }}

),

members as (

    select * from {{ ref('int_subject_members') }}

),

indicator_ids as (

    {%- for indicator_id in record_indicators() %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select '{{ indicator_id }}' as indicator_id
    {%- endfor %}

),

records_by_member as (

    {{ attributed_to_members('records') }}

),

-- per operator or streamer and delivered file: how many of its records each indicator counts
member_files as (

    select
        member_kind,
        member_id,
        source,
        delivered_dt,
        file_name,
        file_sha256
        {%- for indicator_id in record_indicators() %},
        count({{ indicator_column(indicator_id, 'denominator') }}) as {{ indicator_column(indicator_id, 'denominator') }}
        {%- endfor %}
    from records_by_member
    group by 1, 2, 3, 4, 5, 6

),

member_indicator_files as (

    select * from (
        select
            member_files.member_kind,
            member_files.member_id,
            indicator_ids.indicator_id,
            member_files.source,
            member_files.delivered_dt,
            member_files.file_name,
            member_files.file_sha256,
            case indicator_ids.indicator_id
                {%- for indicator_id in record_indicators() %}
                when '{{ indicator_id }}' then member_files.{{ indicator_column(indicator_id, 'denominator') }}
                {%- endfor %}
            end as record_count
        from member_files
        cross join indicator_ids
    ) as unpivoted
    where record_count > 0

),

counted_rows as (

    select
        members.subject_kind,
        members.subject_id,
        member_indicator_files.indicator_id,
        'counted' as role,
        member_indicator_files.source,
        member_indicator_files.delivered_dt,
        member_indicator_files.file_name,
        member_indicator_files.file_sha256,
        sum(member_indicator_files.record_count) as row_count
    from member_indicator_files
    inner join members
        on member_indicator_files.member_kind = members.member_kind
        and member_indicator_files.member_id = members.member_id
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

looked_up_rows as (

    select
        members.subject_kind,
        members.subject_id,
        looked_up.indicator_id,
        'looked_up' as role,
        looked_up.source,
        looked_up.delivered_dt,
        looked_up.file_name,
        looked_up.file_sha256,
        count(distinct looked_up.record_key) as row_count
    from looked_up
    inner join members
        on looked_up.member_kind = members.member_kind
        and looked_up.member_id = members.member_id
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
    from members
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

-- agencies and platforms: the snapshot rows of the members with counted records
member_link_rows as (

    select
        members.subject_kind,
        members.subject_id,
        member_indicators.indicator_id,
        'looked_up' as role,
        members.member_source as source,
        members.delivered_dt,
        members.file_name,
        members.file_sha256,
        count(*) as row_count
    from (
        select distinct
            member_kind,
            member_id,
            indicator_id
        from member_indicator_files
    ) as member_indicators
    inner join members
        on member_indicators.member_kind = members.member_kind
        and member_indicators.member_id = members.member_id
    where members.subject_kind in ('agency', 'platform')
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
