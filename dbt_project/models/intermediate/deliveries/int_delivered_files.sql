-- Every delivered file of every source up to the cutoff, numbered in delivery order (dt, then
-- file name in byte order): the file part of each version's key (macros/deliveries.sql,
-- current_version). A table of one row per file, so that a join with it builds its hash on
-- it: as a subquery the engine takes it for as many rows as its input and builds on the other side.
{%- set sources = [
    'after_sales', 'agencies', 'complaints', 'cs_conversations', 'findings', 'live_sessions',
    'operators', 'orders', 'products', 'reviews', 'streamers'
] %}

with

{% for source in sources -%}
{{ source }} as (

    select distinct
        delivered_dt,
        file_name
    from {{ ref('stg_extracts__' ~ source) }}

),

{% endfor -%}

delivered as (

    {% for source in sources -%}
    {{ 'union' if not loop.first }}
    select * from {{ source }}
    {% endfor %}

),

final as (

    select
        delivered_dt,
        file_name,
        row_number() over (order by delivered_dt, file_name) as file_number
    from delivered

)

select * from final
