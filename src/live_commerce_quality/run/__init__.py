"""Running evaluations: the request (`request`), the steps in order (`steps`), the Airflow DAG
built from them (`dag`), and the embedded Airflow the command line runs them through (`embedded`)."""
