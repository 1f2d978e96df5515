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

{#- Versions an evaluation of P can need of a source whose records P takes by an event in P
    (orders by paid_at, sessions by started_at, conversations, complaints, findings): the ingest
    sets aside an event at or after the end of its delivery day, so such a record is first
    delivered on or after P's first day, and so is each later version. Earlier deliveries
    hold only records of earlier periods: a key whose latest version is among them has no
    version from P on, and a key with one keeps the same latest version. Reference checks
    still look at every delivery (int_*_known). -#}
{% macro delivered_from_period_start() -%}
    (delivered_dt >= cast('{{ var("period_start") }}' as date))
{%- endmacro %}
