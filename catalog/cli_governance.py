"""`caliber user …` and `caliber review …`: users and their roles per namespace, and changes waiting for
review, on the catalog database directly.

    caliber user create ann --department growth
    caliber user grant ann analyst --namespace growth
    caliber token create --user ann --name laptop

Whoever runs these has the database, so the commands themselves need no token; each write is audited with the
operating-system user as the actor.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from catalog.store.roles import EVERY_NAMESPACE, ROLES, role_summary

if TYPE_CHECKING:
    from catalog.store.records import Caller, ReviewRecord, UserRecord
    from catalog.store.repository import Repository

T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Catalog database URL.", show_default="CALIBER_DATABASE_URL or sqlite:///./caliber.db"
    ),
]
NamespaceOption = Annotated[
    str, typer.Option("--namespace", "-n", help="A namespace (`growth`), or `*` for every namespace.")
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="text | json")]

user_app = typer.Typer(no_args_is_help=True, help="Users and their roles per namespace.")


review_app = typer.Typer(no_args_is_help=True, help="Changes waiting for an owner before they go live.")


def register(app: typer.Typer) -> None:
    """Add the governance command groups to the `caliber` app."""
    app.add_typer(user_app, name="user")
    app.add_typer(review_app, name="review")


@contextmanager
def _store(db: str | None) -> Iterator[Repository]:
    """The migrated store; an `AccountError` becomes its code and hint on stderr and exit 1."""
    from catalog.store.repository import Repository
    from catalog.store.users import AccountError

    repo = Repository.from_url(db)
    try:
        repo.upgrade()
        yield repo
    except AccountError as err:
        typer.echo(f"{err.issue.code} {err.issue.message} ({err.issue.hint})", err=True)
        raise typer.Exit(1) from None
    finally:
        repo.engine.dispose()


def _with_store(db: str | None, work: Callable[[Repository], T]) -> T:
    with _store(db) as repo:
        return work(repo)


def _shown(user: UserRecord) -> str:
    grants = ", ".join(f"{g.role} in {g.namespace}" for g in user.grants) or "no role"
    state = " (disabled)" if user.disabled_at else ""
    return f"{user.name}{state}: {grants}"


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="Letters, digits and ._@-; shown as the author of its writes.")],
    department: Annotated[str, typer.Option(help="The department the user works for.")] = "",
    db: DbOption = None,
) -> None:
    """Create a user without any role (grant one with `caliber user grant`)."""
    user = _with_store(db, lambda r: r.accounts.create_user(name, department, actor=getpass.getuser()))
    typer.echo(f"created user {_shown(user)}")


@user_app.command("list")
def user_list(db: DbOption = None, fmt: FormatOption = "text") -> None:
    """Every user by name: department, roles per namespace, last seen, disabled."""
    if fmt not in ("text", "json"):
        typer.echo(f"unknown format {fmt!r}; use text or json", err=True)
        raise typer.Exit(2)
    users = _with_store(db, lambda r: r.accounts.list_users())
    if fmt == "json":
        shown = [
            {
                "name": u.name,
                "department": u.department,
                "grants": [{"namespace": g.namespace, "role": g.role} for g in u.grants],
                "last_seen_at": u.last_seen_at.isoformat() if u.last_seen_at else None,
                "disabled_at": u.disabled_at.isoformat() if u.disabled_at else None,
            }
            for u in users
        ]
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    for u in users:
        seen = _minute(u.last_seen_at) if u.last_seen_at else "never seen"
        typer.echo(f"{_shown(u)}; {u.department or '-'}; {seen}")


@user_app.command(
    "grant",
    help="Give a user a role in a namespace (replacing its role there).\n\n"
    + "\n\n".join(role_summary().splitlines())
    + "\n\nadmin is held in every namespace (`*`).",
)
def user_grant(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help=" | ".join(ROLES))],
    namespace: NamespaceOption = EVERY_NAMESPACE,
    db: DbOption = None,
) -> None:
    user = _with_store(db, lambda r: r.accounts.grant(name, namespace, role, actor=getpass.getuser()))  # type: ignore[arg-type]
    typer.echo(f"granted: {_shown(user)}")


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument(help="The user.")],
    namespace: NamespaceOption = EVERY_NAMESPACE,
    db: DbOption = None,
) -> None:
    """Take away the user's role in a namespace; its tokens lose it on their next request."""
    user = _with_store(db, lambda r: r.accounts.revoke(name, namespace, actor=getpass.getuser()))
    typer.echo(f"revoked: {_shown(user)}")


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="The user.")],
    reason: Annotated[str, typer.Option(help="Recorded in the audit log.")] = "",
    db: DbOption = None,
) -> None:
    """Disable a user (a leaver): every token of it fails from the next request on. Idempotent."""
    user = _with_store(db, lambda r: r.accounts.disable(name, actor=getpass.getuser(), reason=reason))
    typer.echo(f"disabled: {_shown(user)}")


