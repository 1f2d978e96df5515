{#- Primary key of several columns: no row has a null in any of them, and no two rows share
    the combination. The same arguments as dbt_utils' test of this name (not installed
    here), with not-null added, so one test is the whole primary-key check. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

keys as (

    select {{ combination_of_columns | join(', ') }}
    from {{ model }}

),

null_keys as (

    select *, 1 as rows_with_key
    from keys
    where {% for column in combination_of_columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}

),

repeated_keys as (

    select {{ combination_of_columns | join(', ') }}, count(*) as rows_with_key
    from keys
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from null_keys
union all
select * from repeated_keys

{% endtest %}
