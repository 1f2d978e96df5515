-- Complaints received in P: the POST-5 group a complaint belongs to and POST-6 flags.
-- One complainant's complaints about one order (or, without an order, about one operator
-- on one CST day) are one group, whatever the channels; no complainant, no grouping.
with

complaints as (

    select * from {{ ref('int_complaints_current') }}

),

final as (

    select
        complaint_id,
        operator_id,
        streamer_id,
        case
            when complainant_id is null
                then concat('complaint|', complaint_id)
            when order_id is not null
                then concat('order|', complainant_id, '|', order_id)
            else concat('day|', complainant_id, '|', operator_id, '|', cast(cast(received_at as date) as {{ dbt.type_string() }}))
        end as complaint_group_key,
        (
            {{ known_by_cutoff('closed_at') }}
            or received_at <= {{ dbt.dateadd('day', -rule('complaint_within_days'), as_of_instant()) }}
        ) as is_due,
        (
            coalesce(resolved, false)
            and {{ known_by_cutoff('closed_at') }}
            and closed_at <= {{ dbt.dateadd('day', rule('complaint_within_days'), 'received_at') }}
        ) as is_resolved_on_time,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        file_number
    from complaints
    where {{ in_period('received_at') }}

)

select * from final
