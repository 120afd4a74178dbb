"""Stage 1 — read YAML definition files into plain values that remember where each key and value was written.

Only plain YAML 1.2 is accepted: one document of mappings, sequences and core scalars. Values are built in one
pass over the parser's event stream (libyaml via ruamel.yaml.clib) with an explicit stack, never by recursion,
so the limits below are enforced while reading: a very deep document, a billion-laughs document (aliases of
aliases) or a huge one is refused with Y004 before it costs memory or crashes the interpreter.

    >>> doc, issues = load_text("metrics:\\n  gmv: {type: atomic}\\n", "a.yaml")
    >>> doc.data["metrics"]["gmv"]["type"], doc.position(("metrics", "gmv", "type")).line
    ('atomic', 2)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _ruamel_yaml import CParser  # libyaml's parser from ruamel.yaml.clib: events without per-call set-up
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from catalog.files import MAX_FILE_BYTES, read_capped
from catalog.issues import Issue, Location, issue

MAX_NODES = 500_000
"""Values in one document, aliases counted at their expanded size."""
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MERGE}
_INT_RE = re.compile(r"^[-+]?[0-9][0-9_]*$")


@dataclass(slots=True)
class Document:
    """One YAML file as plain Python values plus the position of every key path."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each key path; kept as tuples because a file has thousands of them."""

    def position(self, path: Path_) -> Location:
        """The location of `path`, or of its closest ancestor that has one."""
        while path:
            found = self.positions.get(path)
            if found is not None:
                return Location(self.file, *found)
            path = path[:-1]
        return Location(self.file, *self.positions.get((), (1, 1)))


def load_file(path: Path, display: str | None = None) -> tuple[Document | None, list[Issue]]:
    """Read one file; I/O and size problems become issues, never exceptions."""
    name = display or str(path)
    try:
        data = read_capped(path)
    except OSError as err:
        return None, [
            issue(
                "Y005",
                f"cannot read file: {err.strerror or err}",
                Location(name, 0, 0),
                "check the path and its permissions",
            )
        ]
    return load_bytes(data, name)


def load_bytes(data: bytes, file: str) -> tuple[Document | None, list[Issue]]:
    """Parse the bytes of a file (UTF-8) as `load_file` does once it has read them."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            issue(
                "Y004",
                f"file is larger than {MAX_FILE_BYTES:,} bytes",
                Location(file, 1, 1),
                "split the definitions into several files",
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [
            issue("Y005", f"file is not UTF-8 ({err.reason})", Location(file, 1, 1), "save the file as UTF-8")
        ]
    return load_text(text, file)


def load_text(text: str, file: str = "<input>") -> tuple[Document | None, list[Issue]]:
    """Parse YAML text; the document is None when nothing usable could be read."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [
            issue(
                "Y004",
                f"document is larger than {MAX_FILE_BYTES:,} bytes",
                Location(file, 1, 1),
                "split the definitions into several files",
            )
        ]
    doc = Document(file, None)
    builder = _Builder(doc)
    try:
        doc.data = builder.build(text)
    except _Refused as refused:
        return None, [refused.found]
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        problem = " ".join(str(p) for p in (err.context, err.problem) if p)
        return None, [
            issue(
                "Y001",
                f"malformed YAML: {problem}",
                loc,
                "check indentation, quotes and that every mapping key ends with ':'",
            )
        ]
    except (YAMLError, ValueError, UnicodeError) as err:
        return None, [
            issue(
                "Y001",
                f"malformed YAML: {str(err)[:200]}",
                Location(file, 1, 1),
                "save the file as plain UTF-8 text without control characters",
            )
        ]
    doc.positions.setdefault((), (1, 1))
    return doc, builder.issues


class _Refused(Exception):
    def __init__(self, found: Issue) -> None:
        self.found = found


