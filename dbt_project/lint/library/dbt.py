"""Stand-ins for dbt's cross-database macros, so sqlfluff's jinja templater can render the
models without a dbt compile (DuckDB spellings)."""


def type_string():
    return "varchar"


def type_bigint():
    return "bigint"


def type_timestamp():
    return "timestamp"


def type_boolean():
    return "boolean"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"{from_date_or_timestamp} + (interval 1 {datepart} * ({interval}))"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"
