"""Bring definitions in from other semantic layers and take them out again: dbt/MetricFlow and Apache Ossie.

Each direction is a pure function from parsed YAML to parsed YAML plus a `Report` of everything that was not
translated, or was translated with a caveat, each with a stable reason code (`catalog.interchange.report`).
Files are read and written only by `catalog.interchange.files` and the CLI.

    >>> from catalog.interchange.dbt_import import import_dbt_texts
    >>> result = import_dbt_texts({"m.yaml": "metric: {name: x, type: simple, type_params: {measure: y}}"}, "shop")
    >>> [(f.code, f.name) for f in result.report.findings]
    [('unresolved_reference', 'x')]
"""
