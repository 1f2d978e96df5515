"""Stand-in for dbt's `exceptions` namespace when linting."""


def raise_compiler_error(message):
    raise RuntimeError(message)
