"""Great Expectations, imported quietly and run on small pandas frames.

GX is imported lazily (it takes ~7-9 s on this machine, which an Airflow DAG parse must
not pay) and quietly:
- before the import the `great_expectations` logger is capped at WARNING, so the
  hundreds of `great_expectations._docs_decorators` INFO lines emitted while importing
  never reach a handler, even when the root logger is at INFO or DEBUG (as under Airflow);
- after the import, and again at every use, every `great_expectations.*` logger is
  capped at WARNING too: GX sets some to INFO itself (`data_context.types.base` logs
  each ephemeral context's temporary docs folder);
- every context is created with progress bars off (`ProgressBarsConfig`), so no tqdm
  "Calculating Metrics" bars are written to stderr;
- Python warnings raised inside GX calls are not shown;
- pyspark (installed for the Spark engine) is hidden from the import: GX imports it whenever it
  is installed, which costs seconds and, in a `python -c` process, ends the process (pyspark
  takes it for a doctest run). The gate runs on pandas frames and never needs it.
GX 1.24 sends no usage statistics and does not use structlog; nothing else to silence.
"""

from __future__ import annotations

import logging
import sys
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_gx_modules: tuple[Any, Any, Any] | None = None


def quiet_gx_logging() -> None:
    """Cap GX's loggers at WARNING; idempotent, and re-applied at every use."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if (
            name.startswith("great_expectations.")
            and isinstance(logger, logging.Logger)
            and logging.NOTSET < logger.level < logging.WARNING
        ):
            logger.setLevel(logging.WARNING)


@contextmanager
def _without_pyspark():
    """`import pyspark` fails inside (unless this process already imported it)."""
    hidden = "pyspark" not in sys.modules
    if hidden:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # the import system's "not found"
    try:
        yield
    finally:
        if hidden:
            del sys.modules["pyspark"]


def import_gx() -> tuple[Any, Any, Any]:
    """(great_expectations, great_expectations.expectations, ProgressBarsConfig), imported quietly."""
    global _gx_modules
    quiet_gx_logging()
    if _gx_modules is None:
        with warnings.catch_warnings(), _without_pyspark():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            import great_expectations.expectations as gxe
            from great_expectations.data_context.types.base import ProgressBarsConfig
        _gx_modules = (gx, gxe, ProgressBarsConfig)
        quiet_gx_logging()
    return _gx_modules


def expectation(type_: str, kwargs: dict[str, Any], meta: dict[str, Any] | None = None) -> Any:
    """A GX expectation object from its type name (`expect_column_values_to_not_be_null`) and kwargs."""
    import_gx()
    from great_expectations.expectations.registry import get_expectation_impl

    cls = get_expectation_impl(type_)
    return cls(**kwargs, meta=meta or {})


def validate(df: pd.DataFrame, expectations: list[Any], index_columns: list[str] | None = None) -> list[Any]:
    """Validate `df` with `expectations` in a fresh ephemeral context; results in input order.

    Each expectation must carry `meta["check"]`, its position: GX does not keep the
    suite's order in its results.
    """
    gx, _, ProgressBarsConfig = import_gx()
    quiet_gx_logging()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        batch_definition = (
            context.data_sources.add_pandas("lcq_quality")
            .add_dataframe_asset("frame")
            .add_batch_definition_whole_dataframe("whole")
        )
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        suite = gx.ExpectationSuite(name="lcq_quality")
        # A suite is a set: GX drops an expectation equal to one already added (meta
        # aside), so equal checks share the first one's result.
        first: dict[str, int] = {}
        alias: list[int] = []
        for i, e in enumerate(expectations):
            key = e.expectation_type + repr(e.dict(exclude={"id", "rendered_content", "notes", "meta"}))
            alias.append(first.setdefault(key, i))
            if alias[-1] == i:
                suite.add_expectation(e)
        result_format: dict[str, Any] = {"result_format": "COMPLETE"}
        if index_columns:
            result_format["unexpected_index_column_names"] = list(index_columns)
        validation = batch.validate(suite, result_format=result_format)
    by_check = {r.expectation_config.meta["check"]: r for r in validation.results}
    return [by_check[alias[i]] for i in range(len(expectations))]


def exception_message(result: Any) -> str | None:
    """The first exception message GX recorded for a result, if any."""
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
