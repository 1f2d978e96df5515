-- Every indicator of every evaluated subject (grain: subject x indicator), with the
-- numerator and denominator it is computed from and its raw value in the indicator's
-- unit. Scoring, smoothing and grades happen downstream from these counts.
with

subjects as (

    select * from {{ ref('dim_subjects') }}

),

indicator_ids as (

    {%- for indicator_id in indicator_scales() %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select '{{ indicator_id }}' as indicator_id
    {%- endfor %}

),

operator_counts as (

    {{ indicator_counts('operator_id') }}

),

operator_verification as (

    select
        subject_id,
        'PRE-1' as indicator_id,
        case when is_verified then 1.0 else 0.0 end as numerator,
        1.0 as denominator,
        cast(null as double) as median_value
    from subjects
    where subject_kind = 'operator'

),

counts as (

    select
        'operator' as subject_kind,
        *
    from operator_counts
    union all
    select
        'operator' as subject_kind,
        *
    from operator_verification

),

grid as (

    select
        subjects.subject_kind,
        subjects.subject_id,
        subjects.platform,
        indicator_ids.indicator_id
    from subjects
    cross join indicator_ids

),

final as (

    select
        concat(grid.subject_kind, ':', grid.subject_id, ':', grid.indicator_id) as subject_indicator_key,
        grid.subject_kind,
        grid.subject_id,
        grid.platform,
        grid.indicator_id,
        case
            when grid.indicator_id = 'POST-2' then cast(null as double)
            else coalesce(counts.numerator, 0.0)
        end as numerator,
        coalesce(counts.denominator, 0.0) as denominator,
        case
            when grid.indicator_id = 'POST-2' then counts.median_value
            when coalesce(counts.denominator, 0) > 0
                then counts.numerator / counts.denominator * (
                    case grid.indicator_id
                        {%- for indicator_id, scale in indicator_scales().items() %}
                        when '{{ indicator_id }}' then {{ scale }}
                        {%- endfor %}
                    end
                )
        end as raw_value
    from grid
    left join counts
        on grid.subject_kind = counts.subject_kind
        and grid.subject_id = counts.subject_id
        and grid.indicator_id = counts.indicator_id

)

select * from final
