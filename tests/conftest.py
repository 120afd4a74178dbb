"""Suite-wide setup: catalog snapshots go to a temporary folder, never to the user's cache."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Set before any test starts a subprocess (the CLI tests do), so children inherit it too.
    os.environ.setdefault("CALIBER_CACHE_DIR", tempfile.mkdtemp(prefix="caliber-test-cache-"))
