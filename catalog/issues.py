"""Errors as values: every problem Caliber finds is an `Issue` with a stable code, a location and a hint.

The codes are documented in one table, `CODES`, which `docs/definitions.md` mirrors. Codes never change
meaning once released; a retired code is not reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where something was written: file, 1-based line and column (0 when unknown)."""

    file: str = ""
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    level: Level
    message: str
    location: Location = field(default_factory=Location)
    hint: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": self.level.value,
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "col": self.location.col,
            "hint": self.hint,
        }


# code -> (default level, one-line summary). Keep in sync with docs/definitions.md ("Lint codes").
CODES: dict[str, tuple[Level, str]] = {
    # Y: reading YAML
    "Y001": (Level.ERROR, "malformed YAML"),
    "Y002": (Level.ERROR, "duplicate key in a mapping"),
    "Y003": (Level.ERROR, "tag not allowed (only plain YAML types)"),
    "Y004": (Level.ERROR, "document too large, too deep or with too many alias expansions"),
    "Y005": (Level.ERROR, "file cannot be read"),
    "Y006": (Level.ERROR, "top level of a definition file must be a mapping"),
    # S: shape of a definition
    "S001": (Level.ERROR, "unknown field"),
    "S002": (Level.ERROR, "missing required field"),
    "S003": (Level.ERROR, "wrong type of value"),
    "S004": (Level.ERROR, "value not among the allowed ones"),
    "S005": (Level.ERROR, "name is not snake_case"),
    "S006": (Level.ERROR, "defined twice in the same namespace"),
    "S007": (Level.ERROR, "invalid window or duration"),
    "S008": (
        Level.ERROR,
        "source table is not a plain [catalog.]schema.table of an allowed, non-system schema",
    ),
    # R: references
    "R001": (Level.ERROR, "unknown source"),
    "R002": (Level.ERROR, "unknown dimension"),
    "R003": (Level.ERROR, "unknown metric"),
    "R004": (Level.ERROR, "cycle among metrics"),
    "R005": (Level.ERROR, "unknown column of the source"),
    "R006": (Level.ERROR, "unknown entity"),
    "R007": (Level.ERROR, "ambiguous reference"),
    "R008": (Level.ERROR, "metric of the wrong type referenced"),
    # J: joins
    "J001": (Level.ERROR, "no join path from the metric's source to the dimension's source"),
    "J002": (Level.ERROR, "join would fan out (not many-to-one)"),
    "J003": (Level.ERROR, "source declares more than one primary entity"),
    # Q: SQL in definitions
    "Q001": (Level.ERROR, "SQL does not parse"),
    "Q002": (Level.ERROR, "more than one statement, or a statement where an expression is expected"),
    "Q003": (Level.ERROR, "SQL construct not allowed in a definition"),
    "Q004": (Level.ERROR, "function not allowed in a definition"),
    "Q005": (Level.ERROR, "aggregate inside an expression that is aggregated by the metric"),
    # W: advice
    "W001": (Level.WARNING, "source declares no columns, so expressions cannot be checked"),
    "W002": (Level.WARNING, "metric is deprecated"),
    # C: conflicts across teams
    "C001": (Level.ERROR, "same name or label, different caliber"),
    "C002": (Level.WARNING, "same caliber under another name"),
    "C003": (Level.ERROR, "shares a standard metric's name or label without declaring an override"),
    "C004": (Level.ERROR, "override names an unknown or non-standard metric"),
    # D: definitions against the real warehouse (catalog/warehouse_check.py, `caliber lint --warehouse`)
    "D001": (Level.ERROR, "source table not found in the warehouse"),
    "D002": (Level.ERROR, "column not found in the warehouse table"),
    "D003": (Level.ERROR, "column's type in the warehouse does not match its declared type"),
    "D004": (Level.ERROR, "time column is not a date or timestamp in the warehouse"),
    "D005": (Level.ERROR, "sum or avg over a column that is not numeric in the warehouse"),
    "D006": (Level.ERROR, "join key columns have different types in the warehouse"),
    "D007": (Level.ERROR, "warehouse cannot be reached or read"),
    # E: compiling a metric query (catalog/compile)
    "E001": (Level.ERROR, "unknown metric in a query"),
    "E002": (Level.ERROR, "unknown dimension in a query"),
    "E003": (Level.ERROR, "no many-to-one join path from a metric's source to a dimension's source"),
    "E004": (Level.ERROR, "unknown SQL dialect"),
    "E005": (Level.ERROR, "invalid filter or where clause"),
    "E006": (Level.ERROR, "metric type not supported by the compiler for this query"),
    "E007": (Level.ERROR, "invalid time range or grain"),
    "E008": (Level.ERROR, "pinned metric version unavailable"),
    "E009": (Level.ERROR, "order_by names a column that is not in the result"),
    # T: golden tests (catalog/golden, `caliber test`)
    "T001": (Level.ERROR, "test data cannot be read"),
    "T002": (Level.ERROR, "test data does not fit the sources"),
    "T003": (Level.ERROR, "statement not allowed in a SQL data file"),
    "T004": (Level.ERROR, "test query cannot be compiled or run"),
    "T005": (Level.ERROR, "golden test failed: rows differ from `expected`, or the invariant does not hold"),
    # A: explaining a metric's change (catalog/attribution.py, `caliber explain-change`)
    "A001": (Level.ERROR, "not a period"),
    "A002": (Level.ERROR, "metric's change cannot be split exactly over segments"),
    "A003": (Level.ERROR, "no dimension, or too many, to split the change by"),
    "A004": (Level.ERROR, "ratio undefined in a period: its denominator is 0"),
    # M: monitor files (catalog/monitors, `caliber monitor lint`)
    "M001": (Level.ERROR, "unknown field in a monitor"),
    "M002": (Level.ERROR, "wrong or missing value in a monitor"),
    "M003": (Level.ERROR, "monitor's metric query cannot be compiled"),
    # G: governance (users, reviews, requirement cards)
    "G001": (Level.ERROR, "unknown or disabled user"),
    "G002": (Level.ERROR, "user name taken or not allowed"),
    "G003": (Level.ERROR, "role or namespace not allowed in a grant"),
    "G004": (Level.ERROR, "review unknown or no longer pending"),
    "G005": (Level.ERROR, "the author of a change to a standard metric may not approve it"),
    "G006": (Level.ERROR, "the change no longer fits the published catalog"),
    "G007": (Level.ERROR, "requirement card unknown, or the transition is not allowed from its state"),
    # I: internal
    "I001": (Level.ERROR, "internal error in a rule (please report)"),
    # H: HTTP requests to the service (app/problems.py)
    "H001": (Level.ERROR, "request does not match the API schema"),
    "H002": (Level.ERROR, "request body is not valid JSON"),
    "H003": (Level.ERROR, "request body too large"),
    "H004": (Level.ERROR, "no such object or path"),
    "H005": (Level.ERROR, "authentication required or token invalid"),
    "H006": (Level.ERROR, "token's role may not do this"),
    "H007": (Level.ERROR, "conflicting concurrent change; retry"),
    "H008": (Level.ERROR, "name is ambiguous across namespaces"),
    "H009": (Level.ERROR, "method not allowed"),
    "H010": (Level.ERROR, "the warehouse could not run the query"),
    "H011": (Level.ERROR, "request from a web page of another origin"),
    "H500": (Level.ERROR, "internal server error (please report)"),
}


def issue(
    code: str, message: str, location: Location | None = None, hint: str = "", level: Level | None = None
) -> Issue:
    """Build an issue with the code's default level."""
    default_level, _ = CODES[code]
    return Issue(code, level or default_level, message, location or Location(), hint)


def has_errors(issues: list[Issue] | tuple[Issue, ...]) -> bool:
    return any(i.level is Level.ERROR for i in issues)
