{#- Numerators and denominators of every indicator for one kind of subject, in long form
    (subject_id, indicator_id, numerator, denominator, raw_value). `subject_column` is the
    column of the scored facts that attributes a record to the subject (operator_id,
    streamer_id). Rows exist only where the subject has records; the mart completes the grid. -#}
{% macro indicator_counts(subject_column, scales) -%}

    select
        {{ subject_column }} as subject_id,
        'PRE-2' as indicator_id,
        cast(sum(case when license_displayed then 1 else 0 end) as double) as numerator,
        cast(count(*) as double) as denominator,
        cast(null as double) as median_value
    from {{ ref('int_sessions_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    select
        {{ subject_column }},
        'PRE-3',
        cast(sum(case when is_complete then 1 else 0 end) as double),
        cast(count(*) as double),
        cast(null as double)
    from {{ ref('int_offers_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    -- IN-1 numerator: violation points; denominator: sessions started in P
    select
        subject_id,
        'IN-1',
        cast(sum(points) as double),
        cast(sum(sessions) as double),
        cast(null as double)
    from (
        select {{ subject_column }} as subject_id, violation_points as points, 0 as sessions
        from {{ ref('int_findings_scored') }}
        where {{ subject_column }} is not null
        union all
        select {{ subject_column }}, 0, 1
        from {{ ref('int_sessions_scored') }}
        where {{ subject_column }} is not null
    ) as violation_facts
    group by 1

    union all

    select
        {{ subject_column }},
        'IN-2',
        cast(sum(case when is_price_checked and is_price_consistent then 1 else 0 end) as double),
        cast(sum(case when is_price_checked then 1 else 0 end) as double),
        cast(null as double)
    from {{ ref('int_orders_scored') }}
    where {{ subject_column }} is not null
    group by 1

    {%- if subject_column == 'operator_id' %}

    union all

    select
        operator_id,
        'IN-3',
        cast(sum(case when is_answered_on_time then 1 else 0 end) as double),
        cast(count(*) as double),
        cast(null as double)
    from {{ ref('int_conversations_scored') }}
    group by 1
    {%- endif %}

    union all

    select
        {{ subject_column }},
        'POST-1',
        cast(sum(case when is_shipment_due and is_shipped_on_time then 1 else 0 end) as double),
        cast(sum(case when is_shipment_due then 1 else 0 end) as double),
        cast(null as double)
    from {{ ref('int_orders_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    -- POST-2 has no numerator: the denominator is the orders measured, the value their median
    select
        {{ subject_column }},
        'POST-2',
        cast(null as double),
        cast(count(delivery_hours) as double),
        cast({{ exact_median('delivery_hours') }} as double)
    from {{ ref('int_orders_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    select
        {{ subject_column }},
        'POST-3',
        cast(sum(case when is_shipped and has_quality_case then 1 else 0 end) as double),
        cast(sum(case when is_shipped then 1 else 0 end) as double),
        cast(null as double)
    from {{ ref('int_orders_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    select
        {{ subject_column }},
        'POST-4',
        cast(sum(case when is_due and is_on_time then 1 else 0 end) as double),
        cast(sum(case when is_due then 1 else 0 end) as double),
        cast(null as double)
    from {{ ref('int_after_sales_cases_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    -- POST-5 numerator: distinct complaint groups; denominator: orders of P
    select
        subject_id,
        'POST-5',
        cast(count(distinct complaint_group_key) as double),
        cast(sum(orders) as double),
        cast(null as double)
    from (
        select {{ subject_column }} as subject_id, complaint_group_key, 0 as orders
        from {{ ref('int_complaints_scored') }}
        where {{ subject_column }} is not null
        union all
        select {{ subject_column }}, cast(null as {{ dbt.type_string() }}), 1
        from {{ ref('int_orders_scored') }}
        where {{ subject_column }} is not null
    ) as complaint_facts
    group by 1

    union all

    select
        {{ subject_column }},
        'POST-6',
        cast(sum(case when is_due and is_resolved_on_time then 1 else 0 end) as double),
        cast(sum(case when is_due then 1 else 0 end) as double),
        cast(null as double)
    from {{ ref('int_complaints_scored') }}
    where {{ subject_column }} is not null
    group by 1

    union all

    select
        {{ subject_column }},
        'POST-7',
        cast(sum(case when is_positive then 1 else 0 end) as double),
        cast(count(*) as double),
        cast(null as double)
    from {{ ref('int_reviews_scored') }}
    where {{ subject_column }} is not null
    group by 1

{%- endmacro %}
