"""Golden tests: the `tests:` section of definition files, run by `caliber test`.

A golden test is a metric query over data the definitions ship (CSV files or a SQL file next to them) with the
rows it must return, or an invariant its rows must satisfy. `spec` reads the tests, `data` loads their data
into a warehouse, `rows` compares results, `invariant` evaluates invariants and `runner` runs it all on an
in-memory DuckDB or on a warehouse given by URL. Nothing here is imported by lint but `invariant`, which
checks the shape of an invariant.
"""
