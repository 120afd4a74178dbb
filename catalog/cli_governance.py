"""`caliber user …`: users and their roles per namespace, on the catalog database directly.

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
    from catalog.store.records import UserRecord
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


def register(app: typer.Typer) -> None:
    """Add the governance command groups to the `caliber` app."""
    app.add_typer(user_app, name="user")


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


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
