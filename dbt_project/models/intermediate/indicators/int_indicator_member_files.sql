-- The counted records of int_indicator_records by member and delivered file: for each
-- operator or streamer, indicator and file, how many of its records the indicator counts
-- (its denominator column is set). fct_indicator_lineage takes these on to subjects
-- through int_subject_members, as fct_subject_indicators does with the record values.
-- Built in buckets of member_id (macros/buckets.sql): at SF50 one query runs out of memory.
{{ config(post_hook=other_buckets()) }}

with

records as (

    select * from {{ ref('int_indicator_records') }}

),

indicator_ids as (

    {{ indicator_id_rows(record_indicators()) }}

),

records_by_member as (

    {{ attributed_to_members('records') }}

),

member_files as (

    select
        member_kind,
        member_id,
        source,
        file_number
        {%- for indicator_id in record_indicators() %},
        count({{ indicator_column(indicator_id, 'denominator') }}) as {{ indicator_column(indicator_id, 'denominator') }}
        {%- endfor %}
    from records_by_member
    where {{ in_bucket('member_id') }}
    group by 1, 2, 3, 4

),

unpivoted as (

    select
        member_files.member_kind,
        member_files.member_id,
        indicator_ids.indicator_id,
        member_files.source,
        member_files.file_number,
        case indicator_ids.indicator_id
            {%- for indicator_id in record_indicators() %}
            when '{{ indicator_id }}' then member_files.{{ indicator_column(indicator_id, 'denominator') }}
            {%- endfor %}
        end as record_count
    from member_files
    cross join indicator_ids

),

final as (

    select * from unpivoted
    where record_count > 0

)

select * from final
