-- Good cs_conversations rows as of the cutoff, one per key: the latest delivered version counts.
with

good_rows as (

    select * from {{ ref('int_conversations_checked') }}
    where set_aside_reason is null

),

final as (

    {{ current_version('good_rows', ['conversation_id']) }}

)

select * from final
