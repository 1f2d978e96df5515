-- Good reviews rows as of the cutoff, one per key: the first delivered version counts (extracts.md: a rating edited later is archived, not scored).
with

final as (

    {{ current_version('reviews', ref('int_reviews_checked'), ['review_id'], first_wins=true, where='set_aside_reason is null') }}

)

select * from final
