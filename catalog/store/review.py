"""Review before a change goes live: who must approve what, and the approve / reject transitions.

A definition's lifecycle is draft → in_review → published → deprecated → retired. A change to a definition
that is already published is stored as its next version *without* becoming current, with a review row
(`in_review`), when `needs_review` says so:

- a change to a `standard: true` metric (or one that makes a metric standard) always waits, and its author
  may not approve it: an owner of the namespace or an admin who is not the author must;
- any other change by someone who is not an owner of the namespace (an analyst) waits for any owner;
- an owner's (or admin's) own change to a non-standard definition goes live at once, as does everything the
  system publishes (the bundled library on first start, `caliber publish` on the database).

Compile, the API and the web keep serving the current version until the review is approved; approving moves
the definition's `current_version` to the proposed one (pins to any version keep working). A newer version
of the same definition, live or proposed, supersedes a pending review. A rejected or superseded proposal is a
draft again: its version stays in the history, never current. Every transition is written to the audit log.

    >>> from catalog.store.roles import Grant
    >>> analyst = Caller(1, "ann", (Grant("growth", "analyst"),))
    >>> needs_review(_current({}), _draft({}), analyst), needs_review(_current({}), _draft({}), None)
    (True, False)
    >>> owner = Caller(2, "olu", (Grant("growth", "owner"),))
    >>> needs_review(_current({}), _draft({}), owner), needs_review(_current({"standard": True}), _draft({}), owner)
    (False, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from catalog.issues import Level, issue
from catalog.lint import LintResult
from catalog.store import writes
from catalog.store.models import DefinitionRow, NamespaceRow, ReviewRow, VersionRow, utcnow
from catalog.store.overlay import Stored
from catalog.store.records import Caller, Refused, ReviewRecord
from catalog.store.roles import roles_for
from catalog.store.users import aware

T = TypeVar("T")
ReviewState = Literal["in_review", "approved", "rejected", "superseded"]
PENDING: ReviewState = "in_review"
REVIEW_STATES: tuple[ReviewState, ...] = ("in_review", "approved", "rejected", "superseded")


def is_standard(definition: Mapping[str, Any]) -> bool:
    return definition.get("standard") is True


def needs_review(current: writes.Current | None, draft: writes.Draft, actor: Caller | None) -> bool:
    """Whether publishing `draft` over `current` (None: a new definition) by `actor` (None: the system) waits
    for review instead of going live."""
    if actor is None or current is None:
        return False
    if is_standard(current.definition) or is_standard(draft.definition):
        return True
    return not actor.may("approve", draft.namespace)


def forbidden_changes(
    changes: Sequence[tuple[writes.Draft, writes.Current | None]], actor: Caller
) -> list[tuple[str, str]]:
    """Why `actor` may not publish these changes at all, with a hint each (empty when it may)."""
    found = []
    for namespace in sorted({d.namespace for d, _ in changes if not actor.may("publish", d.namespace)}):
        found.append(
            (
                f"{actor.name} may not publish in {namespace}",
                f"needs the role {' or '.join(roles_for('publish'))} in {namespace}",
            )
        )
    for draft, current in changes:
        if current is None and is_standard(draft.definition) and not actor.may("approve", draft.namespace):
            found.append(
                (
                    f"only an owner of {draft.namespace} creates a standard metric ({draft.key})",
                    "publish it without `standard: true`; an owner may make it standard",
                )
            )
    return found


def refuse(reasons: list[tuple[str, str]]) -> Refused:
    return Refused(403, "Forbidden", tuple(issue("H006", message, hint=hint) for message, hint in reasons))


def pending_hashes(session: Session, definition_ids: Sequence[int]) -> dict[int, str]:
    """The content hash of the pending proposal of each definition that has one."""
    if not definition_ids:
        return {}
    rows = session.execute(
        select(ReviewRow.definition_id, VersionRow.content_hash)
        .join(
            VersionRow,
            (VersionRow.definition_id == ReviewRow.definition_id) & (VersionRow.number == ReviewRow.number),
        )
        .where(ReviewRow.state == PENDING, ReviewRow.definition_id.in_(list(definition_ids)))
    )
    return dict(rows.all())


def supersede(session: Session, definition_ids: Sequence[int], actor: str) -> None:
    """Close the pending reviews of these definitions: a newer version replaces what they proposed."""
    if not definition_ids:
        return
    pending = session.scalars(
        select(ReviewRow).where(ReviewRow.state == PENDING, ReviewRow.definition_id.in_(list(definition_ids)))
    ).all()
    now = utcnow()
    for row in pending:
        row.state, row.decided_by, row.decided_at = "superseded", writes.short(actor), now
        writes.audit(session, actor, "review.supersede", f"review:{row.id}", {"version": row.number})


def open_reviews(
    session: Session,
    proposed: Sequence[tuple[writes.Current, writes.Draft]],
    numbers: Sequence[int],
    author: str,
) -> list[int]:
    """A pending review for each proposed version; their ids."""
    ids = []
    now = utcnow()
    for (current, draft), number in zip(proposed, numbers, strict=True):
        standard = is_standard(current.definition) or is_standard(draft.definition)
        row = ReviewRow(
            definition_id=current.id,
            number=number,
            base=current.number,
            author=writes.short(author),
            state=PENDING,
            standard=standard,
            reason="",
            created_at=now,
        )
        session.add(row)
        session.flush()
        writes.audit(
            session,
            author,
            "review.propose",
            draft.key,
            {"review": row.id, "version": number, "base": current.number, "standard": standard},
        )
        ids.append(row.id)
    return ids


class Reviews:
    """The reviews of one store: `Repository.reviews`."""

    def __init__(
        self,
        engine: Engine,
        write: Callable[[Callable[[Session], Any]], Any],
        relint: Callable[[list[Stored]], LintResult],
    ) -> None:
        self.engine = engine
        self._write = write
        self._relint = relint

    def list(self, state: ReviewState | None = PENDING, namespace: str | None = None) -> list[ReviewRecord]:
        """Reviews in `state` (None: all), oldest first."""
        with Session(self.engine) as session:
            query = _review_query()
            if state is not None:
                query = query.where(ReviewRow.state == state)
            if namespace is not None:
                query = query.where(NamespaceRow.name == namespace)
            return [_record(*row) for row in session.execute(query.order_by(ReviewRow.id))]

    def get(self, review_id: int) -> ReviewRecord | None:
        with Session(self.engine) as session:
            found = session.execute(_review_query().where(ReviewRow.id == review_id)).first()
            return _record(*found) if found else None

    def approve(self, review_id: int, actor: Caller) -> ReviewRecord:
        """Make the proposed version current. Raises `Refused`: 404 unknown, 409 no longer pending or no
        longer fitting the catalog, 403 when `actor` may not approve it (not an owner of the namespace, or
        the author of a change to a standard metric)."""

        def work(session: Session) -> ReviewRecord:
            row, definition, namespace = _pending(session, review_id)
            _may_decide(actor, row, namespace, approving=True)
            current = writes.load_current(session)
            proposed = session.scalar(
                select(VersionRow).where(
                    VersionRow.definition_id == row.definition_id, VersionRow.number == row.number
                )
            )
            assert proposed is not None  # a review row is written with its version
            stored = [
                Stored(c.kind, c.namespace, c.name, proposed.definition)
                if c.id == row.definition_id
                else c.stored()
                for c in current.values()
            ]
            errors = [i for i in self._relint(stored).issues if i.level is Level.ERROR]
            if errors:
                raise Refused(
                    409,
                    "Change no longer fits",
                    (
                        issue(
                            "G006",
                            f"{definition.key} v{row.number} would break the published catalog",
                            hint="reject it and propose the change again over the current catalog",
                        ),
                        *errors,
                    ),
                )
            status = proposed.definition.get("status", "active")
            moved = session.execute(
                update(DefinitionRow)
                .where(DefinitionRow.id == row.definition_id, DefinitionRow.current_version == row.base)
                .values(
                    current_version=row.number,
                    status=status if isinstance(status, str) else "active",
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise _not_pending(review_id, "the definition changed since it was proposed")
            writes.bump_revision(session)
            row.state, row.decided_by, row.decided_at = "approved", writes.short(actor.name), utcnow()
            writes.audit(
                session,
                actor.name,
                "review.approve",
                definition.key,
                {"review": row.id, "version": row.number, "author": row.author},
            )
            session.flush()
            return self._in(session, row.id)

        return self._write(work)  # type: ignore[no-any-return]

    def reject(self, review_id: int, actor: Caller, reason: str) -> ReviewRecord:
        """Close the review without making its version current; `reason` is required."""
        if not reason.strip():
            raise Refused(
                422,
                "Reason required",
                (issue("H001", "a rejection needs a reason", hint="say what to change"),),
            )

        def work(session: Session) -> ReviewRecord:
            row, definition, namespace = _pending(session, review_id)
            _may_decide(actor, row, namespace, approving=False)
            row.state, row.reason = "rejected", reason.strip()[:4000]
            row.decided_by, row.decided_at = writes.short(actor.name), utcnow()
            writes.audit(
                session,
                actor.name,
                "review.reject",
                definition.key,
                {"review": row.id, "version": row.number, "author": row.author, "reason": row.reason},
            )
            session.flush()
            return self._in(session, row.id)

        return self._write(work)  # type: ignore[no-any-return]

    @staticmethod
    def _in(session: Session, review_id: int) -> ReviewRecord:
        return _record(*session.execute(_review_query().where(ReviewRow.id == review_id)).one())


def _review_query() -> Any:
    return (
        select(ReviewRow, DefinitionRow.kind, DefinitionRow.key, NamespaceRow.name, VersionRow.note)
        .join(DefinitionRow, DefinitionRow.id == ReviewRow.definition_id)
        .join(NamespaceRow, NamespaceRow.id == DefinitionRow.namespace_id)
        .join(
            VersionRow,
            (VersionRow.definition_id == ReviewRow.definition_id) & (VersionRow.number == ReviewRow.number),
        )
    )


def _pending(session: Session, review_id: int) -> tuple[ReviewRow, DefinitionRow, str]:
    row = session.get(ReviewRow, review_id)
    if row is None:
        raise Refused(
            404,
            "Unknown review",
            (issue("G004", f"no review {review_id}", hint="see `caliber review list`"),),
        )
    if row.state != PENDING:
        raise _not_pending(review_id, f"it was {row.state}")
    definition = session.get(DefinitionRow, row.definition_id)
    assert definition is not None
    namespace = session.scalar(select(NamespaceRow.name).where(NamespaceRow.id == definition.namespace_id))
    return row, definition, str(namespace)


def _not_pending(review_id: int, why: str) -> Refused:
    return Refused(
        409,
        "Review closed",
        (issue("G004", f"review {review_id} is no longer pending: {why}", hint="see `caliber review list`"),),
    )


def _may_decide(actor: Caller, row: ReviewRow, namespace: str, approving: bool) -> None:
    if not actor.may("approve", namespace):
        raise Refused(
            403,
            "Forbidden",
            (
                issue(
                    "H006",
                    f"{actor.name} may not decide reviews in {namespace}",
                    hint=f"needs the role {' or '.join(roles_for('approve'))} in {namespace}",
                ),
            ),
        )
    if approving and row.standard and actor.name == row.author:
        raise Refused(
            403,
            "Forbidden",
            (
                issue(
                    "G005",
                    f"{actor.name} proposed this change to a standard metric and may not approve it",
                    hint=f"ask another owner of {namespace} or an admin",
                ),
            ),
        )


def _record(row: ReviewRow, kind: str, key: str, namespace: str, note: str) -> ReviewRecord:
    return ReviewRecord(
        row.id,
        kind,  # type: ignore[arg-type]
        key,
        namespace,
        row.number,
        row.base,
        row.author,
        row.state,
        row.standard,
        note,
        row.reason,
        row.decided_by,
        aware(row.decided_at) if row.decided_at else None,
        aware(row.created_at),
    )


def _current(definition: Mapping[str, Any]) -> writes.Current:
    """A published definition, for the examples above."""
    return writes.Current(1, "metric", "growth", "signups", 1, "", "", definition, 1)


def _draft(definition: Mapping[str, Any]) -> writes.Draft:
    return writes.Draft("metric", "growth", "signups", definition, "")
