"""Airflow DAG: the monthly final evaluation of live-commerce service quality (GB/T 44207-2024).

Runs every day at 02:00 CST and rates the month whose final cutoff (its last day plus the
methodology's `settlement_lag_days`) was yesterday; on the other days its tasks are skipped
("nothing to rate today"). Steps: ingest → quality gate → dbt indicators → quality gate →
grades → evaluation folder → publication. `lcq evaluate`, `lcq publish`, `lcq backfill` and
`make run` trigger this same DAG with params (landing, period, as_of, out, publish).
"""

from live_commerce_quality.run.dag import build_evaluation_dag

evaluation_dag = build_evaluation_dag(
    dag_id="lcq_evaluation",
    schedule="0 2 * * *",
    mode="monthly",
    doc=__doc__,
)
