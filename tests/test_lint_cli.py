"""`caliber lint PATH...`: one line per issue, four formats, exit 0 clean / 1 errors / 2 usage or I/O."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.issues import CODES, Level, Location, issue
from catalog.lint import lint_paths
from catalog.report import render

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "lint_base"
BROKEN = FIXTURES / "broken"
ROOT = Path(__file__).parent.parent


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", *map(str, args)])
    return result.exit_code, result.output


@pytest.fixture()
def warned(tmp_path: Path) -> Path:
    """A tree whose only finding is a warning (a source without columns)."""
    folder = tmp_path / "sales"
    folder.mkdir()
    (folder / "sources.yaml").write_text("sources:\n  raw: {table: dw.raw}\n", "utf-8")
    return folder


def test_a_clean_tree_exits_0() -> None:
    code, output = run(BASE)
    assert code == 0 and output.strip() == "0 error(s), 0 warning(s)"


def test_errors_exit_1_and_print_file_line_col_code_message_and_hint() -> None:
    code, output = run(BASE, BROKEN / "r003_unknown_ratio_denominator.yaml")
    assert code == 1
    first, hint = output.splitlines()[:2]
    assert first.endswith("r003_unknown_ratio_denominator.yaml:6:5: R003 unknown metric 'active_user'")
    assert hint == "    hint: did you mean 'paying_users'?"


def test_warnings_do_not_fail_unless_strict(warned: Path) -> None:
    code, output = run(warned)
    assert code == 0 and "W001" in output and output.rstrip().endswith("0 error(s), 1 warning(s)")
    assert "(warning)" in output
    assert CliRunner().invoke(app, ["lint", "--strict", str(warned)]).exit_code == 1


def test_a_missing_path_is_an_io_error_exit_2(tmp_path: Path) -> None:
    code, output = run(tmp_path / "nope")
    assert code == 2 and "Y005" in output


def test_an_unreadable_file_is_exit_2() -> None:
    assert run(BASE, BROKEN / "y005_file_not_utf8.yaml")[0] == 2


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(app, ["lint"]).exit_code == 2
    assert CliRunner().invoke(app, ["lint", "--format", "xml", str(BASE)]).exit_code == 2
    assert CliRunner().invoke(app, ["lint", "--bogus", str(BASE)]).exit_code == 2


def test_json_lists_every_issue_with_its_location() -> None:
    case = BROKEN / "j002_join_would_fan_out.yaml"
    result = CliRunner().invoke(app, ["lint", "-f", "json", str(BASE), str(case)])
    assert result.exit_code == 1
    [found] = json.loads(result.output)
    assert found["code"] == "J002" and found["level"] == "error" and (found["line"], found["col"]) == (7, 18)
    assert found["file"].endswith("j002_join_would_fan_out.yaml") and found["hint"]


def test_github_annotations_escape_properties_and_data() -> None:
    found = [
        issue("R003", "unknown metric 'x'\nsecond line 100%", Location("a,b:c.yaml", 3, 4), "fix, it"),
        issue("W001", "no columns", Location("a.yaml", 1, 1)),
    ]
    lines = render(found, "github").splitlines()
    assert lines[0] == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=R003::"
        "unknown metric 'x'%0Asecond line 100%25 — hint: fix, it"
    )
    assert lines[1].startswith("::warning file=a.yaml,line=1,col=1,title=W001::")


def test_sarif_is_a_2_1_0_log_with_rules_results_and_regions() -> None:
    cases = [str(BROKEN / "w002_deprecated_metric.yaml"), str(BROKEN / "q004_function_not_allowed.yaml")]
    result = CliRunner().invoke(app, ["lint", "-f", "sarif", str(BASE), *cases])
    log = json.loads(result.output)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run_] = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "caliber"
    assert [r["id"] for r in driver["rules"]] == ["Q004", "W002"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]][1]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    for found in run_["results"]:
        assert driver["rules"][found["ruleIndex"]]["id"] == found["ruleId"]
        assert found["level"] in ("error", "warning") and found["message"]["text"]
        [location] = found["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert {r["level"] for r in run_["results"]} == {"error", "warning"}


def test_sarif_uris_are_uris_and_unknown_lines_have_no_region() -> None:
    log = json.loads(render([issue("Y005", "gone", Location("/tmp/my defs/a.yaml", 0, 0))], "sarif"))
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "file:///tmp/my%20defs/a.yaml"}}


def test_every_format_renders_every_code() -> None:
    found = [issue(code, f"message for {code}", Location("a.yaml", 1, 1), "a hint") for code in CODES]
    for fmt in ("text", "json", "github", "sarif"):
        text = render(found, fmt)
        assert all(code in text for code in CODES)
    assert render(found, "text").splitlines()[-1] == (
        f"{sum(1 for c in CODES.values() if c[0] is Level.ERROR)} error(s), "
        f"{sum(1 for c in CODES.values() if c[0] is Level.WARNING)} warning(s)"
    )


def test_every_broken_fixture_fails_strict_lint_and_never_crashes() -> None:
    for case in sorted(BROKEN.glob("*.yaml")):
        result = CliRunner().invoke(app, ["lint", "--strict", str(BASE), str(case)])
        assert result.exception is None or isinstance(result.exception, SystemExit), case
        assert result.exit_code in (1, 2), case


def test_hidden_and_underscore_folders_and_non_yaml_files_are_skipped(tmp_path: Path) -> None:
    for name in (".git/x.yaml", "_drafts/x.yaml", "notes.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("- not a definition\n", "utf-8")
    assert run(tmp_path)[0] == 0


def test_the_standard_library_lints_clean_in_process() -> None:
    # How fast is measured by bench/lint_bench.py, never by a timed test.
    result = lint_paths([ROOT / "metric_defs"])
    assert result.errors == () and result.warnings == ()


def test_the_command_line_lints_the_standard_library_clean_in_a_fresh_process() -> None:
    command = [sys.executable, "-c", "from catalog.cli import main; main()", "lint", "metric_defs"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_device_is_not_linted_and_is_an_io_error() -> None:
    code, output = run("/dev/zero")
    assert code == 2 and "Y005 not a regular file or folder" in output
