{#- The standardised extracts as the `extracts` sources (models/staging/extracts/_extracts__sources.yml):
    registered at the start of every run (on-run-start), over the Parquet the ingest wrote under
    LCQ_STANDARDISED, one folder per source, read recursively, columns matched by name (a file
    written before a column was added reads it as null). -#}
{% macro register_extracts() -%}
    {%- if execute -%}
        {%- set root = env_var('LCQ_STANDARDISED', '../data/standardised') -%}
        {%- do adapter.dispatch('create_extracts_schema', 'live_commerce_quality')() -%}
        {%- for node in graph.sources.values() if node.source_name == 'extracts' -%}
            {%- do adapter.dispatch('register_extract', 'live_commerce_quality')(node.schema, node.name, root ~ '/' ~ node.name) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__create_extracts_schema() -%}
    {%- do run_query('create schema if not exists extracts') -%}
{%- endmacro %}

{% macro duckdb__register_extract(schema, name, folder) -%}
    {%- do run_query(
        "create or replace view " ~ schema ~ "." ~ name ~ " as select * from read_parquet('"
        ~ folder ~ "/**/*.parquet', union_by_name = true, hive_partitioning = false)"
    ) -%}
{%- endmacro %}

{% macro spark__register_extract(schema, name, folder) -%}
    {%- do run_query("drop table if exists " ~ schema ~ "." ~ name) -%}
    {%- do run_query(
        "create table " ~ schema ~ "." ~ name ~ " using parquet options (path '" ~ folder
        ~ "', recursiveFileLookup 'true', mergeSchema 'true')"
    ) -%}
{%- endmacro %}
