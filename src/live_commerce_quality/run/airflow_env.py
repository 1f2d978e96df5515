"""The Airflow this product runs under, configured from the installation at every start: its
home, the project's DAGs, the metadata DB (SQLite in the installation by default; PostgreSQL or
any SQLAlchemy URL from `LCQ_AIRFLOW_DB_URL`), the executor (the LocalExecutor by default; the
CeleryExecutor with `LCQ_AIRFLOW_EXECUTOR=CeleryExecutor`, its broker `LCQ_CELERY_BROKER_URL`,
default the machine's Redis, and a worker started with the other components), a login, and the
warehouse pool. Nothing is frozen into `airflow.cfg`: every setting the product needs is passed as an
`AIRFLOW__…` variable, so a moved checkout or another LCQ_HOME never writes into an old place.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from live_commerce_quality.core.io import read_json, write_json
from live_commerce_quality.core.layout import PROJECT_ROOT
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.steps import WAREHOUSE_POOL

DB_URL_ENV = "LCQ_AIRFLOW_DB_URL"
EXECUTOR_ENV = "LCQ_AIRFLOW_EXECUTOR"
BROKER_ENV = "LCQ_CELERY_BROKER_URL"
CELERY = "CeleryExecutor"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
ADMIN_USER = "admin"
DEFAULT_PORT = 8080


class AirflowSetupError(RuntimeError):
    """An Airflow command the set-up needs failed; the message quotes its output."""


def airflow_env(settings: Settings, *, port: int = DEFAULT_PORT) -> dict:
    """The environment every Airflow process of this installation runs with."""
    home = Path(os.environ.get("AIRFLOW_HOME") or settings.airflow_home)
    db_url = os.environ.get(DB_URL_ENV) or f"sqlite:///{home / 'airflow.db'}"
    executor = os.environ.get(EXECUTOR_ENV) or "LocalExecutor"
    if executor == CELERY and db_url.startswith("sqlite"):
        raise AirflowSetupError(f"the {CELERY} needs a metadata DB other processes reach: set {DB_URL_ENV}")
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__CORE__EXECUTOR=executor,
        # SQLite takes one writer at a time: one task at a time there, side by side on PostgreSQL
        AIRFLOW__CORE__PARALLELISM="1" if db_url.startswith("sqlite") else "4",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=db_url,
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__API_AUTH__JWT_SECRET=_installation_secret(home / "jwt_secret"),
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{ADMIN_USER}:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords_file(home)),
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="30",
        AIRFLOW__LOGGING__COLORED_CONSOLE_LOG="False",
        LCQ_HOME=str(settings.home),
        PYTHONWARNINGS="ignore",
        NO_COLOR="1",
    )
    if executor == CELERY:  # tasks go through the broker to the workers; their states to the metadata DB
        env.update(
            AIRFLOW__CELERY__BROKER_URL=os.environ.get(BROKER_ENV) or DEFAULT_BROKER,
            AIRFLOW__CELERY__RESULT_BACKEND="db+" + db_url.replace("+asyncpg", "+psycopg2"),
            AIRFLOW__CELERY__WORKER_CONCURRENCY=env["AIRFLOW__CORE__PARALLELISM"],
        )
    return env


def passwords_file(airflow_home: Path) -> Path:
    return airflow_home / "passwords.json"


def admin_password(env: dict) -> str:
    """The admin's password (made once per Airflow home, kept in its passwords file)."""
    path = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    if not path.exists():
        write_json(path, {ADMIN_USER: secrets.token_urlsafe(12)})
        path.chmod(0o600)
    return read_json(path)[ADMIN_USER]


def _installation_secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def airflow_command(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    airflow = Path(sys.executable).parent / "airflow"
    return subprocess.run([str(airflow), *args], env=env, check=False, **kwargs)


def prepare(env: dict, say=print) -> None:
    """Migrate the metadata DB and create the warehouse pool (both idempotent) and the login."""
    for args in (["db", "migrate"], ["pools", "set", WAREHOUSE_POOL, "1", "DuckDB warehouse: one writer"]):
        proc = airflow_command(args, env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AirflowSetupError(f"airflow {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    admin_password(env)
    say(f"Airflow metadata DB ready ({_shown(env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'])}), pool {WAREHOUSE_POOL}")


def _shown(url: str) -> str:
    """A DB URL without its password, for the console."""
    head, sep, tail = url.partition("@")
    return f"{head.split(':')[0]}://…@{tail}" if sep and ":" in head.split("//", 1)[-1] else url


COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def start_components(env: dict, logs: Path, port: int = DEFAULT_PORT) -> dict[str, subprocess.Popen]:
    """Start Airflow's components in the background, each logging to `logs/<component>.log`."""
    logs.mkdir(parents=True, exist_ok=True)
    airflow = Path(sys.executable).parent / "airflow"
    started = {}
    # under the CeleryExecutor a worker on this host too (more hosts: README, "Scale out")
    worker = ("celery worker",) if env["AIRFLOW__CORE__EXECUTOR"] == CELERY else ()
    for name in (*COMPONENTS, *worker):
        args = [str(airflow), *name.split(), *(["--port", str(port)] if name == "api-server" else [])]
        with open(logs / f"{name.replace(' ', '-')}.log", "w") as handle:
            started[name] = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return started


def stop_components(started: dict[str, subprocess.Popen], timeout: float = 30) -> None:
    for proc in started.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in started.values():
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
