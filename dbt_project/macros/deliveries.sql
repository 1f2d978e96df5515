{#- How deliveries combine (extracts.md, "Delivery"): a later record with the same key
    updates the earlier one (latest dt, then latest file name in byte order, then latest
    line, wins); for reviews the first delivered version counts. Each version is named by one
    bigint, `version_key`, in that order: its file's number among the delivered files (by dt,
    then file name) times 2^32, plus its line. The winners are the largest (or smallest) key
    per record, a hash aggregate of the key and one bigint, and the versions kept are those
    whose key is a winner's, a semi-join on the bigint alone. Ranking every version's strings
    (a window over the key, dt and file name) spilled 41 GB at SF50 and took twice as long.
    `relation` is read twice, once narrow, once for the winners' rows: a CTE read twice would
    be materialised whole, so the caller passes the relation itself (a ref) and the rows it
    keeps (`where`). The files' numbers are int_delivered_files' for the `source` named (two
    sources may deliver files of one name on one dt); each current version keeps its
    file's (`file_number`), which is how the lineage models name the file. Keys and version
    columns are never null in the rows kept (the ingest's required fields). -#}
{% macro current_version(source, relation, key_columns, first_wins=false, where='true') -%}
    {%- set files = '(select * from ' ~ ref('int_delivered_files') ~ " where source = '" ~ source ~ "')" -%}
    {%- set version_key = 'files.file_number * 4294967296 + versions.file_line' -%}
    select
        versions.*,
        files.file_number
    from (select * from {{ relation }} where {{ where }}) as versions
    inner join {{ files }} as files
        on versions.delivered_dt = files.delivered_dt
        and versions.file_name = files.file_name
    where {{ version_key }} in (
        select {{ 'min' if first_wins else 'max' }}({{ version_key }})
        from (
            select {{ key_columns | join(', ') }}, delivered_dt, file_name, file_line
            from {{ relation }}
            where {{ where }}
        ) as versions
        inner join {{ files }} as files
            on versions.delivered_dt = files.delivered_dt
            and versions.file_name = files.file_name
        group by {% for column in key_columns %}versions.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
    )
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
