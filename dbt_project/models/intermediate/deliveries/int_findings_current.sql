-- Good findings rows as of the cutoff, one per key: the latest delivered version counts.
with

final as (

    {{ current_version(ref('int_findings_checked'), ['finding_id'], where='set_aside_reason is null') }}

)

select * from final
