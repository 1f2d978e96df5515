-- Every delivered after_sales row up to the cutoff, with the reason it is set aside when it
-- names a record unknown among the good rows (null for a good row).
-- A table, unlike the other checked models: its check looks up every known order (50 M at
-- SF50), and as a view fct_rows_set_aside ran that join beside the others and ran out of memory.
{{ config(materialized='table') }}

with

delivered as (

    select * from {{ ref('stg_extracts__after_sales') }}

),

final as (

    {{ with_reference_checks('delivered', [
        ('order_id', ref('int_orders_known'), 'order_id')
    ]) }}

)

select * from final
