"""`make bench`: the product's one measurement (`cli.py` says what it runs).

Modules: `cli` (arguments, the run), `data` (cached demo landings, bench installations),
`measure` (a callable in a child process: wall time, peak RSS of its process tree),
`scenarios` (the monthly run step by step, nightly, history), `floor` (the DuckDB SQL floor),
`pandas_ref` (the pandas alternative), `indicators` (what those two share, and their check
against the pipeline's mart), `report` (ratios, targets, the table and the JSON).
Nothing here is imported by the product.
"""
