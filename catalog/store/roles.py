"""Who may do what: the one table the service enforces, and that `caliber token create --help` and
docs/service.md are generated from.

Roles are ordered: each may do everything the one before it may. Anonymous callers may do the actions
marked `open` while the server's reads are open (`CALIBER_OPEN_READS`, the default), and nothing else.

    >>> may("analyst", "publish"), may("reader", "publish"), may(None, "compile", open_reads=True)
    (True, False, True)
    >>> roles_for("audit")
    ('admin',)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["reader", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("reader", "analyst", "admin")
ActionName = Literal["read", "compile", "query", "lint", "publish", "deprecate", "audit", "tokens", "observe"]


@dataclass(frozen=True, slots=True)
class Action:
    name: ActionName
    least: Role
    """The least role that may do it; every role after it in `ROLES` may too."""
    open: bool
    """Anonymous callers may too while reads are open."""
    what: str
    """What the action covers, as the docs show it."""

    def may(self, role: Role | None, open_reads: bool = False) -> bool:
        """Whether a caller of `role` (None: anonymous) may do this."""
        if role is None:
            return self.open and open_reads
        return ROLES.index(role) >= ROLES.index(self.least)


ACTIONS: tuple[Action, ...] = (
    Action(
        "read",
        "reader",
        True,
        "search and read metrics, versions, diffs, dimensions, sources, conflicts; the web pages",
    ),
    Action("compile", "reader", True, "`/v1/compile`: the SQL of a metric query"),
    Action("query", "reader", True, "`/v1/query`: run a metric query on the service's warehouse"),
    Action("lint", "reader", True, "`/v1/lint`: check definitions without storing them"),
    Action("publish", "analyst", False, "`/v1/publish`: store definitions as new versions"),
    Action("deprecate", "analyst", False, "`/v1/metrics/{key}/deprecate`: mark a metric deprecated"),
    Action("audit", "admin", False, "`/v1/audit`: who changed what"),
    Action("tokens", "admin", False, "`/v1/tokens`: list tokens and revoke them"),
    Action(
        "observe",
        "admin",
        False,
        "`/metrics`: Prometheus metrics (open to everyone when `CALIBER_METRICS_PUBLIC=true`)",
    ),
)
_BY_NAME = {a.name: a for a in ACTIONS}


def action(name: ActionName) -> Action:
    return _BY_NAME[name]


def may(role: Role | None, name: ActionName, open_reads: bool = False) -> bool:
    """Whether a caller of `role` (None: anonymous) may do the action `name`."""
    return _BY_NAME[name].may(role, open_reads)


def roles_for(name: ActionName) -> tuple[Role, ...]:
    """The roles that may do the action `name`, least first."""
    return tuple(r for r in ROLES if may(r, name))


def role_summary() -> str:
    """One line per role, for help texts: what it may do beyond the role before it.

    >>> print(role_summary())
    reader: read, compile, query, lint
    analyst: also publish, deprecate
    admin: also audit, tokens, observe
    """
    lines = []
    for i, role in enumerate(ROLES):
        added = ", ".join(a.name for a in ACTIONS if a.least == role)
        lines.append(f"{role}: {'also ' if i else ''}{added}")
    return "\n".join(lines)


def permission_table() -> str:
    """The Markdown table of docs/service.md ("Who may do what")."""
    mark = {True: "yes", False: "–"}
    rows = [
        "| action | what | anonymous | " + " | ".join(ROLES) + " |",
        "|---|---|---|" + "---|" * len(ROLES),
    ]
    for a in ACTIONS:
        anonymous = "if reads are open" if a.open else mark[False]
        cells = " | ".join(mark[a.may(r)] for r in ROLES)
        rows.append(f"| {a.name} | {a.what} | {anonymous} | {cells} |")
    return "\n".join(rows)
