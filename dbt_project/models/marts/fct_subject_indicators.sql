-- Every indicator of every evaluated subject (grain: subject x indicator), with the
-- numerator and denominator it is computed from and its raw value in the indicator's
-- unit. The counts group the record-level rules of int_indicator_records by subject
-- (through int_subject_members); PRE-1 is the subject's verified members. Agencies and
-- platforms sum their members' numerators and denominators, never averages of scores;
-- POST-2 is the median of the pooled delivery times. Scoring, smoothing and grades
-- happen downstream from these counts.
with

subjects as (

    select * from {{ ref('dim_subjects') }}

),

members as (

    select * from {{ ref('int_subject_members') }}

),

-- the records twice, each read once: DuckDB materialises whole a CTE a query reads twice
records as (

    select * from {{ ref('int_indicator_records') }}

),

timed_records as (

    select * from {{ ref('int_indicator_records') }}
    where false
        {%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
        or {{ indicator_column(indicator_id, 'denominator') }} is not null
        {%- endfor %}

),

indicator_ids as (

    {{ indicator_id_rows(indicator_scales()) }}

),

records_by_member as (

    {{ attributed_to_members('records') }}

),

timed_records_by_member as (

    {{ attributed_to_members('timed_records') }}

),

-- per operator and streamer; a complaint group counts once per member
member_counts as (

    select
        member_kind,
        member_id
        {%- for indicator_id, aggregation in record_indicators().items() if aggregation != 'median' %},
        {%- if aggregation == 'count_distinct' %}
        count(distinct {{ indicator_column(indicator_id, 'numerator') }}) as {{ indicator_column(indicator_id, 'numerator') }},
        {%- else %}
        sum({{ indicator_column(indicator_id, 'numerator') }}) as {{ indicator_column(indicator_id, 'numerator') }},
        {%- endif %}
        sum({{ indicator_column(indicator_id, 'denominator') }}) as {{ indicator_column(indicator_id, 'denominator') }}
        {%- endfor %}
    from records_by_member
    group by 1, 2

),

subject_sums as (

    select
        members.subject_kind,
        members.subject_id
        {%- for indicator_id, aggregation in record_indicators().items() if aggregation != 'median' %}
        {%- for role in ['numerator', 'denominator'] %},
        cast(sum(member_counts.{{ indicator_column(indicator_id, role) }}) as double)
            as {{ indicator_column(indicator_id, role) }}
        {%- endfor %}
        {%- endfor %}
    from member_counts
    inner join members
        on member_counts.member_kind = members.member_kind
        and member_counts.member_id = members.member_id
    group by 1, 2

),

-- medians over the pooled record values, whatever the kind of subject: each value counted
-- per member, then per subject, then the two middle values found from the running counts
-- (a sort of the distinct values; an ordered aggregate would hold every value of a platform)
{%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
{%- set value = indicator_column(indicator_id, 'value') %}

member_values_{{ loop.index }} as (

    select
        member_kind,
        member_id,
        {{ value }} as record_value,
        count(*) as records
    from timed_records_by_member
    where {{ value }} is not null
    group by 1, 2, 3

),

subject_values_{{ loop.index }} as (

    select
        members.subject_kind,
        members.subject_id,
        member_values.record_value,
        sum(member_values.records) as records
    from member_values_{{ loop.index }} as member_values
    inner join members
        on member_values.member_kind = members.member_kind
        and member_values.member_id = members.member_id
    group by 1, 2, 3

),

running_counts_{{ loop.index }} as (

    select
        subject_kind,
        subject_id,
        record_value,
        sum(records) over (
            partition by subject_kind, subject_id order by record_value
            rows between unbounded preceding and current row
        ) as records_up_to,
        sum(records) over (partition by subject_kind, subject_id) as records_total
    from subject_values_{{ loop.index }}

),

-- the lower middle is the first value whose running count reaches half the total, the upper
-- the first that passes it (one value when the total is odd): exact_median's two halves
medians_{{ loop.index }} as (

    select
        subject_kind,
        subject_id,
        cast(max(records_total) as double) as denominator,
        cast((
            min(record_value) filter (where 2 * records_up_to >= records_total)
            + min(record_value) filter (where 2 * records_up_to > records_total)
        ) / 2 as double) as median_value
    from running_counts_{{ loop.index }}
    group by 1, 2

),
{%- endfor %}

subject_medians as (

    select
        subjects.subject_kind,
        subjects.subject_id
        {%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %},
        medians_{{ loop.index }}.denominator as {{ indicator_column(indicator_id, 'denominator') }},
        medians_{{ loop.index }}.median_value as {{ indicator_column(indicator_id, 'value') }}
        {%- endfor %}
    from subjects
    {%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
    left join medians_{{ loop.index }}
        on subjects.subject_kind = medians_{{ loop.index }}.subject_kind
        and subjects.subject_id = medians_{{ loop.index }}.subject_id
    {%- endfor %}

),

counts as (

    select
        subjects.subject_kind,
        subjects.subject_id,
        subjects.platform,
        indicator_ids.indicator_id,
        case indicator_ids.indicator_id
            when 'PRE-1' then cast(subjects.members_verified as double)
            {%- for indicator_id, aggregation in record_indicators().items() %}
            {%- if aggregation == 'median' %}
            when '{{ indicator_id }}' then cast(null as double)
            {%- else %}
            when '{{ indicator_id }}' then subject_sums.{{ indicator_column(indicator_id, 'numerator') }}
            {%- endif %}
            {%- endfor %}
        end as numerator,
        case indicator_ids.indicator_id
            when 'PRE-1' then cast(subjects.members_evaluated as double)
            {%- for indicator_id, aggregation in record_indicators().items() %}
            {%- if aggregation == 'median' %}
            when '{{ indicator_id }}' then subject_medians.{{ indicator_column(indicator_id, 'denominator') }}
            {%- else %}
            when '{{ indicator_id }}' then subject_sums.{{ indicator_column(indicator_id, 'denominator') }}
            {%- endif %}
            {%- endfor %}
        end as denominator,
        case indicator_ids.indicator_id
            {%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
            when '{{ indicator_id }}' then subject_medians.{{ indicator_column(indicator_id, 'value') }}
            {%- endfor %}
        end as median_value
    from subjects
    cross join indicator_ids
    left join subject_sums
        on subjects.subject_kind = subject_sums.subject_kind
        and subjects.subject_id = subject_sums.subject_id
    left join subject_medians
        on subjects.subject_kind = subject_medians.subject_kind
        and subjects.subject_id = subject_medians.subject_id

),

final as (

    select
        concat(subject_kind, ':', subject_id, ':', indicator_id) as subject_indicator_key,
        subject_kind,
        subject_id,
        platform,
        indicator_id,
        case
            when indicator_id = 'POST-2' then cast(null as double)
            else coalesce(numerator, 0.0)
        end as numerator,
        coalesce(denominator, 0.0) as denominator,
        case
            when indicator_id = 'POST-2' then median_value
            when coalesce(denominator, 0) > 0
                then numerator / denominator * (
                    case indicator_id
                        {%- for indicator_id, scale in indicator_scales().items() %}
                        when '{{ indicator_id }}' then {{ scale }}
                        {%- endfor %}
                    end
                )
        end as raw_value
    from counts

)

select * from final
