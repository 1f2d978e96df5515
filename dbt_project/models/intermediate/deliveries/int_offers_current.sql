-- Good products rows as of the cutoff, one per key: the latest delivered version counts;
-- only offers of sessions P can need.
{#- An offer is needed for its session (started in P, or the session of an order kept for P, which
    may have started before P); the session is part of the key, so each key keeps all its versions. -#}
{%- set offers_of_period -%}
    set_aside_reason is null and (
        session_id in (select session_id from {{ ref('int_sessions_current') }})
        -- distinct: a semi-join would otherwise hash every order's row (50 M at SF50)
        or session_id in (select distinct session_id from {{ ref('int_orders_current') }})
    )
{%- endset %}

with

final as (

    {{ current_version('products', ref('int_offers_checked'), ['session_id', 'product_id'], where=offers_of_period) }}

)

select * from final
