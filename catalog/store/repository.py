"""The versioned catalog store: publish definitions, read them back, history, diffs, pins, tokens, audit.

    >>> repo = Repository.from_url("sqlite://")
    >>> repo.upgrade()
    >>> files = {"shop/defs.yaml": "sources:\\n  orders: {table: dw.t, columns: {id: integer}}\\n"}
    >>> repo.publish(files, author="ann").created
    [CreatedVersion(kind='source', key='shop.orders', version=1)]
    >>> repo.publish(files, author="ann").created, repo.publish(files, author="ann").unchanged
    ([], 1)

Writers are serialised where the database can do it cheaply (`BEGIN IMMEDIATE` on SQLite, a transaction
advisory lock on PostgreSQL) and validate against the state they are about to change; on any other database
the compare-and-set in `catalog.store.writes` plus UNIQUE(definition_id, number) turn a race into a retry.
The catalog rebuilt from stored definitions is cached by the catalog revision (a counter every write
transaction bumps), read on every call, so several workers never serve a stale catalog; so are the catalogs
with past versions pinned (`catalog_at`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from catalog.compare.conflicts import find_conflicts
from catalog.compare.lint_check import Setting
from catalog.issues import Issue, Level, Location, has_errors, issue
from catalog.lint import LintResult, catalog_checks, find_files
from catalog.model import Catalog, Metric
from catalog.search import index_of
from catalog.store import review, writes
from catalog.store.conflict_gate import gate
from catalog.store.diff import field_changes
from catalog.store.engine import database_url, make_engine
from catalog.store.hashing import content_hash, semantic_hash
from catalog.store.models import (
    AuditRow,
    DefinitionRow,
    GrantRow,
    NamespaceRow,
    ReviewRow,
    TokenRow,
    UserRow,
    VersionRow,
)
from catalog.store.overlay import SINGULAR, bundle_items, lint_overlay
from catalog.store.pins import pinned_catalog
from catalog.store.records import (
    AuditRecord,
    Caller,
    CreatedVersion,
    DefinitionRecord,
    Kind,
    Page,
    ProposedVersion,
    PublishConflict,
    PublishRejected,
    PublishResult,
    TokenRecord,
    VersionDiff,
    VersionRecord,
)
from catalog.store.references import qualified_definition
from catalog.store.users import Accounts
from catalog.validate import Item

T = TypeVar("T")

# A link to the root `migrations/` in a checkout; real files in an installed wheel (pyproject package-data).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ConflictSetting = Literal["error", "warning"]
WRITE_ATTEMPTS = 8
# Any constant works: every Caliber writer on one PostgreSQL database takes this lock.
_PG_WRITE_LOCK = 0x6361_6C69_6265_72
_CACHED_CATALOGS = 8


class Repository:
    def __init__(self, engine: Engine, allowed_schemas: Set[str] | None = None) -> None:
        """`allowed_schemas`: the only schemas source tables may be in, for what is published and for the
        catalog rebuilt from the store (stored sources outside them are left out); None allows any."""
        self.engine = engine
        self.allowed_schemas = frozenset(allowed_schemas) if allowed_schemas is not None else None
        self._catalogs: dict[writes.Revision, LintResult] = {}
        self._pinned: dict[tuple[writes.Revision, frozenset[tuple[str, int]]], Catalog] = {}
        self._cache_lock = Lock()
        self.accounts = Accounts(engine, self._write)
        """Users, grants and tokens."""
        self.reviews = review.Reviews(
            engine, self._write, lambda stored: lint_overlay(stored, [], allowed_schemas=self.allowed_schemas)
        )
        """Changes waiting for an owner: list, approve, reject."""

    @classmethod
    def from_url(cls, url: str | None = None, allowed_schemas: Set[str] | None = None) -> Repository:
        """`Repository.from_url("postgresql://postgres@127.0.0.1/test")`; None: CALIBER_DATABASE_URL."""
        return cls(make_engine(database_url(url)), allowed_schemas)

    # -- schema ------------------------------------------------------------------------------------------
    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to `revision` (a no-op when already there)."""
        self._alembic("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        self._alembic("downgrade", revision)

    def _alembic(self, action: str, revision: str) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
        with self._cache_lock:
            self._catalogs.clear()
            self._pinned.clear()

    # -- publish -----------------------------------------------------------------------------------------
    def publish(
        self,
        files: Mapping[str, str],
        author: str,
        note: str = "",
        conflicts: ConflictSetting = "error",
        duplicates: Setting = "warning",
        actor: Caller | None = None,
    ) -> PublishResult:
        """Validate a bundle `{"growth/x.yaml": text}` over the stored catalog; store what changed.

        `actor`: the user publishing (None: the system). Its changes go live or wait for review as
        `catalog.store.review.needs_review` says; `Refused` (403, nothing written) when it may not publish
        in a namespace the bundle changes.

        Raises `PublishRejected` (nothing written) on any definition error, or on a conflict (C001/C003, C002
        with `duplicates="error"`, C004) that involves a metric this bundle adds or changes; conflicts between
        metrics it leaves alone, and every conflict with `conflicts="warning"`, come back as warnings. Raises
        `PublishConflict` when concurrent writers kept colliding. Definitions absent from the bundle are kept.
        """
        if conflicts not in ("error", "warning") or duplicates not in ("error", "warning", "off"):
            raise ValueError(
                f"conflicts: error | warning, duplicates: error | warning | off; "
                f"not {conflicts!r}, {duplicates!r}"
            )
        items, loaded = bundle_items(files, self.allowed_schemas)
        with Session(self.engine) as session:
            seen = writes.revision(session)  # read first: a write between the two reads forces a re-check
            snapshot = writes.load_current(session)

        def plan(current: Mapping[tuple[Kind, str], writes.Current]) -> _Plan:
            return self._plan(current, items, loaded, tuple(files), conflicts, duplicates)

        checked = plan(snapshot)
        if not checked.changes:
            return PublishResult([], len(items), checked.warnings)
        if actor is not None and (reasons := review.forbidden_changes(checked.changes, actor)):
            raise review.refuse(reasons)

        def work(session: Session) -> PublishResult:
            result = checked
            if writes.revision(session) != seen:  # another writer committed since: check against its state
                result = plan(writes.load_current(session))
                if actor is not None and (reasons := review.forbidden_changes(result.changes, actor)):
                    raise review.refuse(reasons)
            waiting = review.pending_hashes(session, [c.id for _, c in result.changes if c])
            changes = [
                (d, c)
                for d, c in result.changes
                if c is None or waiting.get(c.id) != content_hash(d.definition)
            ]
            live = [(d, c) for d, c in changes if not review.needs_review(c, d, actor)]
            held = [(c, d) for d, c in changes if c is not None and review.needs_review(c, d, actor)]
            review.supersede(session, [c.id for _, c in live if c] + [c.id for c, _ in held], author)
            writes.create_definitions(session, [d for d, c in live if c is None], author, note)
            writes.append_versions(session, [(c, d) for d, c in live if c], author, note)
            numbers = writes.propose_versions(session, held, author, note)
            reviews = review.open_reviews(session, held, numbers, author)
            proposed = [
                ProposedVersion(d.kind, d.key, n, r)
                for (_, d), n, r in zip(held, numbers, reviews, strict=True)
            ]
            created = [CreatedVersion(d.kind, d.key, c.next_number if c else 1) for d, c in live]
            unchanged = len(items) - len(created) - len(proposed)
            if created:
                target = created[0].key if len(created) == 1 else f"{len(created)} definitions"
                writes.audit(
                    session,
                    author,
                    "publish",
                    target,
                    {"created": [list(c) for c in created], "unchanged": unchanged, "note": note},
                )
            return PublishResult(created, unchanged, result.warnings, proposed)

        return self._write(work)

    def publish_paths(
        self,
        paths: Iterable[Path | str],
        author: str,
        note: str = "",
        conflicts: ConflictSetting = "error",
        duplicates: Setting = "warning",
        actor: Caller | None = None,
    ) -> PublishResult:
        """Publish YAML files and folders from disk (what `caliber publish metric_defs/` does)."""
        found, problems = find_files(Path(p) for p in paths)
        files: dict[str, str] = {}
        for path, _namespace in found:
            try:
                files[_bundle_name(path)] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                problems.append(
                    issue(
                        "Y005",
                        f"cannot read file: {err}",
                        Location(_bundle_name(path)),
                        "save the file as UTF-8 and check its permissions",
                    )
                )
        if has_errors(problems):
            raise PublishRejected(tuple(problems))
        return self.publish(files, author, note, conflicts, duplicates, actor)

    def check(
        self, files: Mapping[str, str], conflicts: ConflictSetting = "error", duplicates: Setting = "warning"
    ) -> LintResult:
        """What `publish(files)` would say about the bundle, writing nothing: the bundle linted over the
        published catalog (definitions absent from the bundle are the published ones), so one file that uses
        a published source lints clean. Every error that would reject the publish is kept; warnings only when
        they are about the bundle's files. The result's catalog is the published one with the bundle applied.

        >>> repo = Repository.from_url("sqlite://")
        >>> repo.upgrade()
        >>> _ = repo.publish({"shop/s.yaml": "sources:\\n  orders: {table: dw.t, columns: {id: integer}}\\n"}, "ann")
        >>> metric = "metrics:\\n  n: {type: atomic, source: shop.orders, agg: count, label: {en: N, zh: 数}, "
        >>> metric += "description: n, stage: revenue, owner: me}\\n"
        >>> [i.code for i in repo.check({"shop/m.yaml": metric}).errors]
        []
        """
        items, loaded = bundle_items(files, self.allowed_schemas)
        with Session(self.engine) as session:
            current = writes.load_current(session)
        result, _changed = self._review(current, items, loaded, tuple(files), conflicts, duplicates)
        kept = (i for i in result.issues if i.level is Level.ERROR or i.location.file in files)
        return replace(result, issues=tuple(kept))

    def _review(
        self,
        current: Mapping[tuple[Kind, str], writes.Current],
        items: list[Item],
        loaded: list[Issue],
        files: tuple[str, ...],
        conflicts: ConflictSetting,
        duplicates: Setting,
    ) -> tuple[LintResult, list[Item]]:
        """Lint the bundle over `current` once: the result with every issue, and the items that changed."""
        changed = [item for item in items if self._changed(item, current)]
        touched = {item.key for item in changed if item.kind == "metrics"}

        def gated_conflicts(catalog: Catalog) -> list[Issue]:
            return gate(find_conflicts(catalog), touched, conflicts, duplicates)

        checks = catalog_checks(conflicts=gated_conflicts)
        stored = [c.stored() for c in current.values()]
        result = lint_overlay(stored, items, loaded, files, checks, self.allowed_schemas)
        return result, changed

    def _plan(
        self,
        current: Mapping[tuple[Kind, str], writes.Current],
        items: list[Item],
        loaded: list[Issue],
        files: tuple[str, ...],
        conflicts: ConflictSetting,
        duplicates: Setting,
    ) -> _Plan:
        """Lint the bundle over `current` once and decide what to write; raises `PublishRejected`."""
        result, changed = self._review(current, items, loaded, files, conflicts, duplicates)
        issues = result.issues
        if has_errors(issues):
            raise PublishRejected(tuple(issues))
        changes = []
        for item in changed:
            kind = SINGULAR[item.kind]
            meaning = semantic_hash(qualified_definition(kind, item.key, item.raw, result.catalog))
            changes.append(
                (
                    writes.Draft(kind, item.namespace, item.name, item.raw, meaning),
                    current.get((kind, item.key)),
                )
            )
        return _Plan(changes, tuple(i for i in issues if i.level is Level.WARNING))

    @staticmethod
    def _changed(item: Item, current: Mapping[tuple[Kind, str], writes.Current]) -> bool:
        found = current.get((SINGULAR[item.kind], item.key))
        return found is None or found.content_hash != content_hash(item.raw)

    def deprecate(
        self, key: str, reason: str, author: str, actor: Caller | None = None
    ) -> VersionRecord | None:
        """Mark a metric deprecated in a new version (it still compiles, with a warning); None if unknown.

        `actor` (None: the system) must be an owner of the metric's namespace, else `Refused` (403)."""

        def work(session: Session) -> VersionRecord | None:
            row = self._find(session, "metric", key)
            if row is None:
                return None
            if actor is not None and not actor.may("deprecate", row.namespace.name):
                raise review.refuse(
                    [
                        (
                            f"{actor.name} may not deprecate in {row.namespace.name}",
                            "needs the role owner or admin",
                        )
                    ]
                )
            current = writes.load_current(session, "metric")[("metric", row.key)]
            if current.definition.get("status") == "deprecated":
                return self._version(session, row, current.number)
            review.supersede(session, [current.id], author)
            writes.append_version(
                session, current, {**current.definition, "status": "deprecated"}, author, reason
            )
            writes.audit(session, author, "deprecate", row.key, {"reason": reason})
            return self._version(session, row, current.next_number)

        return self._write(work)

    # -- catalogs ----------------------------------------------------------------------------------------
    def revision(self) -> str:
        """`epoch:counter`, changed by every write that adds a version; one primary-key read (no definitions).

        `app/web` may compare it instead of counting versions: equal revisions mean the same stored catalog.
        """
        epoch, number = writes.read_revision(self.engine)
        return f"{epoch}:{number}"

    def current_catalog(self) -> LintResult:
        """The catalog of the current versions, as `catalog.lint` would build it from the same YAML."""
        # Asked on every request: one primary-key read when nothing changed.
        cached = self._catalogs.get(writes.read_revision(self.engine))
        if cached is not None:
            return cached
        with Session(self.engine) as session:
            revision = writes.revision(session)
            cached = self._catalogs.get(revision)
            if cached is not None:
                return cached
            current = writes.load_current(session)
            # PostgreSQL reads each statement afresh: a write committed between the reads of the revision and
            # of the definitions would be cached under the older revision, so then nothing is cached.
            unmoved = writes.revision(session) == revision
        result = lint_overlay(
            [c.stored() for c in current.values()], [], allowed_schemas=self.allowed_schemas
        )
        if unmoved:
            self._remember(self._catalogs, revision, result)
        return result

    def catalog_at(self, pins: Mapping[str, int]) -> Catalog:
        """The current catalog with some metrics at given versions (`{"sales.gmv": 2}`): what `gmv@2` means.

        Each pinned definition is resolved among the current definitions of what it refers to
        (`catalog.store.pins`); a version that no longer resolves is absent. Raises LookupError for an unknown
        metric or version.
        """
        revision = writes.read_revision(self.engine)  # first: what is cached is never older than its key
        asked = (revision, frozenset(pins.items()))
        cached = self._pinned.get(asked)
        if cached is not None:
            return cached
        pinned: dict[str, Mapping[str, Any]] = {}
        for key, number in pins.items():
            record = self.version(key, number)
            if record is None:
                raise LookupError(f"no version {number} of metric {key!r}")
            pinned[record.key] = record.definition
        stored = [*self.list_sources(), *self.list_dimensions()]
        catalog = pinned_catalog(self.current_catalog().catalog, pinned, stored, self.allowed_schemas)
        self._remember(self._pinned, asked, catalog)
        return catalog

    def pin(self, key: str, number: int) -> Metric | None:
        """The metric as of version `number`, its components at their current versions (`gmv@2`)."""
        try:
            catalog = self.catalog_at({key: number})
        except LookupError:
            return None
        with Session(self.engine) as session:
            row = self._find(session, "metric", key)
        return catalog.metrics.get(row.key) if row else None

    def _remember(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        with self._cache_lock:
            if len(cache) >= _CACHED_CATALOGS:
                cache.pop(next(iter(cache)))
            cache[key] = value

    # -- reading definitions -----------------------------------------------------------------------------
    def list_metrics(
        self,
        text: str | None = None,
        stage: str | None = None,
        namespace: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """Current metrics matching every filter given, by key; `text` searches names, labels, descriptions
        (`catalog.search`, over the current catalog)."""
        found = index_of(self.current_catalog().catalog).search(
            text, stage, namespace, owner, status, offset, limit, phrase=True
        )
        keys = [metric.key for metric in found.items]
        records = {r.key: r for r in self._records("metric", keys=keys)} if keys else {}
        return Page([records[k] for k in keys if k in records], found.total, offset, limit)

    def list_dimensions(self) -> list[DefinitionRecord]:
        return self._records("dimension")

    def list_sources(self) -> list[DefinitionRecord]:
        return self._records("source")

    def get_metric(self, key: str) -> DefinitionRecord | None:
        """A metric by `namespace.name`, or by its bare name when that is unique."""
        return self.get("metric", key)

    def get(self, kind: Kind, key: str) -> DefinitionRecord | None:
        with Session(self.engine) as session:
            row = self._find(session, kind, key)
            return self._records(kind, session, row.id)[0] if row else None

    def versions(self, key: str, kind: Kind = "metric") -> list[VersionRecord]:
        """Every version of a definition, oldest first (empty when the key is unknown)."""
        with Session(self.engine) as session:
            row = self._find(session, kind, key)
            if row is None:
                return []
            found = session.scalars(
                select(VersionRow).where(VersionRow.definition_id == row.id).order_by(VersionRow.number)
            )
            return [_version_record(row, v) for v in found]

    def version(self, key: str, number: int, kind: Kind = "metric") -> VersionRecord | None:
        with Session(self.engine) as session:
            row = self._find(session, kind, key)
            return self._version(session, row, number) if row else None

    def diff(self, key: str, a: int, b: int, kind: Kind = "metric") -> VersionDiff | None:
        """What changed from version `a` to `b`, field by field; None when either does not exist."""
        before, after = self.version(key, a, kind), self.version(key, b, kind)
        if before is None or after is None:
            return None
        return VersionDiff(
            before.key,
            before,
            after,
            field_changes(before.definition, after.definition),
            caliber_changed=before.semantic_hash != after.semantic_hash,
        )

    def audit(self, limit: int = 100) -> list[AuditRecord]:
        """The most recent writes first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            return [AuditRecord(r.id, _aware(r.at), r.actor, r.action, r.target, r.detail) for r in rows]

    def _records(
        self,
        kind: Kind,
        session: Session | None = None,
        only: int | None = None,
        keys: list[str] | None = None,
    ) -> list[DefinitionRecord]:
        with self._session(session) as s:
            query = writes.current_join().where(DefinitionRow.kind == kind).order_by(DefinitionRow.key)
            if only is not None:
                query = query.where(DefinitionRow.id == only)
            if keys is not None:
                query = query.where(DefinitionRow.key.in_(keys))
            return [
                DefinitionRecord(
                    kind,
                    d.key,
                    namespace,
                    d.name,
                    v.definition,
                    d.current_version,
                    d.status,
                    d.current_version,
                    v.content_hash,
                    v.semantic_hash,
                    _aware(d.created_at),
                    _aware(d.updated_at),
                )
                for d, v, namespace in s.execute(query)
            ]

    def _version(self, session: Session, row: DefinitionRow, number: int) -> VersionRecord | None:
        found = session.scalar(
            select(VersionRow).where(VersionRow.definition_id == row.id, VersionRow.number == number)
        )
        return _version_record(row, found) if found else None

    @staticmethod
    def _find(session: Session, kind: Kind, key: str) -> DefinitionRow | None:
        row = session.scalar(
            select(DefinitionRow).where(DefinitionRow.kind == kind, DefinitionRow.key == key)
        )
        if row is not None or "." in key:
            return row
        rows = session.scalars(
            select(DefinitionRow).where(DefinitionRow.kind == kind, DefinitionRow.name == key).limit(2)
        ).all()
        return rows[0] if len(rows) == 1 else None

    # -- users and tokens (catalog.store.users) ---------------------------------------------------------
    def create_token(self, user: str, name: str = "", actor: str = "cli") -> str:
        """A new token of `user`: see `Accounts.create_token`."""
        return self.accounts.create_token(user, name, actor)

    def verify_token(self, token: str) -> Caller | None:
        """Who the token acts as, or None: see `Accounts.verify_token`."""
        return self.accounts.verify_token(token)

    def revoke_token(self, token_id: int, actor: str = "cli") -> bool:
        return self.accounts.revoke_token(token_id, actor)

    def list_tokens(self) -> list[TokenRecord]:
        return self.accounts.list_tokens()

    def get_token(self, token_id: int) -> TokenRecord | None:
        return self.accounts.get_token(token_id)

    def counts(self) -> dict[str, int]:
        """Rows per table (for health pages and tests that check nothing was written)."""
        present = set(inspect(self.engine).get_table_names())  # a store migrated down has fewer tables
        models = (NamespaceRow, DefinitionRow, VersionRow, AuditRow, TokenRow, UserRow, GrantRow, ReviewRow)
        with Session(self.engine) as session:
            return {
                model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in models
                if model.__tablename__ in present
            }

    # -- transactions ------------------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction, retried with jitter when it collides with another writer."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(caliber_write=True)
                    with Session(bind=connection) as session, session.begin():
                        if self.engine.dialect.name == "postgresql":
                            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
                        return work(session)
            except (IntegrityError, OperationalError, writes.StaleVersion) as err:
                if isinstance(err, OperationalError) and not _transient(err):
                    raise
                if attempt == WRITE_ATTEMPTS - 1:
                    raise PublishConflict(
                        "concurrent writers kept changing the same definitions; try again"
                    ) from err
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")

    @contextmanager
    def _session(self, session: Session | None) -> Any:
        if session is not None:
            yield session
            return
        with Session(self.engine) as own:
            yield own


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a checked bundle writes: each changed definition with its current version (None when new)."""

    changes: list[tuple[writes.Draft, writes.Current | None]]
    warnings: tuple[Issue, ...]


def _transient(err: OperationalError) -> bool:
    """Lock timeouts, serialisation failures and deadlocks: worth a retry."""
    code = getattr(err.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "locked" in str(err.orig).lower()


def _version_record(row: DefinitionRow, v: VersionRow) -> VersionRecord:
    status = v.definition.get("status", "active") if isinstance(v.definition, dict) else "active"
    return VersionRecord(
        cast(Kind, row.kind),
        row.key,
        v.number,
        v.content_hash,
        v.semantic_hash,
        v.definition,
        status,
        v.author,
        v.note,
        _aware(v.created_at),
    )


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _bundle_name(path: Path) -> str:
    """The path as shown in issues, keeping the folder that names the namespace (as `caliber lint` does)."""
    folder = path.resolve().parent.name
    try:
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return shown if Path(shown).parent.name == folder else f"{folder}/{path.name}"
