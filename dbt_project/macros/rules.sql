{#- Methodology rules come from the versioned configuration, passed by the pipeline as the
    var `rules` (src/live_commerce_quality/methodology/*.yaml); never literals in SQL. -#}
{% macro rule(name) -%}
    {%- set rules = var('rules', none) -%}
    {%- if rules is none or name not in rules -%}
        {{ exceptions.raise_compiler_error("methodology rule '" ~ name ~ "' missing: run through the pipeline, which passes the var `rules` from the methodology configuration") }}
    {%- endif -%}
    {{ return(rules[name]) }}
{%- endmacro %}

{#- Indicator id -> the scale that turns numerator / denominator into its unit. -#}
{% macro indicator_scales() -%}
    {{ return(var('indicator_scales')) }}
{%- endmacro %}

{#- A list of strings as an SQL list: ('a', 'b'). -#}
{% macro sql_list(values) -%}
    ({%- for v in values -%}'{{ v }}'{% if not loop.last %}, {% endif %}{%- endfor -%})
{%- endmacro %}

{#- Null, empty or only whitespace (ASCII, no-break and ideographic spaces). -#}
{% macro is_blank(expr) -%}
    {{ return(adapter.dispatch('is_blank', 'live_commerce_quality')(expr)) }}
{%- endmacro %}

{% macro default__is_blank(expr) -%}
    coalesce(trim({{ expr }}) = '', true)
{%- endmacro %}

{% macro duckdb__is_blank(expr) -%}
    coalesce(regexp_full_match({{ expr }}, '[\s\p{Z}]*'), true)
{%- endmacro %}

{% macro spark__is_blank(expr) -%}
    coalesce({{ expr }} rlike '^[\\s\\p{Z}]*$', true)
{%- endmacro %}
