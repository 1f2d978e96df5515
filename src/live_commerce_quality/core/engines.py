"""The engines the dbt models run on, and the bounds of the Spark one.

DuckDB is the embedded default: one file, one writer at a time (a lock and an Airflow pool keep
it so), bounded by core/duck.py. Spark is for what outgrows one machine: here a local Spark
started by dbt-spark's session mode inside dbt's process (Java 17), writing each build's tables
as Parquet under the run's own folder; on a cluster the same models run through a Thrift
server or a Databricks / EMR profile (README, "Scale out").

    LCQ_ENGINE                default duckdb (the installation's engine; a run's own choice wins:
                              `lcq evaluate --engine`, the DAGs' `engine` param)
    LCQ_SPARK_DRIVER_MEMORY   default 3g    (the local Spark's JVM heap: driver and executors)
    LCQ_SPARK_CORES           default: the machine's cores
    scratch folder            <LCQ_HOME>/tmp/spark (core/layout.py)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from live_commerce_quality.core.duck import cores_from_env
from live_commerce_quality.core.layout import Layout

DUCKDB = "duckdb"
SPARK = "spark"
ENGINES = (DUCKDB, SPARK)  # each is a target in dbt_project/profiles.yml
DEFAULT_ENGINE = DUCKDB
ENGINE_ENV = "LCQ_ENGINE"
# Engines where one process at a time may write the warehouse (a lock, an Airflow pool slot).
SINGLE_WRITER = (DUCKDB,)

DRIVER_MEMORY_ENV = "LCQ_SPARK_DRIVER_MEMORY"
CORES_ENV = "LCQ_SPARK_CORES"
DEFAULT_DRIVER_MEMORY = "3g"


def check_engine(name: str | None) -> str:
    """The engine named, or the installation's (LCQ_ENGINE, else DuckDB) for none; a clear error
    for an unknown name."""
    engine = (name or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE).strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: one of {', '.join(ENGINES)}")
    return engine


@dataclass(frozen=True)
class SparkBounds:
    driver_memory: str
    cores: int
    local_dir: Path

    @classmethod
    def of(cls, layout: Layout) -> SparkBounds:
        return cls(
            driver_memory=os.environ.get(DRIVER_MEMORY_ENV) or DEFAULT_DRIVER_MEMORY,
            cores=cores_from_env(CORES_ENV),
            local_dir=layout.spark_local,
        )

    def environment(self, warehouse: Path) -> dict[str, str]:
        """What dbt's spark target reads in profiles.yml, for a build writing under `warehouse`."""
        self.local_dir.mkdir(parents=True, exist_ok=True)
        return {
            DRIVER_MEMORY_ENV: self.driver_memory,
            CORES_ENV: str(self.cores),
            "LCQ_SPARK_LOCAL_DIR": str(self.local_dir),
            "LCQ_SPARK_WAREHOUSE": str(warehouse),
        }
