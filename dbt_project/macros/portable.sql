{#- Functions whose spelling differs between engines, dispatched per adapter so the
    models run unchanged on DuckDB and Spark. -#}

{#- Microseconds since the epoch of a naive timestamp, as a bigint: durations are differences of
    these, converted to a unit once, in double (an engine's decimal arithmetic would round
    differently on the way). -#}
{% macro epoch_micros(ts) -%}
    {{ return(adapter.dispatch('epoch_micros', 'live_commerce_quality')(ts)) }}
{%- endmacro %}

{% macro default__epoch_micros(ts) -%}
    cast(extract(epoch from {{ ts }}) * 1000000 as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__epoch_micros(ts) -%}
    epoch_us({{ ts }})
{%- endmacro %}

{% macro spark__epoch_micros(ts) -%}
    unix_micros({{ ts }})
{%- endmacro %}

{#- Exact median: the mean of the two middle values (one value when the count is odd), written
    as (lower middle + upper middle) / 2 on every engine. An engine's own interpolating median
    (DuckDB's and Spark's continuous quantiles) rounds differently in the last bit, and the
    engines must agree to the cell. -#}
{% macro exact_median(expr) -%}
    {{ return(adapter.dispatch('exact_median', 'live_commerce_quality')(expr)) }}
{%- endmacro %}

{% macro default__exact_median(expr) -%}
    (
        percentile_disc(0.5) within group (order by {{ expr }})
        + percentile_disc(0.5) within group (order by {{ expr }} desc)
    ) / 2
{%- endmacro %}
