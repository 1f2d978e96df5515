{#- The indicators counted from records (int_indicator_records), with how the record
    values of each add up for a subject: `sum` of the numerator and denominator columns,
    `count_distinct` numerator keys per member (POST-5 complaint groups), or the `median`
    of the value column (POST-2). PRE-1 is counted from subject membership instead. The
    record-level rules themselves are written once, in int_indicator_records. -#}
{% macro record_indicators() -%}
    {{ return({
        'PRE-2': 'sum', 'PRE-3': 'sum', 'IN-1': 'sum', 'IN-2': 'sum', 'IN-3': 'sum',
        'POST-1': 'sum', 'POST-2': 'median', 'POST-3': 'sum', 'POST-4': 'sum',
        'POST-5': 'count_distinct', 'POST-6': 'sum', 'POST-7': 'sum'
    }) }}
{%- endmacro %}

{#- The column of int_indicator_records holding an indicator's role: `numerator`,
    `denominator` or `value` (POST-2 -> post_2_denominator). -#}
{% macro indicator_column(indicator_id, role) -%}
    {{ indicator_id | lower | replace('-', '_') }}_{{ role }}
{%- endmacro %}

{#- Attribution: a record counts for its operator and, when it names one, for its
    streamer (member_kind, member_id); int_subject_members takes it on from the member to
    each subject (the member itself, its platform or agency). The relation is read once (a
    cross join with the two kinds, not a union of two reads): DuckDB materialises whole a
    relation a query reads twice, and at scale that spills. -#}
{% macro attributed_to_members(relation) -%}
    select * from (
        select
            member_kinds.member_kind,
            case member_kinds.member_kind
                when 'operator' then attributed.operator_id
                else attributed.streamer_id
            end as member_id,
            attributed.*
        from {{ relation }} as attributed
        cross join (
            select 'operator' as member_kind
            union all
            select 'streamer' as member_kind
        ) as member_kinds
    ) as by_member
    where member_id is not null
{%- endmacro %}

{#- An after-sales case of a quality reason (POST-3). -#}
{% macro is_quality_return(reason) -%}
    ({{ reason }} in {{ sql_list(rule('quality_return_reasons')) }})
{%- endmacro %}

{# One row per indicator id: the rows every per-indicator table is built from. #}
{% macro indicator_id_rows(indicator_ids) -%}
    {%- for indicator_id in indicator_ids %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select '{{ indicator_id }}' as indicator_id
    {%- endfor %}
{%- endmacro %}
