-- Good complaints rows as of the cutoff, one per key: the latest delivered version counts.
with

final as (

    {{ current_version(ref('int_complaints_checked'), ['complaint_id'], where='set_aside_reason is null') }}

)

select * from final