AsOption = Annotated[
    str, typer.Option("--as", help="The reviewer: a user who owns the namespace (or an admin).")
]


@review_app.command("list")
def review_list(
    state: Annotated[
        str, typer.Option(help="in_review | approved | rejected | superseded | all")
    ] = "in_review",
    db: DbOption = None,
) -> None:
    """Reviews in a state (default: pending), oldest first: id, key, versions, author, state."""
    if state not in ("in_review", "approved", "rejected", "superseded", "all"):
        typer.echo(f"unknown state {state!r}", err=True)
        raise typer.Exit(2)
    found = _with_store(db, lambda r: r.reviews.list(None if state == "all" else state))  # type: ignore[arg-type]
    for r in found:
        standard = " standard" if r.standard else ""
        typer.echo(f"{r.id}  {r.key} v{r.base} -> v{r.number}  by {r.author}  {r.state}{standard}")


@review_app.command("show")
def review_show(
    review_id: Annotated[int, typer.Argument(help="The review's id.")], db: DbOption = None
) -> None:
    """A review: what it changes field by field, whether the caliber changes, what is downstream."""
    from catalog.lineage import lineage

    def work(repo: Repository) -> list[str]:
        record = repo.reviews.get(review_id)
        if record is None:
            typer.echo(f"G004 no review {review_id} (see `caliber review list`)", err=True)
            raise typer.Exit(1)
        diff = repo.diff(record.key, record.base, record.number, record.kind)
        assert diff is not None
        catalog = repo.current_catalog().catalog
        impact = lineage(catalog, record.key).downstream if record.key in catalog.metrics else ()
        lines = [
            f"review {record.id}: {record.key} v{record.base} -> v{record.number} by {record.author} ({record.state})",
            f"caliber changed: {'yes' if diff.caliber_changed else 'no, metadata only'}"
            + ("; standard metric: the author may not approve" if record.standard else ""),
            *(
                f"  {c.path}: {c.before!r} -> {c.after!r}{' (caliber)' if c.caliber else ''}"
                for c in diff.changes
            ),
            f"downstream: {', '.join(impact) or 'none'}",
        ]
        if record.reason:
            lines.append(f"reason: {record.reason}")
        return lines

    for line in _with_store(db, work):
        typer.echo(line)


def _reviewer(repo: Repository, name: str) -> Caller:
    from catalog.store.records import Caller

    user = repo.accounts.get_user(name)
    if user is None or user.disabled_at is not None:
        typer.echo(f"G001 no active user named `{name}` (see `caliber user list`)", err=True)
        raise typer.Exit(1)
    return Caller(user.id, user.name, user.grants)


@review_app.command("approve")
def review_approve(
    review_id: Annotated[int, typer.Argument(help="The review's id.")],
    reviewer: AsOption,
    db: DbOption = None,
) -> None:
    """Make the proposed version live, as `--as` (checked like the API: owner of the namespace, not the author
    of a standard change). Exit 1 when refused."""
    record = _decide(db, lambda r: r.reviews.approve(review_id, _reviewer(r, reviewer)))
    typer.echo(f"approved: {record.key} v{record.number} is live")


@review_app.command("reject")
def review_reject(
    review_id: Annotated[int, typer.Argument(help="The review's id.")],
    reviewer: AsOption,
    reason: Annotated[str, typer.Option(help="Why: shown to the author.")],
    db: DbOption = None,
) -> None:
    """Close the review with a reason; the live version stays. Exit 1 when refused."""
    record = _decide(db, lambda r: r.reviews.reject(review_id, _reviewer(r, reviewer), reason))
    typer.echo(f"rejected: {record.key} v{record.number} ({record.reason})")


def _decide(db: str | None, work: Callable[[Repository], ReviewRecord]) -> ReviewRecord:
    from catalog.store.records import Refused

    try:
        return _with_store(db, work)
    except Refused as refused:
        for found in refused.issues:
            typer.echo(f"{found.code} {found.message} ({found.hint})", err=True)
        raise typer.Exit(1) from None


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
