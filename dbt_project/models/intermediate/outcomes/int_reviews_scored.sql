-- Reviews of P's orders made before T, each at its first delivered rating (POST-7).
with

reviews as (

    select * from {{ ref('int_reviews_current') }}

),

orders as (

    select * from {{ ref('int_orders_scored') }}

),

final as (

    select
        reviews.review_id,
        reviews.order_id,
        orders.platform,
        orders.operator_id,
        orders.streamer_id,
        reviews.rating >= {{ rule('positive_review_min_rating') }} as is_positive,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        reviews.file_number
    from reviews
    inner join orders on reviews.order_id = orders.order_id
    where {{ known_by_cutoff('reviews.reviewed_at') }}

)

select * from final
