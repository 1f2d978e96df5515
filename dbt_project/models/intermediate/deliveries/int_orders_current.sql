-- Good orders rows as of the cutoff, one per key: the latest delivered version counts;
-- only keys delivered from P's first day on (macros/as_of.sql: P's records are among them).
-- Built in buckets of order_id (macros/buckets.sql): at SF50 one query spills tens of GB.
{{ config(post_hook=other_buckets()) }}

with

final as (

    {{ current_version(
        ref('int_orders_checked'), ['order_id'],
        where='set_aside_reason is null and ' ~ delivered_from_period_start() ~ ' and ' ~ in_bucket('order_id')
    ) }}

)

select * from final
