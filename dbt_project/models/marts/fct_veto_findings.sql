-- Veto items of evaluated operators and streamers in P: each confirmed finding that sets the grade to E.
with

findings as (

    select * from {{ ref('int_findings_scored') }}

),

subjects as (

    select * from {{ ref('dim_subjects') }}

),

final as (

    select
        concat(subjects.subject_key, ':', findings.finding_id) as veto_key,
        subjects.subject_kind,
        subjects.subject_id,
        findings.finding_id,
        findings.finding_type,
        findings.severity,
        findings.detected_at
    from findings
    inner join subjects
        on (subjects.subject_kind = 'operator' and findings.operator_id = subjects.subject_id)
        or (subjects.subject_kind = 'streamer' and findings.streamer_id = subjects.subject_id)
    where findings.is_veto

)

select * from final
