{#- Models built in buckets. A model whose one query is too big for the engine's memory
    limit (int_indicator_member_files at SF50: a count per member and file, tens of millions
    of groups of strings, ran out of DuckDB's 3 GB) is built in `var('buckets')` parts by a
    hash of its key, one statement after the other, so that each part fits in memory: the
    model's own query keeps bucket 0 (`in_bucket`), and its post-hooks (`other_buckets`)
    insert the others. A bucket holds every row of its keys, so a query per key gives the same
    rows in buckets as whole. Each bucket reads the model's inputs again: worth it for a model
    over tables, not over the Parquet. The pipeline sets the count from the period's data and
    the memory limit (transform/buckets.py); 1 (the default, and Spark's, which partitions by
    itself) is the plain model. -#}

{% macro bucket_count() -%}
    {{ return(var('buckets', 1) | int) }}
{%- endmacro %}

{#- True for the rows of bucket 0 of `column` (the model's own query). The comment marks the
    bucket number, which `other_buckets` replaces in the compiled query. -#}
{% macro in_bucket(column) -%}
    {%- if bucket_count() > 1 -%}
        ({{ bucket_of(column, bucket_count()) }} = 0 /* lcq bucket */)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The post-hooks inserting buckets 1 … n-1: the model's compiled query with the bucket
    number replaced. Rendered when the hook runs, when `model.compiled_code` is the query
    just built. -#}
{% macro other_buckets() -%}
    {%- set hooks = [] -%}
    {%- for bucket in range(1, bucket_count()) -%}
        {%- do hooks.append(
            "insert into {{ this }} {{ model.compiled_code | replace('= 0 /* lcq bucket */', '= "
            ~ bucket ~ " /* lcq bucket */') }}"
        ) -%}
    {%- endfor -%}
    {{ return(hooks) }}
{%- endmacro %}

{#- A bucket number in [0, n) from a hash of `column`. -#}
{% macro bucket_of(column, n) -%}
    {{ return(adapter.dispatch('bucket_of', 'live_commerce_quality')(column, n)) }}
{%- endmacro %}

{% macro default__bucket_of(column, n) -%}
    (hash({{ column }}) % {{ n }})
{%- endmacro %}

{% macro spark__bucket_of(column, n) -%}
    pmod(hash({{ column }}), {{ n }})
{%- endmacro %}
