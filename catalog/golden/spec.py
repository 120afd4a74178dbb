"""Find the golden tests of definition files: each valid test with its file, position and data folder.

>>> tests = find_tests(["metric_defs"])
>>> tests[0].location.file.endswith(".yaml"), tests[0].definition.query.metrics != []
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from catalog.files import display_name, find_files
from catalog.issues import Location
from catalog.load import load_file
from catalog.schema import GoldenTestDef
from catalog.validate import validate_tests


@dataclass(frozen=True, slots=True)
class GoldenTest:
    name: str
    location: Location
    folder: Path
    """The folder of the YAML file: `data` paths are relative to it."""
    root: Path
    """The folder given on the command line that holds the file: data may not be read from outside it."""
    definition: GoldenTestDef


def find_tests(paths: Iterable[Path | str]) -> list[GoldenTest]:
    """Every golden test of valid shape under `paths`, in file order (lint reports the broken ones)."""
    given = [Path(p) for p in paths]
    roots = [p.resolve() if p.is_dir() else p.resolve().parent for p in given]
    files, _ = find_files(given)
    tests: list[GoldenTest] = []
    for file, _namespace in files:
        doc, _ = load_file(file, display_name(file))
        if doc is None:
            continue
        folder = file.resolve().parent
        root = next((r for r in roots if folder.is_relative_to(r)), folder)
        found, _ = validate_tests(doc)
        for name, definition in found.items():
            tests.append(GoldenTest(name, doc.position(("tests", name)), folder, root, definition))
    return tests
