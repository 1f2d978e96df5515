-- Every delivered after_sales row up to the cutoff, with the reason it is set aside when it
-- names a record unknown among the good rows (null for a good row).
{{ config(materialized='view') }}  -- read twice (current versions, set-aside rows); a table costs more than the second read

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
