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

operators as (

    select * from {{ ref('int_operators_evaluated') }}

),

streamers as (

    select * from {{ ref('int_streamers_evaluated') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

operator_counts as (

    {{ indicator_counts('operator_id') }}

),

streamer_counts as (

    {{ indicator_counts('streamer_id') }}

),

-- Agencies: sums of their evaluated streamers' numerators and denominators, never
-- averages of scores; the POST-2 median is taken over the pooled delivery times.
agency_counts as (

    select
        streamers.agency_id as subject_id,
        streamer_counts.indicator_id,
        sum(streamer_counts.numerator) as numerator,
        sum(streamer_counts.denominator) as denominator,
        cast(null as double) as median_value
    from streamer_counts
    inner join streamers on streamer_counts.subject_id = streamers.streamer_id
    where streamers.agency_id is not null
        and streamer_counts.indicator_id <> 'POST-2'
    group by 1, 2

    union all

    select
        streamers.agency_id,
        'POST-2',
        cast(null as double),
        cast(count(orders.delivery_hours) as double),
        cast({{ exact_median('orders.delivery_hours') }} as double)
    from orders
    inner join streamers on orders.streamer_id = streamers.streamer_id
    where streamers.agency_id is not null
    group by 1

),

-- Platforms: sums over their evaluated operators, each record counted once through its
-- operator; the POST-2 median over the pooled delivery times.
platform_counts as (

    select
        operators.platform as subject_id,
        operator_counts.indicator_id,
        sum(operator_counts.numerator) as numerator,
        sum(operator_counts.denominator) as denominator,
        cast(null as double) as median_value
    from operator_counts
    inner join operators on operator_counts.subject_id = operators.operator_id
    where operator_counts.indicator_id <> 'POST-2'
    group by 1, 2

    union all

    select
        operators.platform,
        'POST-2',
        cast(null as double),
        cast(count(orders.delivery_hours) as double),
        cast({{ exact_median('orders.delivery_hours') }} as double)
    from orders
    inner join operators on orders.operator_id = operators.operator_id
    group by 1

),

-- PRE-1: 1 or 0 for an operator or streamer; verified members / members for the others
verification as (

    select
        subject_kind,
        subject_id,
        'PRE-1' as indicator_id,
        cast(members_verified as double) as numerator,
        cast(members_evaluated as double) as denominator,
        cast(null as double) as median_value
    from subjects

),

counts as (

    select
        'operator' as subject_kind,
        *
    from operator_counts
    union all
    select
        'streamer' as subject_kind,
        *
    from streamer_counts
    union all
    select
        'agency' as subject_kind,
        *
    from agency_counts
    union all
    select
        'platform' as subject_kind,
        *
    from platform_counts
    union all
    select * from verification

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
