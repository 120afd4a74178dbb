"""`caliber` (app.cli, the installed program) as a newcomer meets it: the version, the help's defaults, and help examples that run."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app  # the `caliber` program: the library's commands with serve and mcp

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def help_of(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_caliber_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"caliber {version('caliber')}\n")


def test_the_module_runs_as_the_caliber_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "catalog.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("caliber ")


@pytest.mark.parametrize(
    ("command", "option", "default"),
    [
        (("compile",), "--defs", "metric_defs"),
        (("conflicts",), "│   paths", "metric_defs"),
        (("publish",), "--db", "CALIBER_DATABASE_URL or sqlite:///./caliber.db"),
        (("publish",), "--author", "$USER"),
    ],
)
def test_the_help_shows_each_default(command: tuple[str, ...], option: str, default: str) -> None:
    line = next(line for line in help_of(*command).splitlines() if option in line.lower())
    assert f"[default: ({default})]" in line, line


def test_the_compile_help_example_runs_on_the_bundled_definitions() -> None:
    example = re.search(r"Example: caliber (compile .*)", help_of("compile"))
    assert example is not None
    args = re.findall(r"\"[^\"]*\"|\S+", example.group(1).split("│")[0].strip())
    result = runner.invoke(app, [a.strip('"') for a in args] + ["--defs", str(ROOT / "metric_defs")])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().upper().startswith("SELECT")
