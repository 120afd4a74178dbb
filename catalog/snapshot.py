"""A snapshot of a linted catalog, keyed by content, so a new process need not lint the same files again.

`load_catalog(paths)` reads the definition files, hashes their bytes together with their names and
namespaces, Caliber's own pipeline code and the versions of the libraries that shape the result, and
unpickles the `LintResult` stored under that hash when there is one. Otherwise it lints the very bytes it
hashed and stores the result. The key is content, never time: editing, adding, removing or renaming a file,
or changing Caliber, gives another key. A snapshot is only read from the cache folder of the user running
Caliber (`$CALIBER_CACHE_DIR`, else `$XDG_CACHE_HOME/caliber`, else `~/.cache/caliber`), which must be as
trusted as that user's `.pyc` files: unpickling runs code.

    >>> first = load_catalog(["metric_defs"], cache_dir="/tmp/cache")  # lints, writes <sha256>.pickle
    >>> again = load_catalog(["metric_defs"], cache_dir="/tmp/cache")  # unpickled: nothing parsed again
    >>> again == first, again.ok
    (True, True)

Finding the files and loading a snapshot import neither the YAML parser, the definition schema nor the
compare stage: a cold `caliber compile` pays for the compiler only.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from catalog.files import display_name, find_files, read_capped
from catalog.model import LintResult

FORMAT = 1
"""Bump when the layout of a snapshot changes."""
KEEP = 16
"""Snapshots kept per cache folder; older ones are removed when a new one is written."""
SUFFIX = ".pickle"


def load_catalog(paths: Iterable[Path | str], cache_dir: Path | str | None = None) -> LintResult:
    """Lint `paths` like `catalog.lint.lint_paths`, reusing the snapshot of identical files when one exists.

    Missing paths and unreadable files are never cached: they are linted (and reported) every time.
    """
    given = [Path(p) for p in paths]
    files, problems = find_files(given)
    contents: list[tuple[str, str, bytes]] = []
    unreadable = False
    for file, namespace in files:
        try:
            contents.append((display_name(file), namespace, read_capped(file)))
        except OSError:
            unreadable = True
    if problems or unreadable:
        from catalog.lint import lint_paths

        return lint_paths(given)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    snapshot = folder / f"{snapshot_key(contents)}{SUFFIX}"
    found = _read(snapshot)
    if found is not None:
        return found
    from catalog.lint import lint_contents

    result = lint_contents(contents)
    _write(snapshot, result)
    return result


def default_cache_dir() -> Path:
    """`$CALIBER_CACHE_DIR`, else `$XDG_CACHE_HOME/caliber`, else `~/.cache/caliber`."""
    if os.environ.get("CALIBER_CACHE_DIR"):
        return Path(os.environ["CALIBER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "caliber"


def snapshot_key(contents: Iterable[tuple[str, str, bytes]]) -> str:
    """sha256 over the code fingerprint and each file's name, namespace and bytes, in order."""
    digest = hashlib.sha256(_code_fingerprint().encode())
    for name, namespace, data in contents:
        for part in (name.encode("utf-8", "surrogatepass"), namespace.encode(), data):
            # Length-prefixed, so that no two different file lists hash the same byte stream.
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


@cache
def _code_fingerprint() -> str:
    """What else decides a lint result: the pipeline's source, Python and the parsing libraries' versions."""
    import pydantic.version
    import sqlglot

    package = Path(__file__).parent
    versions = f"{FORMAT}|{sys.version}|{sqlglot.__version__}|{pydantic.version.VERSION}"
    digest = hashlib.sha256(versions.encode())
    pipeline = ("*.py", "compare/*.py", "metric_types/*.py")
    for source in sorted(path for pattern in pipeline for path in package.glob(pattern)):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _read(snapshot: Path) -> LintResult | None:
    try:
        data = snapshot.read_bytes()
    except OSError:
        return None
    # Unpickling allocates every object of the catalog at once: the collector would only re-scan them.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        found = pickle.loads(data)
    except Exception:  # a truncated or foreign file is a miss, never an error
        return None
    finally:
        if was_enabled:
            gc.enable()
    return found if isinstance(found, LintResult) else None


def _write(snapshot: Path, result: LintResult) -> None:
    """Write next to the final name and rename, so a reader never sees half a file; a cache that cannot be
    written (read-only home, full disk) only costs the next process a lint."""
    partial = snapshot.with_name(f"{snapshot.name}.{os.getpid()}.partial")
    try:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, snapshot)
        _prune(snapshot.parent)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Keep the KEEP most recently written snapshots (age only evicts; it never decides a hit)."""
    stored = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in stored[KEEP:]:
        old.unlink(missing_ok=True)
