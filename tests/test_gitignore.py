"""What running Caliber in a checkout leaves behind is ignored by git: SQLite's write-ahead log and shared
memory next to the catalog, the demo warehouse and its log."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "left_behind", ["caliber.db", "caliber.db-wal", "caliber.db-shm", "caliber.db-journal", "demo.duckdb"]
)
def test_files_a_running_service_writes_are_ignored(left_behind: str) -> None:
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", left_behind], cwd=ROOT, check=False)
    assert done.returncode == 0, f"{left_behind} is not in .gitignore"
