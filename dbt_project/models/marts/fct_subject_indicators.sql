-- Every indicator of every evaluated subject (grain: subject x indicator), with the
-- numerator and denominator it is computed from and its raw value in the indicator's
-- unit. The counts group the record-level rules of int_indicator_records by subject
-- (through int_subject_members); PRE-1 is the subject's verified members. Agencies and
-- platforms sum their members' numerators and denominators, never averages of scores;
-- POST-2 is the median of the pooled delivery times. Scoring, smoothing and grades
-- happen downstream from these counts.

{#- the records a median counts: those with a median indicator's denominator set -#}
{%- set timed -%}
    (false
    {%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
        or {{ indicator_column(indicator_id, 'denominator') }} is not null
    {%- endfor %})
{%- endset %}

with

subjects as (

    select * from {{ ref('dim_subjects') }}

),

members as (

    select * from {{ ref('int_subject_members') }}

),

-- the records three times, each read once: DuckDB materialises whole a CTE a query reads twice
records as (

    select * from {{ ref('int_indicator_records') }}

),

timed_records as (

    select * from {{ ref('int_indicator_records') }}
    where {{ timed }}

),

-- the same records read again, for the values of the medians' middle bins
middle_bin_records as (

    select * from {{ ref('int_indicator_records') }}
    where {{ timed }}

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

middle_bin_records_by_member as (

    {{ attributed_to_members('middle_bin_records') }}

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

-- medians over the pooled record values, whatever the kind of subject, exact and without
-- sorting every value of a platform: the values are counted per subject in bins of one unit
-- (an hour), the two middle ranks located in their bins from the bins' running counts, and
-- only the values of those bins ranked. A window over every value of every subject spilled
-- and grew faster than the orders past SF10.
{%- for indicator_id, aggregation in record_indicators().items() if aggregation == 'median' %}
{%- set value = indicator_column(indicator_id, 'value') %}

member_bins_{{ loop.index }} as (

    select
        member_kind,
        member_id,
        floor({{ value }}) as value_bin,
        count(*) as records
    from timed_records_by_member
    where {{ value }} is not null
    group by 1, 2, 3

),

subject_bins_{{ loop.index }} as (

    select
        members.subject_kind,
        members.subject_id,
        member_bins.value_bin,
        sum(member_bins.records) as records
    from member_bins_{{ loop.index }} as member_bins
    inner join members
        on member_bins.member_kind = members.member_kind
        and member_bins.member_id = members.member_id
    group by 1, 2, 3

),

bin_counts_{{ loop.index }} as (

    select
        subject_kind,
        subject_id,
        value_bin,
        records,
        sum(records) over (
            partition by subject_kind, subject_id order by value_bin
            rows between unbounded preceding and current row
        ) as records_up_to
    from subject_bins_{{ loop.index }}

),

-- of n values, the lower middle has rank floor((n + 1) / 2), the upper floor(n / 2) + 1
-- (the same value when n is odd)
middle_ranks_{{ loop.index }} as (

    select
        totals.subject_kind,
        totals.subject_id,
        totals.records_total,
        middles.middle,
        case middles.middle
            when 'lower' then floor((totals.records_total + 1) / 2)
            else floor(totals.records_total / 2) + 1
        end as middle_rank
    from (
        select
            subject_kind,
            subject_id,
            sum(records) as records_total
        from subject_bins_{{ loop.index }}
        group by 1, 2
    ) as totals
    cross join (
        select 'lower' as middle
        union all
        select 'upper' as middle
    ) as middles

),

-- each middle rank lies in the bin whose running count first reaches it
middle_bins_{{ loop.index }} as (

    select
        middle_ranks.subject_kind,
        middle_ranks.subject_id,
        middle_ranks.records_total,
        middle_ranks.middle,
        bin_counts.value_bin,
        middle_ranks.middle_rank - (bin_counts.records_up_to - bin_counts.records) as rank_in_bin
    from middle_ranks_{{ loop.index }} as middle_ranks
    inner join bin_counts_{{ loop.index }} as bin_counts
        on middle_ranks.subject_kind = bin_counts.subject_kind
        and middle_ranks.subject_id = bin_counts.subject_id
        and middle_ranks.middle_rank > bin_counts.records_up_to - bin_counts.records
        and middle_ranks.middle_rank <= bin_counts.records_up_to

),

-- the members whose records make up each subject's middle bins
middle_bin_members_{{ loop.index }} as (

    select distinct
        members.member_kind,
        members.member_id,
        middle_bins.subject_kind,
        middle_bins.subject_id,
        middle_bins.value_bin
    from middle_bins_{{ loop.index }} as middle_bins
    inner join members
        on middle_bins.subject_kind = members.subject_kind
        and middle_bins.subject_id = members.subject_id

),

-- each subject's values of its middle bins, ranked within the bin
ranked_middle_values_{{ loop.index }} as (

    select
        bin_members.subject_kind,
        bin_members.subject_id,
        bin_members.value_bin,
        records.{{ value }} as record_value,
        row_number() over (
            partition by bin_members.subject_kind, bin_members.subject_id, bin_members.value_bin
            order by records.{{ value }}
        ) as rank_in_bin
    from middle_bin_records_by_member as records
    inner join middle_bin_members_{{ loop.index }} as bin_members
        on records.member_kind = bin_members.member_kind
        and records.member_id = bin_members.member_id
        and floor(records.{{ value }}) = bin_members.value_bin

),

-- the median is the mean of the two middles: exact_median's (lower + upper) / 2
medians_{{ loop.index }} as (

    select
        middle_bins.subject_kind,
        middle_bins.subject_id,
        cast(max(middle_bins.records_total) as double) as denominator,
        cast((min(ranked.record_value) + max(ranked.record_value)) / 2 as double) as median_value
    from middle_bins_{{ loop.index }} as middle_bins
    inner join ranked_middle_values_{{ loop.index }} as ranked
        on middle_bins.subject_kind = ranked.subject_kind
        and middle_bins.subject_id = ranked.subject_id
        and middle_bins.value_bin = ranked.value_bin
        and middle_bins.rank_in_bin = ranked.rank_in_bin
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
