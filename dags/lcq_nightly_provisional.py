"""Airflow DAG: nightly provisional evaluation: month-to-date ratings as of yesterday (CST).

The same tasks as the monthly evaluation; its ratings carry status `provisional`.
"""

from live_commerce_quality.run.dag import build_evaluation_dag

evaluation_dag = build_evaluation_dag(
    dag_id="lcq_nightly_provisional",
    schedule="0 3 * * *",
    mode="nightly",
    doc=__doc__,
)
