"""Airflow DAG: restatements on late data (GB/T 44207-2024; methodology.md "Restatement").

Runs whenever an evaluation has standardised new extracts (the Asset `lcq_standardised_extracts`):
each period whose final publication late deliveries may change, within the restatement window
(`LCQ_RESTATEMENT_WINDOW_DAYS`, 90), is re-evaluated as of yesterday, and a new version is
published beside the old one with `restatement.json` when its result changed.
"""

from live_commerce_quality.run.dag import build_restatement_dag

restatement_dag = build_restatement_dag(dag_id="lcq_restatements", doc=__doc__)
