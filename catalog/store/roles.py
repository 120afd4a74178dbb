"""Who may do what: the one table the service enforces, and that `caliber user grant --help` and
docs/service.md are generated from.

A user holds grants: a role in a namespace (`growth`), or in every namespace (`*`). Roles are ordered: each
may do everything the one before it may. An action's scope says where the role must be held: `namespace`
(asked of one namespace: publishing a change to `growth.signups` needs analyst in `growth` or in `*`),
`any` (in any namespace: reading the catalog, which is published to everyone) or `global` (in `*`).
A scoped action asked without a namespace (a route's first check, before it knows which namespaces a request
touches) needs the role in at least one namespace. Anonymous callers may do the actions marked `open` while
the server's reads are open (`CALIBER_OPEN_READS`, the default), and nothing else.

    >>> ann = (Grant("growth", "analyst"),)
    >>> may(ann, "publish", "growth"), may(ann, "publish", "finance"), may(ann, "approve", "growth")
    (True, False, False)
    >>> may(None, "compile", open_reads=True), may((Grant("*", "admin"),), "approve", "finance")
    (True, True)
    >>> roles_for("audit")
    ('admin',)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

Role = Literal["viewer", "analyst", "owner", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "owner", "admin")
EVERY_NAMESPACE = "*"
ActionName = Literal[
    "read",
    "compile",
    "query",
    "lint",
    "publish",
    "approve",
    "deprecate",
    "audit",
    "tokens",
    "observe",
]
Scope = Literal["any", "namespace", "global"]

LEGACY_ROLES: dict[str, Role] = {"reader": "viewer", "analyst": "analyst", "admin": "admin"}
"""The round-1 token roles and the role their migrated users hold in every namespace."""


class Grant(NamedTuple):
    namespace: str
    """A namespace, or `*` for every namespace."""
    role: Role


@dataclass(frozen=True, slots=True)
class Action:
    name: ActionName
    least: Role
    """The least role that may do it; every role after it in `ROLES` may too."""
    open: bool
    """Anonymous callers may too while reads are open."""
    scope: Scope
    what: str
    """What the action covers, as the docs show it."""

    def may(
        self, grants: Iterable[Grant] | None, namespace: str | None = None, open_reads: bool = False
    ) -> bool:
        """Whether a caller holding `grants` (None: anonymous) may do this, in `namespace` when given."""
        if grants is None:
            return self.open and open_reads
        where = {"global": EVERY_NAMESPACE, "any": None}.get(self.scope, namespace)
        held = role_in(grants, where)
        return held is not None and ROLES.index(held) >= ROLES.index(self.least)


def role_in(grants: Iterable[Grant], namespace: str | None) -> Role | None:
    """The highest role `grants` give in `namespace` (None: in any namespace); None when they give none."""
    found = [
        g.role
        for g in grants
        if namespace is None or g.namespace in (namespace, EVERY_NAMESPACE) or g.role == "admin"
    ]
    return max(found, key=ROLES.index) if found else None


ACTIONS: tuple[Action, ...] = (
    Action(
        "read",
        "viewer",
        True,
        "any",
        "search and read metrics, versions, diffs, lineage, reviews, dimensions, sources, conflicts; "
        "the web pages",
    ),
    Action("compile", "viewer", True, "any", "`/v1/compile`: the SQL of a metric query"),
    Action("query", "viewer", True, "any", "`/v1/query`: run a metric query on the service's warehouse"),
    Action("lint", "viewer", True, "any", "`/v1/lint`: check definitions without storing them"),
    Action(
        "publish",
        "analyst",
        False,
        "namespace",
        "`/v1/publish`: propose changes (an analyst's wait for review; an owner's go live unless standard)",
    ),
    Action(
        "approve", "owner", False, "namespace", "`/v1/reviews/{id}/approve` and `/reject`: decide a change"
    ),
    Action(
        "deprecate", "owner", False, "namespace", "`/v1/metrics/{key}/deprecate`: mark a metric deprecated"
    ),
    Action("audit", "admin", False, "global", "`/v1/audit`: who changed what"),
    Action("tokens", "admin", False, "global", "`/v1/tokens`: list tokens and revoke them"),
    Action(
        "observe",
        "admin",
        False,
        "global",
        "`/metrics`: Prometheus metrics (open to everyone when `CALIBER_METRICS_PUBLIC=true`)",
    ),
)
_BY_NAME = {a.name: a for a in ACTIONS}


def action(name: ActionName) -> Action:
    return _BY_NAME[name]


def may(
    grants: Iterable[Grant] | None, name: ActionName, namespace: str | None = None, open_reads: bool = False
) -> bool:
    """Whether a caller holding `grants` (None: anonymous) may do the action `name` (in `namespace`)."""
    return _BY_NAME[name].may(grants, namespace, open_reads)


def roles_for(name: ActionName) -> tuple[Role, ...]:
    """The roles that may do the action `name`, least first."""
    least = ROLES.index(_BY_NAME[name].least)
    return ROLES[least:]


def role_summary() -> str:
    """One line per role, for help texts: what it may do beyond the role before it.

    >>> print(role_summary())
    viewer: read, compile, query, lint
    analyst: also publish
    owner: also approve, deprecate
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
        "| action | what | scope | anonymous | " + " | ".join(ROLES) + " |",
        "|---|---|---|---|" + "---|" * len(ROLES),
    ]
    for a in ACTIONS:
        anonymous = "if reads are open" if a.open else mark[False]
        cells = " | ".join(mark[a.may([Grant(EVERY_NAMESPACE, r)])] for r in ROLES)
        rows.append(f"| {a.name} | {a.what} | {a.scope} | {anonymous} | {cells} |")
    return "\n".join(rows)
