"""Users, their grants per namespace and their tokens: `Repository.accounts`.

    >>> from catalog.store import Repository
    >>> repo = Repository.from_url("sqlite://")
    >>> repo.upgrade()
    >>> _ = repo.accounts.create_user("ann", department="growth", actor="lead")
    >>> _ = repo.accounts.grant("ann", "growth", "analyst", actor="lead")
    >>> token = repo.accounts.create_token("ann", "laptop", actor="lead")
    >>> caller = repo.accounts.verify_token(token)
    >>> caller.name, caller.may("publish", "growth"), caller.may("publish", "finance")
    ('ann', True, False)

A token acts as its user: grants changed or a user disabled take effect on the token's next request. An
authenticated request moves the user's `last_seen_at`, written at most once a minute per user (a memo in this
process, and a guarded UPDATE across processes), so reads never turn into a write per request.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import TypeVar, cast

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog.issues import Issue, issue
from catalog.store import writes
from catalog.store.models import GrantRow, TokenRow, UserRow, utcnow
from catalog.store.records import Caller, Refused, TokenRecord, UserRecord
from catalog.store.roles import EVERY_NAMESPACE, ROLES, Grant, Role
from catalog.store.tokens import new_token, token_hash

T = TypeVar("T")
Write = Callable[[Callable[[Session], T]], T]

SEEN_EVERY = timedelta(minutes=1)
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")
NAMESPACE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")


_STATUS = {"G001": (404, "Unknown user"), "G002": (409, "User name refused"), "G003": (422, "Grant refused")}


class AccountError(Refused):
    """A user, grant or token request that cannot be done; nothing was written."""

    def __init__(self, found: Issue) -> None:
        self.issue = found
        super().__init__(*_STATUS.get(found.code, (422, "Refused")), (found,))


def _unknown(name: str) -> AccountError:
    return AccountError(issue("G001", f"no user named `{name}`", hint="see `caliber user list`"))


class Accounts:
    def __init__(self, engine: Engine, write: Write[object]) -> None:
        self.engine = engine
        self._write: Write[object] = write
        self._seen: dict[int, float] = {}
        self._seen_lock = Lock()

    # -- users -------------------------------------------------------------------------------------------
    def create_user(self, name: str, department: str = "", actor: str = "cli") -> UserRecord:
        """A new user without any grant (it may do nothing until granted a role)."""
        if not USER_NAME.fullmatch(name):
            raise AccountError(
                issue("G002", f"`{name}` is not a user name", hint="letters, digits and ._@- (200 at most)")
            )

        def work(session: Session) -> UserRecord:
            if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
                raise AccountError(issue("G002", f"a user named `{name}` exists", hint="choose another name"))
            row = UserRow(name=name, department=department[:200], created_at=utcnow())
            session.add(row)
            session.flush()
            writes.audit(session, actor, "user.create", f"user:{name}", {"department": department})
            return _user_record(session, row)

        return self._run(work)

    def grant(self, name: str, namespace: str, role: Role, actor: str = "cli") -> UserRecord:
        """Give `name` the role `role` in `namespace` (`*`: every namespace), replacing its role there."""
        _check_grant(namespace, role)

        def work(session: Session) -> UserRecord:
            row = _user(session, name)
            held = session.scalar(
                select(GrantRow).where(GrantRow.user_id == row.id, GrantRow.namespace == namespace)
            )
            before = held.role if held else None
            if held is None:
                session.add(GrantRow(user_id=row.id, namespace=namespace, role=role, created_at=utcnow()))
            else:
                held.role = role
            if before != role:
                writes.audit(
                    session,
                    actor,
                    "user.grant",
                    f"user:{name}",
                    {"namespace": namespace, "role": role, "was": before},
                )
            session.flush()
            return _user_record(session, row)

        return self._run(work)

    def revoke(self, name: str, namespace: str, actor: str = "cli") -> UserRecord:
        """Take away whatever role `name` holds in `namespace`; nothing is written when it holds none."""

        def work(session: Session) -> UserRecord:
            row = _user(session, name)
            held = session.scalar(
                select(GrantRow).where(GrantRow.user_id == row.id, GrantRow.namespace == namespace)
            )
            if held is not None:
                writes.audit(
                    session, actor, "user.revoke", f"user:{name}", {"namespace": namespace, "was": held.role}
                )
                session.delete(held)
                session.flush()
            return _user_record(session, row)

        return self._run(work)

    def disable(
        self, name: str, actor: str = "cli", reason: str = "", now: datetime | None = None
    ) -> UserRecord:
        """Disable `name`: every token of it fails from the next request on. Idempotent."""

        def work(session: Session) -> UserRecord:
            row = _user(session, name)
            if row.disabled_at is None:
                row.disabled_at = now or utcnow()
                writes.audit(session, actor, "user.disable", f"user:{name}", {"reason": reason})
                session.flush()
            return _user_record(session, row)

        return self._run(work)

    def list_users(self) -> list[UserRecord]:
        """Every user by name, disabled ones included."""
        with Session(self.engine) as session:
            return [_user_record(session, r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]

    def get_user(self, name: str) -> UserRecord | None:
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            return _user_record(session, row) if row else None

    # -- tokens ------------------------------------------------------------------------------------------
    def create_token(self, user: str, name: str = "", actor: str = "cli") -> str:
        """A new token of `user` (named `name`, default the user's); the plaintext is returned once and only
        its hash is stored."""
        token = new_token()

        def work(session: Session) -> None:
            row = _user(session, user)
            if row.disabled_at is not None:
                raise AccountError(
                    issue("G001", f"user `{user}` is disabled", hint="a disabled user gets no new token")
                )
            created = TokenRow(name=(name or user)[:200], user_id=row.id, token_hash=token_hash(token))
            session.add(created)
            session.flush()
            writes.audit(
                session, actor, "token.create", f"token:{created.id}", {"name": created.name, "user": user}
            )

        self._run(work)
        return token

    def verify_token(self, token: str, now: datetime | None = None) -> Caller | None:
        """Who the token acts as, when it exists, is not revoked and its user is not disabled."""
        hashed = token_hash(token)
        with Session(self.engine) as session:
            found = session.execute(
                select(TokenRow.id, TokenRow.token_hash, TokenRow.revoked_at, UserRow.id, UserRow.name)
                .join(UserRow, UserRow.id == TokenRow.user_id)
                .where(TokenRow.token_hash == hashed, UserRow.disabled_at.is_(None))
            ).first()
            if found is None or found[2] is not None or not hmac.compare_digest(found[1], hashed):
                return None
            grants = _grants(session, found[3])
        self._touch(found[3], now or utcnow())
        return Caller(found[3], found[4], grants, found[0])

    def revoke_token(self, token_id: int, actor: str = "cli") -> bool:
        """Revoke token `token_id`: it fails from the next request on. False when it is unknown or was
        already revoked (nothing is written then)."""

        def work(session: Session) -> bool:
            row = session.get(TokenRow, token_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            writes.audit(session, actor, "token.revoke", f"token:{row.id}", {"name": row.name})
            return True

        return self._run(work)

    def list_tokens(self) -> list[TokenRecord]:
        """Every token, oldest first, revoked ones included; never a secret (only hashes are stored)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(TokenRow, UserRow.name)
                .join(UserRow, UserRow.id == TokenRow.user_id)
                .order_by(TokenRow.id)
            )
            return [_token_record(t, user) for t, user in rows]

    def get_token(self, token_id: int) -> TokenRecord | None:
        return next((t for t in self.list_tokens() if t.id == token_id), None)

    # -- internals ---------------------------------------------------------------------------------------
    def _touch(self, user_id: int, now: datetime) -> None:
        moment = time.monotonic()
        with self._seen_lock:
            if moment - self._seen.get(user_id, -1e18) < SEEN_EVERY.total_seconds():
                return
            self._seen[user_id] = moment
        stale = now - SEEN_EVERY
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(UserRow)
                    .where(
                        UserRow.id == user_id,
                        or_(UserRow.last_seen_at.is_(None), UserRow.last_seen_at < stale),
                    )
                    .values(last_seen_at=now)
                )
        except OperationalError:
            # A busy database must not fail the request; the next minute tries again.
            with self._seen_lock:
                self._seen.pop(user_id, None)

    def _run(self, work: Callable[[Session], T]) -> T:
        return self._write(work)  # type: ignore[return-value]


