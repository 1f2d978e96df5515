-- Every delivered file of every source up to the cutoff, numbered in delivery order (dt, then
-- file name in byte order; the source last, as two sources may name a file alike). The number
-- is the file part of each version's key (macros/deliveries.sql, current_version) and the one
-- name of a file the lineage models group and join by (fct_indicator_lineage turns it back
-- into the file's dt, name and checksum). A table of one row per file, so that a join with it
-- builds its hash on it: as a subquery the engine takes it for as many rows as its input and
-- builds on the other side (current_version's filter on `source` keeps it a table scan).
{%- set sources = [
    'after_sales', 'agencies', 'complaints', 'cs_conversations', 'findings', 'live_sessions',
    'operators', 'orders', 'products', 'reviews', 'streamers'
] %}

with

{% for source in sources -%}
{{ source }} as (

    select distinct
        '{{ source }}' as source,
        delivered_dt,
        file_name,
        file_sha256
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
        source,
        delivered_dt,
        file_name,
        file_sha256,
        row_number() over (order by delivered_dt, file_name, source) as file_number
    from delivered

)

select * from final
