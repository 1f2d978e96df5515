{#- Functions whose spelling differs between engines, dispatched per adapter so the
    models run unchanged on DuckDB and Spark. -#}

{#- Seconds since the epoch, with fractions, of a naive timestamp. -#}
{% macro epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'live_commerce_quality')(ts)) }}
{%- endmacro %}

{% macro default__epoch_seconds(ts) -%}
    extract(epoch from {{ ts }})
{%- endmacro %}

{% macro duckdb__epoch_seconds(ts) -%}
    epoch_us({{ ts }}) / 1000000.0
{%- endmacro %}

{% macro spark__epoch_seconds(ts) -%}
    unix_micros({{ ts }}) / 1000000.0
{%- endmacro %}

{#- Exact median; the mean of the two middle values when the count is even. -#}
{% macro exact_median(expr) -%}
    {{ return(adapter.dispatch('exact_median', 'live_commerce_quality')(expr)) }}
{%- endmacro %}

{% macro default__exact_median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__exact_median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}

{% macro spark__exact_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
