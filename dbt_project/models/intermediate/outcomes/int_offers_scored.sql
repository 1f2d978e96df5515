-- Product offers (session x product) whose session started in P, with PRE-3 completeness.
with

offers as (

    select * from {{ ref('int_offers_current') }}

),

sessions as (

    select * from {{ ref('int_sessions_scored') }}

),

final as (

    select
        offers.session_id,
        offers.product_id,
        offers.operator_id,
        sessions.streamer_id,
        (
            not {{ is_blank('offers.title') }}
            and offers.listed_price is not null
            and not {{ is_blank('offers.spec') }}
            and not ({{ is_blank('offers.origin') }} and {{ is_blank('offers.manufacturer') }})
            and not {{ is_blank('offers.after_sales_policy') }}
            and not (offers.certificate_required and {{ is_blank('offers.certificate_no') }})
        ) as is_complete,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        offers.file_number
    from offers
    inner join sessions on offers.session_id = sessions.session_id

)

select * from final
