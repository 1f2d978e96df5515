{#- GB 32100-2015 unified social credit code: 18 characters from the code set, the last
    a check character. Check = 31 - (sum of value(i) * weight(i) for i in 1..17) mod 31,
    with 31 written as 0. Unrolled so that it is plain, portable SQL. -#}

{% macro credit_code_char_value(code, position) -%}
    (position(substring({{ code }}, {{ position }}, 1) in '0123456789ABCDEFGHJKLMNPQRTUWXY') - 1)
{%- endmacro %}

{% macro credit_code_is_valid(code) -%}
    {%- set weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] -%}
    coalesce(
        length({{ code }}) = 18
        {%- for i in range(1, 19) %}
        and {{ credit_code_char_value(code, i) }} >= 0
        {%- endfor %}
        and {{ credit_code_char_value(code, 18) }} = (
            31 - (
                {%- for w in weights %}
                {{ credit_code_char_value(code, loop.index) }} * {{ w }}{% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) % 31
        ) % 31,
        false
    )
{%- endmacro %}