@dataclass(slots=True)
class _Collection:
    """A mapping or sequence being read, with what is needed to place its next child."""

    value: dict[str, Any] | list[Any]
    path: Path_
    anchor: str | None
    size: int = 1
    height: int = 1
    key: str | None = None
    """Mappings: the key whose value comes next (None while a key is expected)."""
    key_at: tuple[int, int] = (0, 0)
    duplicate: bool = False
    merging: bool = False
    merges: list[tuple[Any, tuple[int, int]]] = field(default_factory=list)


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.issues: list[Issue] = []
        self.budget = MAX_NODES
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # name -> (value, size, height)
        self.stack: list[_Collection] = []

    def _refuse(self, code: str, message: str, event: Any, hint: str) -> _Refused:
        return _Refused(issue(code, message, Location(self.doc.file, *_at(event)), hint))

    def build(self, text: str) -> Any:
        parser = CParser(text)
        try:
            return self._build(parser)
        finally:
            parser.dispose()

    def _build(self, parser: Any) -> Any:
        root: Any = {}
        documents = 0
        positions = self.doc.positions
        stack = self.stack
        next_event = parser.get_event
        while (event := next_event()) is not None:
            kind = type(event)
            if kind is ScalarEvent:
                self.budget -= 1
                if self.budget < 0:
                    self._spend(0, event)
                plain = event.tag is None and event.implicit[0]
                value = _plain(event.value) if plain else self._scalar(event)
                top = stack[-1] if stack else None
                # The two common cases, a new text key and a value under a key, skip the general bookkeeping.
                if (
                    top is not None
                    and event.anchor is None
                    and type(top.value) is dict
                    and value is not _MERGE_KEY
                    and not top.merging
                ):
                    mapping: dict[str, Any] = top.value
                    if top.key is None:
                        if type(value) is str and value not in mapping:
                            top.key, top.key_at, top.duplicate = value, _at(event), False
                            positions[(*top.path, value)] = top.key_at
                        else:
                            self._key(top, value, event)
                    else:
                        if not top.duplicate:
                            mapping[top.key] = value
                        top.key = None
                        top.size += 1
                elif top is not None:
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1, 0)
                    self._place(value, event, 1, 0, True)
                else:
                    root = "<<" if value is _MERGE_KEY else value
                    positions[()] = _at(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self._open(event, kind is MappingStartEvent)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                if done.merges:
                    self._merge(done)
                if done.anchor is not None:
                    self.anchors[done.anchor] = (done.value, done.size, done.height)
                if stack:
                    self._place(done.value, event, done.size, done.height, False)
                else:
                    root = done.value
            elif kind is AliasEvent:
                self._alias(event)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._refuse(
                        "Y001",
                        "a definition file holds one YAML document; found another",
                        event,
                        "remove the `---` line or split the file in two",
                    )
        return root

    # -- nodes -------------------------------------------------------------------------------------------
    def _open(self, event: Any, mapping: bool) -> None:
        expected = _MAP if mapping else _SEQ
        if event.tag not in (None, expected, "!"):
            raise self._refuse(
                "Y003",
                f"tag {event.tag!r} is not allowed",
                event,
                "remove the tag: definitions use plain YAML values only",
            )
        path: Path_ = ()
        if self.stack:
            parent = self.stack[-1]
            if isinstance(parent.value, list):
                path = (*parent.path, len(parent.value))
            elif parent.key is not None:
                path = (*parent.path, parent.key)
            elif parent.merging:
                path = parent.path
            else:
                raise self._refuse(
                    "Y001",
                    "mapping keys must be plain text",
                    event,
                    "write `name: value`, not a list or mapping as a key",
                )
        if len(self.stack) >= MAX_DEPTH:
            raise self._refuse(
                "Y004",
                f"document nests deeper than {MAX_DEPTH} levels",
                event,
                "definitions never need this depth; flatten the structure",
            )
        self._spend(1, event)
        self.doc.positions.setdefault(path, _at(event))
        self.stack.append(_Collection({} if mapping else [], path, event.anchor))

    def _alias(self, event: Any) -> None:
        found = self.anchors.get(event.anchor)
        if found is None:
            raise self._refuse(
                "Y001",
                f"alias *{event.anchor} refers to no anchor defined before it",
                event,
                "define `&name` before `*name`; an alias cannot refer to its own parent",
            )
        value, size, height = found
        if len(self.stack) + height > MAX_DEPTH:
            raise self._refuse(
                "Y004",
                f"document nests deeper than {MAX_DEPTH} levels",
                event,
                "definitions never need this depth; flatten the structure",
            )
        self._spend(size, event)
        if self.stack:
            self._place(_copy(value), event, size, height, True)

    def _spend(self, size: int, event: Any) -> None:
        self.budget -= size
        if self.budget < 0:
            raise self._refuse(
                "Y004",
                f"document expands to more than {MAX_NODES:,} values (aliases referring to aliases?)",
                event,
                "write values out instead of nesting aliases",
            )

    def _place(self, value: Any, event: Any, size: int, height: int, leaf: bool) -> None:
        """Attach a finished value to the open collection; `leaf` is a scalar or alias (no position yet)."""
        parent = self.stack[-1]
        parent.size += size
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.value, list):
            if leaf:
                self.doc.positions.setdefault((*parent.path, len(parent.value)), _at(event))
            parent.value.append("<<" if value is _MERGE_KEY else value)
            return
        if parent.merging:
            parent.merges.append((value, parent.key_at))
            parent.merging = False
            return
        key = parent.key
        if key is None:
            self._key(parent, value, event)
            return
        parent.key = None
        if parent.duplicate:
            return  # reported when the key was read; the first value wins
        parent.value[key] = "<<" if value is _MERGE_KEY else value

    def _key(self, parent: _Collection, value: Any, event: Any) -> None:
        at = _at(event)
        if type(event) is not ScalarEvent:
            raise self._refuse(
                "Y001", "mapping keys must be plain text", event, "write `name: value`, not an alias as a key"
            )
        if value is _MERGE_KEY:
            parent.merging, parent.key_at = True, at
            return
        key = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        parent.key, parent.key_at = key, at
        path = (*parent.path, key)
        parent.duplicate = key in parent.value
        if parent.duplicate:
            first = self.doc.positions.get(path, at)
            self.issues.append(
                issue(
                    "Y002",
                    f"key {key!r} appears twice in this mapping (first at line {first[0]})",
                    Location(self.doc.file, *at),
                    "remove or rename one of them",
                )
            )
            return
        self.doc.positions[path] = at

    def _merge(self, done: _Collection) -> None:
        """Apply `<<: *base` merge keys: keys written in the mapping win over merged ones."""
        assert isinstance(done.value, dict)
        for merged, at in done.merges:
            for source in merged if isinstance(merged, list) else [merged]:
                if not isinstance(source, dict):
                    raise _Refused(
                        issue(
                            "Y001",
                            "a merge key `<<` must refer to a mapping",
                            Location(self.doc.file, *at),
                            "write `<<: *anchor` where the anchor names a mapping",
                        )
                    )
                for key, value in source.items():
                    if key not in done.value:
                        done.value[key] = _copy(value)
                        self.doc.positions.setdefault((*done.path, key), at)

    def _scalar(self, event: Any) -> Any:
        tag = event.tag
        value: str = event.value
        if tag is None:
            # Quoted scalars are text; plain ones follow the YAML 1.2 core schema.
            return _plain(value) if event.implicit[0] else value
        if tag == "!":
            return value
        if tag not in _SCALAR_TAGS:
            raise self._refuse(
                "Y003",
                f"tag {tag!r} is not allowed",
                event,
                "remove the tag: definitions use plain YAML values only",
            )
        return _convert_scalar(value, tag)


class _MergeKey:
    def __repr__(self) -> str:
        return "<<"


_MERGE_KEY = _MergeKey()


def _at(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")


def _plain(value: str) -> Any:
    """A plain scalar in the YAML 1.2 core schema; what is not null, bool, int or float stays text."""
    if value in _NULLS:
        return None
    flag = _BOOLS.get(value)
    if flag is not None:
        return flag
    if value == "<<":
        return _MERGE_KEY
    first = value[0]
    if first.isdigit() or first in "-+.":
        if _INT_RE.match(value):
            return _convert_scalar(value, _INT)
        if _FLOAT_RE.match(value):
            return _convert_scalar(value, _FLOAT)
    return value


def _convert_scalar(value: str, tag: str) -> Any:
    if tag in (_STR, _TIMESTAMP):
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in ("true", "yes", "on", "y")
    if tag == _MERGE:
        return _MERGE_KEY
    if tag == _INT:
        cleaned = value.replace("_", "")
        if _INT_RE.match(value) and len(cleaned) < 40:
            return int(cleaned)
        return value
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return value
    return number if math.isfinite(number) else value


def _copy(value: Any) -> Any:
    """A deep copy of an aliased value (depth bounded by MAX_DEPTH), so no two paths share one object."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
