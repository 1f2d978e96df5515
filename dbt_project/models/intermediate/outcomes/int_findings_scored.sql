-- Confirmed findings detected in P: veto items, and the IN-1 points of the others.
-- Unconfirmed findings are monitored but never scored.
with

findings as (

    select * from {{ ref('int_findings_current') }}

),

classified as (

    select
        finding_id,
        operator_id,
        streamer_id,
        session_id,
        detected_at,
        finding_type,
        severity,
        (
            severity in {{ sql_list(rule('veto_severities')) }}
            or finding_type in {{ sql_list(rule('veto_finding_types')) }}
        ) as is_veto,
        -- lineage: the delivered file of this record version, by its number (fct_indicator_lineage)
        file_number
    from findings
    where confirmed
        and {{ in_period('detected_at') }}

),

final as (

    select
        *,
        case
            when is_veto then 0
            {%- for severity, points in rule('finding_points').items() %}
            when severity = '{{ severity }}' then {{ points }}
            {%- endfor %}
            else 0
        end as violation_points
    from classified

)

select * from final
