"""Check a folder of MetricFlow YAML with MetricFlow's own parser and validator (run in its venv).

    bench/.venvs/metricflow/bin/python bench/peers/metricflow_validate.py DIR

Prints one JSON object: {"errors": [...], "metrics": [names]}; exit 0 when MetricFlow accepts the model.
"""

from __future__ import annotations

import json
import sys

from metricflow_semantic_interfaces.parsing.dir_to_model import (
    parse_directory_of_yaml_files_to_semantic_manifest,
)
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)


def main() -> None:
    try:
        parsed = parse_directory_of_yaml_files_to_semantic_manifest(sys.argv[1])
    except Exception as err:  # a parse failure is the answer, not a crash of the checker
        print(json.dumps({"errors": [f"parse: {err}"], "metrics": []}))
        raise SystemExit(1) from None
    results = SemanticManifestValidator().validate_semantic_manifest(parsed.semantic_manifest)
    errors = [str(e) for e in results.errors]
    metrics = sorted(m.name for m in parsed.semantic_manifest.metrics)
    print(json.dumps({"errors": errors, "metrics": metrics}))
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
