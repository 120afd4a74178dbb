"""Stage 1 — read YAML definition files into plain values that remember where each key and value was written.

Only plain YAML is accepted: mappings, sequences and the core scalar types. The document is composed to a node
graph first (aliases are shared nodes there, not copies) and converted under a budget of nodes and depth, so a
billion-laughs document or a very deep one is refused before it costs memory.

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

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from catalog.issues import Issue, Location, issue

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 2_000_000
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
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE, _TIMESTAMP}


@dataclass(slots=True)
class Document:
    """One YAML file as plain Python values plus the position of every key path."""

    file: str
    data: Any
    positions: dict[Path_, Location] = field(default_factory=dict)

    def position(self, path: Path_) -> Location:
        """The location of `path`, or of its closest ancestor that has one."""
        while path:
            loc = self.positions.get(path)
            if loc is not None:
                return loc
            path = path[:-1]
        return self.positions.get((), Location(self.file, 1, 1))


class _Refused(Exception):
    def __init__(self, found: Issue) -> None:
        self.found = found


def load_file(path: Path, display: str | None = None) -> tuple[Document | None, list[Issue]]:
    """Read one file; I/O and size problems become issues, never exceptions."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [issue("Y004", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                                Location(name, 1, 1), "split the definitions into several files")]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [issue("Y005", f"file is not UTF-8 ({err.reason})", Location(name, 1, 1),
                            "save the file as UTF-8")]
    except OSError as err:
        return None, [issue("Y005", f"cannot read file: {err.strerror}", Location(name, 0, 0))]
    return load_text(text, name)


def load_text(text: str, file: str = "<input>") -> tuple[Document | None, list[Issue]]:
    """Parse YAML text; the document is None when nothing usable could be read."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [issue("Y004", f"document is larger than {MAX_FILE_BYTES:,} bytes", Location(file, 1, 1),
                            "split the definitions into several files")]
    try:
        root = _compose(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        problem = " ".join(str(p) for p in (err.context, err.problem) if p)
        return None, [issue("Y001", f"malformed YAML: {problem}", loc,
                            "check indentation, quotes and that every mapping key ends with ':'")]
    except (YAMLError, ValueError, RecursionError) as err:
        return None, [issue("Y001", f"malformed YAML: {err}", Location(file, 1, 1))]
    doc = Document(file, None)
    if root is None:
        doc.data = {}
        doc.positions[()] = Location(file, 1, 1)
        return doc, []
    converter = _Converter(doc)
    try:
        doc.data = converter.convert(root, (), 0)
    except _Refused as refused:
        return None, [refused.found]
    return doc, converter.issues


def _compose(text: str) -> Node | None:
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = True  # we report duplicates ourselves, with both positions
    return yaml.compose(text)


_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")


class _Converter:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.budget = MAX_NODES
        self.issues: list[Issue] = []

    def _loc(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.doc.file, mark.line + 1, mark.column + 1)

    def convert(self, node: Node, path: Path_, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Refused(issue("Y004", f"document expands to more than {MAX_NODES:,} values "
                                 "(aliases referring to aliases?)", self._loc(node),
                                 "write values out instead of nesting aliases"))
        if depth > MAX_DEPTH:
            raise _Refused(issue("Y004", f"document nests deeper than {MAX_DEPTH} levels", self._loc(node),
                                 "definitions never need this depth; flatten the structure"))
        self.doc.positions.setdefault(path, self._loc(node))
        if node.tag not in _ALLOWED_TAGS:
            raise _Refused(issue("Y003", f"tag {node.tag!r} is not allowed", self._loc(node),
                                 "remove the tag: definitions use plain YAML values only"))
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.convert(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.convert(value_node, path, depth + 1)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for k, v in item.items():
                            out.setdefault(k, v)
                continue
            if not isinstance(key_node, ScalarNode):
                raise _Refused(issue("Y001", "mapping keys must be plain text", self._loc(key_node)))
            key = self._scalar(key_node)
            key = "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
            key_loc = self._loc(key_node)
            if key in first_seen:
                self.issues.append(issue("Y002", f"key {key!r} appears twice in this mapping "
                                         f"(first at line {first_seen[key].line})", key_loc,
                                         "remove or rename one of them"))
                continue
            first_seen[key] = key_loc
            self.doc.positions[(*path, key)] = key_loc
            out[key] = self.convert(value_node, (*path, key), depth + 1)
            self.doc.positions[(*path, key)] = key_loc
        return out

    @staticmethod
    def _scalar(node: ScalarNode) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() in ("true", "yes", "on", "y")
        if tag == _INT:
            cleaned = value.replace("_", "")
            if _INT_RE.match(value) and len(cleaned) < 40:
                return int(cleaned)
            return value
        if tag == _FLOAT:
            try:
                number = float(value.replace("_", ""))
            except ValueError:
                return value
            return number if math.isfinite(number) else value
        return value
