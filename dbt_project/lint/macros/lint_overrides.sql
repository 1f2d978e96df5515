{#- Lint only: loaded after the project's macros by sqlfluff, replacing what needs dbt's
    adapter or the run's vars with fixed DuckDB spellings and sample rules. -#}
{% macro rule(name) -%}
    {{ return({
        'finding_points': {'minor': 1, 'major': 3}, 'veto_severities': ['critical'],
        'veto_finding_types': ['counterfeit'], 'reply_within_seconds': 180,
        'default_ship_within_hours': 48, 'after_sales_within_hours': 48,
        'complaint_within_days': 7, 'positive_review_min_rating': 4,
        'quality_return_reasons': ['quality']}[name]) }}
{%- endmacro %}
{% macro epoch_micros(ts) -%} epoch_us({{ ts }}) {%- endmacro %}
{% macro exact_median(expr) -%} {{ default__exact_median(expr) }} {%- endmacro %}
{% macro is_blank(expr) -%} coalesce(trim({{ expr }}) = '', true) {%- endmacro %}
{% macro indicator_scales() -%} {{ return({'PRE-2': 1, 'IN-1': 100}) }} {%- endmacro %}
