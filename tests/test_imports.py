"""The layering of the code base: no import cycle among the project's modules, and a core free of the service.

Imports are read from the syntax tree of every module of `catalog/` and `app/`, at module level and inside
functions alike (a cycle hidden in a function still breaks when the function first runs). Imports under
`if TYPE_CHECKING:` are left out: they never run, only the type checker reads them.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Container
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("catalog", "app")
SERVICE_LIBRARIES = ("app", "fastapi", "starlette", "uvicorn")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _runs(node: ast.If) -> bool:
    """False for `if TYPE_CHECKING:` (plain or as `typing.TYPE_CHECKING`)."""
    test = node.test
    return not (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imported(tree: ast.AST, module: str, is_package: bool, modules: Container[str] = ()) -> set[str]:
    """Every module an import statement of `tree` names: `from x import y` names `x.y` when that is one of
    `modules`, else `x` (a parent package runs first, as for any submodule, and is not counted)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and not _runs(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _graph() -> dict[str, set[str]]:
    """Module → the project modules it imports. Importing `a.b.c` runs the packages `a` and `a.b` first, so
    those count too, except the packages the importing module itself sits in (already running)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        own = _packages(name) | {name}
        imported = set()
        for target in _imported(tree, name, path.name == "__init__.py", modules):
            imported |= {target, *_packages(target)} - own
        graph[name] = {m for m in imported if m in modules}
    return graph


def _packages(module: str) -> set[str]:
    """`a.b.c` → {"a", "a.b"}."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_module_of_catalog_or_app_imports_itself_back_through_others() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_sees_imports_inside_functions_and_skips_type_checking_blocks() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from catalog.b import B\n"
        "def f():\n    from catalog import c\n"
    )
    assert _imported(tree, "catalog.a", False, {"catalog.b", "catalog.c"}) == {"typing", "catalog.c"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_library_imports_nothing_of_the_service() -> None:
    offending = []
    for name, path in _modules().items():
        if not name.startswith("catalog"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        every = {n.name for node in ast.walk(tree) if isinstance(node, ast.Import) for n in node.names} | {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and not node.level
        }
        offending += [f"{name} imports {m}" for m in every if m.split(".")[0] in SERVICE_LIBRARIES]
    assert offending == []


def test_every_module_of_catalog_and_app_imports() -> None:
    failed = []
    for name in _modules():
        try:
            importlib.import_module(name)
        except Exception as err:  # every failure is reported, not only the first
            failed.append(f"{name}: {err!r}")
    assert failed == []
