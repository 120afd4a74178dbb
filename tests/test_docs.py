"""The README and docs/ stand alone and stay true: links resolve inside the repository, the metrics in their
examples exist in metric_defs/, and the engine table says exactly which engines the tests execute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalog.compile.dialects import DIALECTS
from catalog.lint import lint_paths
from tests.engines.loading import ENGINES

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.md")])
SOURCES_WITH_EXAMPLES = [ROOT / "catalog" / "cli.py", *(ROOT / "app" / "routers").glob("*.py")]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# README names → dialect names of catalog.compile.dialects.
ENGINE_NAMES = {"postgresql": "postgres", "mysql / mariadb": "mysql"}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("doc", DOCS, ids=relative)
def test_every_link_resolves_inside_the_repository(doc: Path) -> None:
    text = doc.read_text("utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "#")):
            continue
        found = (doc.parent / target.split("#")[0]).resolve()
        assert found.is_relative_to(ROOT) and found.exists(), f"{relative(doc)} links to {target}"
    for outside in ("/work/", "../shared", "SQL-CONVENTIONS"):
        assert outside not in text, f"{relative(doc)} names {outside}"


def test_the_metrics_in_command_and_url_examples_exist_in_the_bundled_catalog() -> None:
    catalog = lint_paths([ROOT / "metric_defs"]).catalog
    known = set(catalog.metrics) | {key.rsplit(".", 1)[1] for key in catalog.metrics}
    used: dict[str, str] = {}
    for path in [*DOCS, *SOURCES_WITH_EXAMPLES]:
        for line in path.read_text("utf-8").splitlines():
            if "caliber compile" in line or "/v1/compile" in line:
                for name in re.findall(
                    r"(?<!python )(?<!python3 )(?:--metric|-m)\s+([\w.@]+)|metric=([\w.@]+)", line
                ):
                    used[(name[0] or name[1]).split("@")[0]] = relative(path)
    assert {"gmv", "arppu"} <= set(used)
    assert {name: where for name, where in used.items() if name not in known} == {}


def test_the_readme_engine_table_says_which_engines_the_tests_execute() -> None:
    rows = re.findall(
        r"^\| ([^|]+?) \| (executed|rendered only)[^|]*\|$", (ROOT / "README.md").read_text(), re.M
    )
    table = {ENGINE_NAMES.get(name.lower(), name.lower()): how for name, how in rows}
    assert set(table) == set(DIALECTS)
    # `hive-on-spark` is the hive dialect's SQL executed on Spark.
    assert {name for name, how in table.items() if how == "executed"} == {
        engine.removesuffix("-on-spark") for engine in ENGINES
    }
