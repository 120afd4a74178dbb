"""What `caliber import …` and `caliber export …` do, apart from parsing arguments (catalog.cli).

Each returns the report text and the exit status: 0 written (the report lists what was left out), 1 written
but something was left out and `strict` was asked, or the written definitions fail lint, 2 usage or I/O error
(nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from catalog.interchange.files import WouldOverwrite, write_files
from catalog.interchange.report import FORMATS, Report, render_report

if TYPE_CHECKING:
    from catalog.model import Catalog


def import_dbt(
    path: Path,
    out: Path,
    namespace: str | None,
    fmt: str,
    force: bool,
    strict: bool,
    stage: str,
    owner: str,
    schema: str,
) -> tuple[str, int]:
    from catalog.interchange.dbt_import import import_dbt_path

    if problem := _usage(fmt, path):
        return problem, 2
    result = import_dbt_path(path, namespace, stage=stage, owner=owner, schema=schema)
    return _write_and_lint(result.files(), out, result.namespace, result.report, fmt, force, strict)


def import_ossie(
    path: Path, out: Path, fmt: str, force: bool, strict: bool, stage: str, owner: str
) -> tuple[str, int]:
    from catalog.interchange.ossie import import_ossie_path

    if problem := _usage(fmt, path):
        return problem, 2
    result = import_ossie_path(path, stage=stage, owner=owner)
    namespaces = sorted({name.split("/", 1)[0] for name in result.files()})
    return _write_and_lint(result.files(), out, namespaces, result.report, fmt, force, strict)


def export_dbt(
    defs: list[Path], out: Path, fmt: str, force: bool, strict: bool, time_spine: str | None
) -> tuple[str, int]:
    from catalog.interchange.dbt_export import export_dbt_catalog

    if problem := _usage(fmt, *defs):
        return problem, 2
    catalog, problem = _catalog(defs)
    if catalog is None:
        return problem, 2
    files, report = export_dbt_catalog(catalog, time_spine=time_spine)
    return _write(files, out, report, fmt, force, strict)


def export_ossie(defs: list[Path], out: Path | None, fmt: str, strict: bool, force: bool) -> tuple[str, int]:
    from catalog.interchange.ossie import export_ossie_catalog

    if problem := _usage(fmt, *defs):
        return problem, 2
    catalog, problem = _catalog(defs)
    if catalog is None:
        return problem, 2
    text, report = export_ossie_catalog(catalog)
    if out is None:
        # The document goes to stdout; the report follows it as YAML comments so the stream stays valid.
        comment = "\n".join(f"# {line}" for line in render_report(report, "text").splitlines())
        return f"{text}{comment}", 1 if strict and report.findings else 0
    return _write({out.name: text}, out.parent, report, fmt, force, strict)


def _usage(fmt: str, *paths: Path) -> str | None:
    if fmt not in FORMATS:
        return f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
    missing = [str(p) for p in paths if not p.exists()]
    return f"no such file or folder: {', '.join(missing)}" if missing else None


def _catalog(defs: list[Path]) -> tuple[Catalog | None, str]:
    from catalog.lint import lint_paths

    result = lint_paths(defs)
    unreadable = [i.message for i in result.issues if i.code == "Y005"]
    if unreadable:
        return None, "\n".join(unreadable)
    return result.catalog, ""


def _write(
    files: dict[str, str], out: Path, report: Report, fmt: str, force: bool, strict: bool
) -> tuple[str, int]:
    try:
        written = write_files(out, files, force)
    except WouldOverwrite as err:
        return f"{err}; nothing was written", 2
    except OSError as err:
        return f"cannot write under {out}: {err.strerror or err}; nothing was written", 2
    text = render_report(report, fmt)
    if fmt == "text":
        text = "\n".join([*(f"wrote {out / name}" for name in written), text])
    return text, 1 if strict and report.findings else 0


def _write_and_lint(
    files: dict[str, str],
    out: Path,
    namespaces: str | list[str],
    report: Report,
    fmt: str,
    force: bool,
    strict: bool,
) -> tuple[str, int]:
    from catalog.issues import Level
    from catalog.lint import lint_paths

    if not files:
        return render_report(report, fmt) + ("\nnothing to write" if fmt == "text" else ""), 1
    try:
        written = write_files(out, files, force)
    except WouldOverwrite as err:
        return f"{err}; nothing was written", 2
    except OSError as err:
        return f"cannot write under {out}: {err.strerror or err}; nothing was written", 2
    # The whole output folder is linted, so a clash with definitions already there (C001: the same name
    # with another caliber) shows; only problems in the files just written are reported.
    folders = [(out / ns).resolve() for ns in ([namespaces] if isinstance(namespaces, str) else namespaces)]
    failed = False
    for problem in lint_paths([out]).issues:
        mine = any(folder in Path(problem.location.file).resolve().parents for folder in folders)
        if mine and problem.level is Level.ERROR:
            failed = True
            report.add("lint", "file", problem.code, problem.location.file, problem.message)
    text = render_report(report, fmt)
    if fmt == "text":
        text = "\n".join([*(f"wrote {out / name}" for name in written), text])
    return text, 1 if failed or (strict and report.findings) else 0
