"""What a compile returns — one SELECT and what it used — or the coded issues that stopped it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from catalog.issues import Issue, Location, issue


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    sql: str
    dialect: str
    columns: tuple[str, ...]
    """Output column names, in order: metric_time (with a grain), dimensions, metrics."""
    metrics: tuple[str, ...]
    """Qualified keys of every metric used (requested first, then components); pinned ones as `key@N`."""
    warnings: tuple[str, ...] = ()


class CompileError(Exception):
    """The query cannot be compiled; `issues` says why, each with a code (E0xx) and a hint."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.code} {i.message}" for i in issues))
        self.issues = issues

    def at(self, part: str) -> CompileError:
        """The same error with each issue that has no location placed at `part` of the query (`where`)."""
        return CompileError(
            [i if i.location.file else replace(i, location=Location(part)) for i in self.issues]
        )


def fail(code: str, message: str, hint: str = "") -> CompileError:
    """A CompileError carrying one issue: `raise fail("E002", "unknown dimension 'x'")`."""
    return CompileError([issue(code, message, hint=hint)])
