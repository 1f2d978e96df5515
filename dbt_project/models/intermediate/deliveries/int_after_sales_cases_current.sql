-- Good after_sales rows as of the cutoff, one per key: the latest delivered version counts.
with

final as (

    {{ current_version('after_sales', ref('int_after_sales_cases_checked'), ['case_id'], where='set_aside_reason is null') }}

)

select * from final
