{#- The evaluation window, from the run's vars (see dbt_project.yml). -#}

{% macro period_start() -%}
    cast('{{ var("period_start") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro period_end() -%}
    cast('{{ var("period_end") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro as_of_instant() -%}
    cast('{{ var("as_of_instant") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- An event known by the cutoff: its timestamp is before T. -#}
{% macro known_by_cutoff(ts) -%}
    ({{ ts }} is not null and {{ ts }} < {{ as_of_instant() }})
{%- endmacro %}

{#- An event in the period P and known by the cutoff. -#}
{% macro in_period(ts) -%}
    ({{ ts }} >= {{ period_start() }} and {{ ts }} < {{ period_end() }} and {{ ts }} < {{ as_of_instant() }})
{%- endmacro %}
