"""Writing translated files: nothing is overwritten unless asked, and nothing is half-written.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> write_files(out, {"shop/metrics.yaml": "metrics: {}\\n"})
['shop/metrics.yaml']
>>> write_files(out, {"shop/metrics.yaml": "metrics: {}\\n"})
Traceback (most recent call last):
...
catalog.interchange.files.WouldOverwrite: shop/metrics.yaml exists; pass --force to replace it
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


class WouldOverwrite(Exception):
    pass


def write_files(out: Path, files: Mapping[str, str], force: bool = False) -> list[str]:
    """Write `files` (relative path → text) under `out`; refuse before writing anything if one exists."""
    targets = {name: out / name for name in files}
    for name, target in targets.items():
        if target.exists() and not force:
            raise WouldOverwrite(f"{name} exists; pass --force to replace it")
    for name, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Each file appears whole or not at all: written beside its target, then renamed over it.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(files[name])
        os.replace(temporary, target)
    return sorted(files)
