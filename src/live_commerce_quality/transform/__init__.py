"""The transform stage: the dbt project (`dbt_project/`) built on the warehouse, and its marts
exported for the steps after it. See `transform/dbt.py`."""
