"""Airflow DAG: monthly final evaluation of live-commerce service quality (GB/T 44207-2024).

Runs on the 16th of each month (CST) and rates the month before as of its settlement
cutoff (end of month + 15 days): ingest → quality gate → dbt indicators → quality gate →
grades → publication. `lcq evaluate` and `make run` trigger this same DAG with params
(landing, period, as_of, out) for any period.
"""

from live_commerce_quality.run.dag import build_evaluation_dag

evaluation_dag = build_evaluation_dag(
    dag_id="lcq_evaluation",
    schedule="0 2 16 * *",
    mode="monthly",
    doc=__doc__,
)
