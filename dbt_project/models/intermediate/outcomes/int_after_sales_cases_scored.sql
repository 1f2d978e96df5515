-- After-sales cases of P's orders requested before T, with POST-4 due and on-time flags
-- and whether the case is of a quality reason (POST-3).
with

cases as (

    select * from {{ ref('int_after_sales_cases_current') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

final as (

    select
        cases.case_id,
        cases.order_id,
        orders.platform,
        orders.operator_id,
        orders.streamer_id,
        (
            {{ known_by_cutoff('cases.resolved_at') }}
            or cases.requested_at <= {{ dbt.dateadd('hour', -rule('after_sales_within_hours'), as_of_instant()) }}
        ) as is_due,
        (
            {{ known_by_cutoff('cases.resolved_at') }}
            and cases.resolved_at <= {{ dbt.dateadd('hour', rule('after_sales_within_hours'), 'cases.requested_at') }}
        ) as is_on_time,
        -- a case of a quality reason puts a shipped order in POST-3's numerator
        {{ is_quality_return('cases.reason') }} as is_quality_case,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        cases.file_number
    from cases
    inner join orders on cases.order_id = orders.order_id
    where {{ known_by_cutoff('cases.requested_at') }}

)

select * from final
