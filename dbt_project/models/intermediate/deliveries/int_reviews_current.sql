-- Good reviews rows as of the cutoff, one per key: the first delivered version counts (extracts.md: a rating edited later is archived, not scored).
with

good_rows as (

    select * from {{ ref('int_reviews_checked') }}
    where set_aside_reason is null

),

final as (

    {{ current_version('good_rows', ['review_id'], first_wins=true) }}

)

select * from final
