"""Stage 2 — check the shape of each definition in a loaded document against the language (`catalog.schema`).

Each source, dimension and metric is validated on its own, so one broken metric does not hide the others and
the valid ones still reach reference checks. Pydantic's errors are translated to coded issues at the line of
the offending key, with the close field name suggested for a misspelling.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping, Set
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError

from catalog.golden.invariant import invariant_problems
from catalog.issues import Issue, issue
from catalog.load import Document
from catalog.metric_types.base import MetricType
from catalog.metric_types.registry import by_name
from catalog.schema import DimensionDef, GoldenTestDef, SourceDef
from catalog.table_names import table_problem

Kind = Literal["sources", "dimensions", "metrics"]
KINDS: tuple[Kind, ...] = ("sources", "dimensions", "metrics")
FILE_FIELDS = ("namespace", *KINDS, "tests")
STANDARD_TYPES = by_name()

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_ERRORS_PER_ITEM = 20


@dataclass(frozen=True, slots=True)
class Item:
    """One validated definition, with the document it came from and its key path there."""

    kind: Kind
    namespace: str
    name: str
    definition: Any
    """The validated pydantic model, or None when the definition is broken (its issues already reported)."""
    raw: dict[str, Any]
    doc: Document
    path: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}"


def validate_document(
    doc: Document,
    default_namespace: str,
    allowed_schemas: Set[str] | None = None,
    *,
    types: Mapping[str, MetricType[Any]] = STANDARD_TYPES,
) -> tuple[list[Item], list[Issue]]:
    """Validate one document; returns the items that passed and the issues found.

    `allowed_schemas`, when given, is the only schemas a source's table may be in (`catalog.table_names`);
    `types` are the metric types a metric may be of, by name.
    """
    if not isinstance(doc.data, dict):
        return [], [
            issue(
                "Y006",
                "a definition file must be a mapping with sources, dimensions or metrics",
                doc.position(()),
                "start the file with `metrics:`",
            )
        ]
    issues: list[Issue] = []
    for key in doc.data:
        if key not in FILE_FIELDS:
            issues.append(_unknown_field(doc, (key,), key, list(FILE_FIELDS)))
    namespace = doc.data.get("namespace", default_namespace)
    if not isinstance(namespace, str) or not SNAKE_CASE.match(namespace):
        issues.append(
            issue(
                "S005",
                f"namespace {namespace!r} is not snake_case",
                doc.position(("namespace",)),
                "name the folder (or `namespace:`) in lower case with underscores",
            )
        )
        return [], issues
    items: list[Item] = []
    for kind in KINDS:
        section = doc.data.get(kind)
        if section is None:
            continue
        if not isinstance(section, dict):
            issues.append(
                issue(
                    "S003",
                    f"`{kind}` must be a mapping of name → definition",
                    doc.position((kind,)),
                    f"write `{kind}:` followed by indented names",
                )
            )
            continue
        for name, raw in section.items():
            item, found = _validate_item(doc, kind, namespace, name, raw, allowed_schemas, types)
            issues.extend(found)
            items.append(item)
    issues.extend(validate_tests(doc)[1])
    return items, issues


def validate_tests(doc: Document) -> tuple[dict[str, GoldenTestDef], list[Issue]]:
    """The golden tests of a document's `tests:` section that have a valid shape, and the issues of the rest.

    Only the shape is checked here (and that an invariant is one allowed expression); `caliber test` reads
    the data and runs the queries.
    """
    section = doc.data.get("tests") if isinstance(doc.data, dict) else None
    if section is None:
        return {}, []
    if not isinstance(section, dict):
        hint = "write `tests:` followed by indented test names"
        return {}, [issue("S003", "`tests` must be a mapping of name → test", doc.position(("tests",)), hint)]
    tests: dict[str, GoldenTestDef] = {}
    issues: list[Issue] = []
    for name, raw in section.items():
        path = ("tests", name)
        found: list[Issue] = []
        if not SNAKE_CASE.match(name):
            found.append(
                issue(
                    "S005",
                    f"test name {name!r} is not snake_case",
                    doc.position(path),
                    f"rename it to {_snake(name)!r}",
                )
            )
        if not isinstance(raw, dict):
            issues.extend(
                [*found, issue("S003", f"test {name!r} must be a mapping of fields", doc.position(path))]
            )
            continue
        try:
            test = GoldenTestDef.model_validate(raw)
        except ValidationError as err:
            found.extend(
                _from_pydantic(doc, path, GoldenTestDef, e)
                for e in err.errors(include_url=False)[:_MAX_ERRORS_PER_ITEM]
            )
            issues.extend(found)
            continue
        if (test.expected is None) == (test.invariant is None):
            found.append(
                issue(
                    "S002",
                    f"test {name!r} needs either `expected` rows or an `invariant`, not both",
                    doc.position(path),
                    "add `expected:` (a list of rows) or `invariant:` (e.g. `gmv >= net_gmv`)",
                )
            )
        if test.expected is not None and not test.query.metrics:
            found.append(
                issue(
                    "S002",
                    f"test {name!r} expects rows but its query asks for no metric",
                    doc.position((*path, "query")),
                    "add `metrics: [...]` under `query:`",
                )
            )
        if test.invariant is not None:
            for problem in invariant_problems(test.invariant):
                found.append(
                    issue(problem.code, problem.message, doc.position((*path, "invariant")), problem.hint)
                )
        issues.extend(found)
        if not found:
            tests[name] = test
    return tests, issues


def _validate_item(
    doc: Document,
    kind: Kind,
    namespace: str,
    name: str,
    raw: Any,
    allowed_schemas: Set[str] | None,
    types: Mapping[str, MetricType[Any]],
) -> tuple[Item, list[Issue]]:
    path = (kind, name)
    broken = Item(kind, namespace, name, None, raw if isinstance(raw, dict) else {}, doc, path)
    issues: list[Issue] = []
    if not SNAKE_CASE.match(name):
        issues.append(
            issue(
                "S005",
                f"name {name!r} is not snake_case",
                doc.position(path),
                f"rename it to {_snake(name)!r}",
            )
        )
    if not isinstance(raw, dict):
        issues.append(issue("S003", f"{kind[:-1]} {name!r} must be a mapping of fields", doc.position(path)))
        return broken, issues
    model = _model_for(kind, raw, types)
    if model is None:
        given = raw.get("type")
        if given is None:
            issues.append(
                issue(
                    "S002",
                    f"metric {name!r} has no `type`",
                    doc.position(path),
                    f"add `type:` — one of {', '.join(types)}",
                )
            )
        else:
            close = difflib.get_close_matches(str(given), list(types), n=1)
            issues.append(
                issue(
                    "S004",
                    f"unknown metric type {given!r}",
                    doc.position((*path, "type")),
                    f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(types)}",
                )
            )
        return broken, issues
    try:
        definition = model.model_validate(raw)
    except ValidationError as err:
        for error in err.errors(include_url=False)[:_MAX_ERRORS_PER_ITEM]:
            issues.append(_from_pydantic(doc, path, model, error))
        return broken, issues
    if isinstance(definition, SourceDef):
        found_table = table_problem(definition.table, allowed_schemas)
        if found_table is not None:
            where = doc.position((*path, "table"))
            issues.append(issue("S008", found_table.message, where, found_table.hint))
    if issues:
        return broken, issues
    return Item(kind, namespace, name, definition, raw, doc, path), issues


def _model_for(
    kind: Kind, raw: dict[str, Any], types: Mapping[str, MetricType[Any]]
) -> type[BaseModel] | None:
    if kind == "sources":
        return SourceDef
    if kind == "dimensions":
        return DimensionDef
    type_name = raw.get("type")
    found = types.get(type_name) if isinstance(type_name, str) else None
    return found.definition() if found is not None else None


def _from_pydantic(doc: Document, path: tuple[str, ...], model: type[BaseModel], error: Any) -> Issue:
    loc = tuple(str(p) if not isinstance(p, int) else p for p in error["loc"])
    where = doc.position((*path, *loc))
    field = ".".join(str(p) for p in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_field(doc, (*path, *loc), str(loc[-1]), _fields_at(model, loc[:-1]))
    if kind == "missing":
        return issue(
            "S002",
            f"missing required field `{field}`",
            doc.position((*path, *loc[:-1])),
            f"add `{loc[-1]}:` to {path[-1]!r}",
        )
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        close = difflib.get_close_matches(str(error.get("input")), re.findall(r"'([^']+)'", expected), n=1)
        return issue(
            "S004",
            f"`{field}` is {error.get('input')!r}; expected {expected}",
            where,
            f"did you mean {close[0]!r}?" if close else f"use one of {expected}",
        )
    return issue("S003", f"`{field}`: {error['msg']}", where, _type_hint(kind))


def _unknown_field(doc: Document, path: tuple[str | int, ...], name: str, known: list[str]) -> Issue:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else f"known fields: {', '.join(known)}"
    return issue("S001", f"unknown field `{name}`", doc.position(path), hint)


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the model found by following `loc` from `model` (through dicts and lists)."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, UnionType):
            non_none = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = non_none[0] if len(non_none) == 1 else annotation
            if len(non_none) != 1:
                return annotation
        else:
            return annotation


def _type_hint(kind: str) -> str:
    if kind.startswith("string"):
        return "write text (quote it if YAML reads it as a number, date or true/false)"
    if kind.startswith("bool"):
        return "write true or false"
    if kind.startswith(("dict", "model")):
        return "write a mapping of fields"
    if kind.startswith("list"):
        return "write a list, e.g. [a, b]"
    return "check the field's type in docs/definitions.md"


def _snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "name"
