-- In-service-hours conversations opened in P, with the IN-3 on-time flag. A reply at or
-- after T is not yet known, so it is no reply.
with

conversations as (

    select * from {{ ref('int_conversations_current') }}

),

final as (

    select
        conversation_id,
        operator_id,
        (
            {{ known_by_cutoff('first_reply_at') }}
            and first_reply_at <= {{ dbt.dateadd('second', rule('reply_within_seconds'), 'first_message_at') }}
        ) as is_answered_on_time,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        file_number
    from conversations
    where in_service_hours
        and {{ in_period('first_message_at') }}

)

select * from final
