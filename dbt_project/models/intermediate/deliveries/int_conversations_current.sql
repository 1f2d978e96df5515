-- Good cs_conversations rows as of the cutoff, one per key: the latest delivered version counts;
-- only keys delivered from P's first day on (macros/as_of.sql: P's records are among them).
with

final as (

    {{ current_version('cs_conversations', ref('int_conversations_checked'), ['conversation_id'], where='set_aside_reason is null and ' ~ delivered_from_period_start()) }}

)

select * from final
