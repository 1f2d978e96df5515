{#- How deliveries combine (extracts.md, "Delivery"): a later record with the same key
    updates the earlier one (latest dt, then latest file name in byte order, then latest
    line, wins); for reviews the first delivered version counts. `relation` is read twice:
    once narrow, to rank each key's versions (the key and the version columns alone), once
    for the winners' whole rows. Ranking the whole rows sorts every column of every version,
    which at scale spills; and a CTE read twice would be materialised whole, so the caller
    passes the relation itself (a ref) and the rows it keeps (`where`). Keys and version
    columns are never null in the rows kept (the ingest's required fields). -#}
{% macro current_version(relation, key_columns, first_wins=false, where='true') -%}
    {%- set direction = 'asc' if first_wins else 'desc' -%}
    {%- set version_columns = key_columns + ['delivered_dt', 'file_name', 'file_line'] -%}
    select versions.*
    from (select * from {{ relation }} where {{ where }}) as versions
    inner join (
        select {{ version_columns | join(', ') }}
        from (
            select
                {{ version_columns | join(', ') }},
                row_number() over (
                    partition by {{ key_columns | join(', ') }}
                    order by delivered_dt {{ direction }}, file_name {{ direction }}, file_line {{ direction }}
                ) as version_rank
            from {{ relation }}
            where {{ where }}
        ) as ranked
        where version_rank = 1
    ) as winners
        on {% for column in version_columns -%}
        {{ 'and ' if not loop.first }}versions.{{ column }} = winners.{{ column }}
        {% endfor -%}
{%- endmacro %}


{#- Reference checks (extracts.md, "Bad input"): a row naming a record unknown among the
    good rows delivered up to the cutoff is set aside with the reason. `checks` is a list
    of (column, relation of known keys, key column), each relation unique by its key (a
    `_current` or `_known` model, key-tested: no `distinct`, which at SF50 would hash 50 M
    order ids a second time); a null in an optional column names nothing and passes. The
    result keeps every row and adds `set_aside_reason` (null for a good row). -#}
{% macro with_reference_checks(relation, checks) -%}
    select
        checked.*,
        nullif(concat_ws('; '
            {%- for column, _, _ in checks %},
            case
                when checked.{{ column }} is not null and known_{{ loop.index }}.key_value is null
                    then '{{ column }} names no known record'
            end
            {%- endfor %}
        ), '') as set_aside_reason
    from {{ relation }} as checked
    {%- for column, known_relation, key_column in checks %}
    left join (
        select {{ key_column }} as key_value from {{ known_relation }}
    ) as known_{{ loop.index }}
        on checked.{{ column }} = known_{{ loop.index }}.key_value
    {%- endfor %}
{%- endmacro %}