def _check_grant(namespace: str, role: str) -> None:
    if role not in ROLES:
        raise AccountError(issue("G003", f"unknown role `{role}`", hint=f"use one of {', '.join(ROLES)}"))
    if namespace != EVERY_NAMESPACE and not NAMESPACE.fullmatch(namespace):
        raise AccountError(
            issue("G003", f"`{namespace}` is not a namespace", hint="a namespace name (`growth`) or `*`")
        )
    if role == "admin" and namespace != EVERY_NAMESPACE:
        raise AccountError(
            issue(
                "G003", "admin is held in every namespace", hint="grant admin in `*`, or owner in a namespace"
            )
        )


def _user(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise _unknown(name)
    return row


def _grants(session: Session, user_id: int) -> tuple[Grant, ...]:
    rows = session.execute(
        select(GrantRow.namespace, GrantRow.role)
        .where(GrantRow.user_id == user_id)
        .order_by(GrantRow.namespace)
    )
    return tuple(Grant(namespace, cast(Role, role)) for namespace, role in rows)


def _user_record(session: Session, row: UserRow) -> UserRecord:
    return UserRecord(
        row.id,
        row.name,
        row.department,
        _grants(session, row.id),
        aware(row.created_at),
        aware(row.last_seen_at) if row.last_seen_at else None,
        aware(row.disabled_at) if row.disabled_at else None,
    )


def _token_record(row: TokenRow, user: str) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.name,
        user,
        aware(row.created_at),
        aware(row.revoked_at) if row.revoked_at else None,
    )


def aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
