"""Demo warehouse: a small, deterministic online-education data set that every standard metric can run on.

`generate` is pure (a seed in, tables out); `write_duckdb` and the DDL helpers are the thin I/O edge. The
tables are exactly the `table:` of each source in `metric_defs/common/sources.yaml`, with exactly the declared
columns, so the library, the compiler tests and the engine matrix all read the same rows.

Data covers 2024-01-01 .. 2025-06-30. City names are stored in Chinese (北京, 上海, …) on purpose: every
engine must round-trip UTF-8 text. About 3% of users have a NULL channel; a few orders have amount 0.

    >>> tables = generate(rows=2_000, seed=7)
    >>> tables["dw.fact_orders"].columns[0], len(tables["dw.dim_users"].rows)
    (('order_id', 'integer'), 200)
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

START = datetime(2024, 1, 1)
END = datetime(2025, 7, 1)
"""Exclusive: the last data point is on 2025-06-30."""


@dataclass(frozen=True, slots=True)
class Table:
    """One warehouse table: `name` is schema-qualified (`dw.fact_orders`), column types are the language's."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: list[tuple[Any, ...]]


# Column declarations, in table order; they mirror `metric_defs/common/sources.yaml` (a test checks it).
USERS = (
    ("user_id", "integer"),
    ("signup_at", "timestamp"),
    ("signup_date", "date"),
    ("channel", "string"),
    ("city", "string"),
    ("segment", "string"),
    ("grade", "string"),
    ("device", "string"),
    ("first_lesson_at", "timestamp"),
    ("days_to_first_lesson", "integer"),
)
TEACHERS = (
    ("teacher_id", "integer"),
    ("teacher_name", "string"),
    ("subject", "string"),
    ("city", "string"),
    ("hired_on", "date"),
    ("is_fulltime", "boolean"),
)
LEADS = (
    ("lead_id", "integer"),
    ("user_id", "integer"),
    ("account_name", "string"),
    ("account_type", "string"),
    ("sales_rep", "string"),
    ("lead_source", "string"),
    ("created_at", "timestamp"),
    ("reached_at", "timestamp"),
    ("trial_at", "timestamp"),
    ("signed_at", "timestamp"),
    ("project_setup_at", "timestamp"),
    ("paid_at", "timestamp"),
    ("regular_use_at", "timestamp"),
    ("referred_at", "timestamp"),
    ("status", "string"),
    ("contract_amount", "decimal"),
    ("seats", "integer"),
)
ORDERS = (
    ("order_id", "integer"),
    ("user_id", "integer"),
    ("created_at", "timestamp"),
    ("paid_at", "timestamp"),
    ("status", "string"),
    ("course_category", "string"),
    ("amount", "decimal"),
    ("coupon_amount", "decimal"),
    ("is_renewal", "boolean"),
    ("user_order_seq", "integer"),
)
REFUNDS = (
    ("refund_id", "integer"),
    ("order_id", "integer"),
    ("user_id", "integer"),
    ("amount", "decimal"),
    ("refunded_at", "timestamp"),
    ("reason", "string"),
)
LESSONS = (
    ("attendance_id", "integer"),
    ("user_id", "integer"),
    ("teacher_id", "integer"),
    ("lesson_type", "string"),
    ("course_category", "string"),
    ("status", "string"),
    ("attended", "boolean"),
    ("minutes", "integer"),
    ("rating", "integer"),
    ("scheduled_at", "timestamp"),
    ("attended_at", "timestamp"),
)
APP_EVENTS = (
    ("event_id", "integer"),
    ("user_id", "integer"),
    ("event_name", "string"),
    ("event_time", "timestamp"),
    ("platform", "string"),
    ("days_since_signup", "integer"),
)
REFERRALS = (
    ("referral_id", "integer"),
    ("referrer_user_id", "integer"),
    ("referee_user_id", "integer"),
    ("created_at", "timestamp"),
    ("converted_at", "timestamp"),
    ("reward_amount", "decimal"),
)

CITIES = ("北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安")
CHANNELS = ("search_ads", "feed_ads", "kol", "organic", "referral", "offline_event")
DEVICES = ("ios", "android", "pc", "mini_program")
K12_CATEGORIES = ("k12_math", "k12_english", "k12_chinese")
ADULT_CATEGORIES = ("adult_english", "ielts_toefl", "programming")
PRICES = {
    "k12_math": (1999, 2999, 4999),
    "k12_english": (1999, 3999, 5999),
    "k12_chinese": (1499, 2999),
    "adult_english": (999, 2999),
    "ielts_toefl": (4999, 8999),
    "programming": (2999, 5999),
}
SUBJECTS = {
    "k12_math": "math",
    "k12_english": "english",
    "k12_chinese": "chinese",
    "adult_english": "english",
    "ielts_toefl": "english",
    "programming": "programming",
}
FUNNEL = (
    ("reached", 0.82),
    ("trial", 0.62),
    ("signed", 0.55),
    ("project_setup", 0.8),
    ("paid", 0.85),
    ("regular_use", 0.72),
    ("referred", 0.35),
)
SKIPPABLE = frozenset({"trial", "project_setup"})
"""Real deals skip these: a school signs without a trial, or pays before the project is set up."""


@dataclass(slots=True)
class _User:
    user_id: int
    signup_at: datetime
    segment: str
    category: str
    device: str
    first_trial_at: datetime | None = None
    first_lesson_at: datetime | None = None
    learner: bool = False


def generate(rows: int = 20_000, seed: int = 7) -> dict[str, Table]:
    """All demo tables keyed by name; the same `rows` and `seed` always give the same rows.

    `rows` sets the scale: about rows/10 users, rows/4 orders, rows/2 lessons and `rows` app events.
    """
    rng = random.Random(seed)
    users, user_rows = _users(rng, max(60, rows // 10))
    teachers = _teachers(rng, max(8, rows // 200))
    lessons = _lessons(rng, users, max(200, rows // 2), len(teachers.rows))
    for row, user in zip(user_rows, users, strict=True):
        if user.first_lesson_at is not None:
            row[8] = user.first_lesson_at
            row[9] = (user.first_lesson_at.date() - user.signup_at.date()).days
    orders = _orders(rng, users, max(150, rows // 4))
    tables = [
        Table("dw.dim_users", USERS, [tuple(r) for r in user_rows]),
        teachers,
        _leads(rng, max(80, rows // 20), len(users)),
        orders,
        _refunds(rng, orders),
        lessons,
        _app_events(rng, users, max(300, rows)),
        _referrals(rng, users, max(40, rows // 50)),
    ]
    return {t.name: t for t in tables}


def _ts(rng: random.Random, lo: datetime, hi: datetime = END) -> datetime:
    """A whole-second timestamp in [lo, hi)."""
    span = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=rng.randrange(max(span, 1)))


def _slot(rng: random.Random, day: datetime) -> datetime:
    """A lesson slot: on the hour or half hour between 08:00 and 21:00 (so many lessons tie)."""
    return datetime(day.year, day.month, day.day, 8) + timedelta(minutes=30 * rng.randrange(27))


def _users(rng: random.Random, n: int) -> tuple[list[_User], list[list[Any]]]:
    signups = sorted(_ts(rng, START, END - timedelta(days=1)) for _ in range(n))
    users, rows = [], []
    for user_id, signup in enumerate(signups, start=1):
        segment = rng.choices(("k12", "adult", "enterprise"), (60, 30, 10))[0]
        category = rng.choice(K12_CATEGORIES if segment == "k12" else ADULT_CATEGORIES)
        device = rng.choices(DEVICES, (35, 40, 10, 15))[0]
        channel = None if rng.random() < 0.03 else rng.choices(CHANNELS, (25, 20, 10, 25, 12, 8))[0]
        grade = f"G{rng.randint(1, 12)}" if segment == "k12" else None
        city = rng.choices(CITIES, (20, 20, 12, 12, 10, 12, 7, 7))[0]
        users.append(_User(user_id, signup, segment, category, device))
        rows.append([user_id, signup, signup.date(), channel, city, segment, grade, device, None, None])
    return users, rows


def _teachers(rng: random.Random, n: int) -> Table:
    surnames = "王李张刘陈杨黄赵周吴"
    subjects = ("math", "english", "chinese", "programming")
    rows = [
        (
            i,
            f"{surnames[i % len(surnames)]}老师{i:03d}",
            subjects[i % len(subjects)],
            rng.choice(CITIES),
            date(2024, 1, 1) + timedelta(days=rng.randrange(540)),
            rng.random() < 0.6,
        )
        for i in range(1, n + 1)
    ]
    return Table("dw.dim_teachers", TEACHERS, rows)


def _lesson_outcome(rng: random.Random, weights: Sequence[int]) -> str:
    return rng.choices(("attended", "student_absent", "teacher_absent", "cancelled"), weights)[0]


def _lessons(rng: random.Random, users: list[_User], target: int, n_teachers: int) -> Table:
    raw: list[tuple[_User, str, str, datetime]] = []
    for user in users:
        if rng.random() >= 0.75:
            continue
        when = _slot(rng, user.signup_at + timedelta(days=rng.randint(0, 12)))
        for _attempt in range(2):  # a missed trial is often rebooked once
            if when >= END:
                break
            status = _lesson_outcome(rng, (78, 12, 4, 6))
            raw.append((user, "trial", status, when))
            user.first_trial_at = user.first_trial_at or when
            if status == "attended":
                user.learner = rng.random() < 0.55
                break
            if rng.random() < 0.5:
                break
            when = _slot(rng, when + timedelta(days=rng.randint(2, 5)))
    learners = [u for u in users if u.learner]
    for i in range(max(target - len(raw), len(learners)) if learners else 0):
        user = learners[i] if i < len(learners) else rng.choice(learners)
        assert user.first_trial_at is not None
        start = user.first_trial_at + timedelta(days=1)
        if start < END - timedelta(days=1):
            raw.append((user, "regular", _lesson_outcome(rng, (86, 7, 2, 5)), _slot(rng, _ts(rng, start))))
    raw.sort(key=lambda r: (r[3], r[0].user_id))
    rows = []
    for attendance_id, (user, kind, status, when) in enumerate(raw, start=1):
        attended = status == "attended"
        attended_at = when + timedelta(minutes=rng.randint(-5, 8)) if attended else None
        if attended_at is not None and (user.first_lesson_at is None or attended_at < user.first_lesson_at):
            user.first_lesson_at = attended_at
        minutes = (30 if kind == "trial" else rng.choice((25, 45, 45, 60))) if attended else 0
        rating = (
            rng.choices((5, 4, 3, 2, 1), (50, 30, 12, 5, 3))[0] if attended and rng.random() < 0.6 else None
        )
        rows.append(
            (
                attendance_id,
                user.user_id,
                rng.randint(1, n_teachers),
                kind,
                user.category,
                status,
                attended,
                minutes,
                rating,
                when,
                attended_at,
            )
        )
    return Table("dw.fact_lessons", LESSONS, rows)


def _orders(rng: random.Random, users: list[_User], target: int) -> Table:
    buyers = [u for u in users if (u.first_lesson_at and rng.random() < 0.65) or rng.random() < 0.04]
    raw: list[tuple[int, datetime, datetime | None, str, str, Decimal, Decimal]] = []
    for _ in range(target):
        user = rng.choice(buyers)
        base = user.first_lesson_at or user.signup_at
        created = _ts(rng, base if base < END - timedelta(hours=2) else user.signup_at)
        status = rng.choices(("paid", "refunded", "cancelled", "pending"), (74, 6, 12, 8))[0]
        category = user.category if rng.random() < 0.85 else rng.choice(K12_CATEGORIES + ADULT_CATEGORIES)
        amount, coupon = Decimal(rng.choice(PRICES[category])), Decimal(0)
        if rng.random() < 0.02:  # a free trial pack: paid with amount 0, never refunded
            amount, status = Decimal(0), "paid"
        elif rng.random() < 0.25:
            coupon = Decimal(rng.choice((50, 100, 200)))
            amount -= coupon
        paid_at = None
        if status in ("paid", "refunded"):
            paid_at = min(created + timedelta(minutes=rng.randint(1, 120)), END - timedelta(seconds=1))
        raw.append(
            (
                user.user_id,
                created,
                paid_at,
                status,
                category,
                amount.quantize(Decimal("0.01")),
                coupon.quantize(Decimal("0.01")),
            )
        )
    raw.sort(key=lambda r: (r[1], r[0]))
    bought: dict[int, set[str]] = {}
    paid_count: dict[int, int] = {}
    rows = []
    for order_id, (user_id, created, paid_at, status, category, amount, coupon) in enumerate(raw, start=1):
        earlier = bought.setdefault(user_id, set())
        is_renewal = category in earlier  # buys again a category this user already paid for
        seq = None
        if paid_at is not None:
            earlier.add(category)
            seq = paid_count[user_id] = paid_count.get(user_id, 0) + 1
        rows.append((order_id, user_id, created, paid_at, status, category, amount, coupon, is_renewal, seq))
    return Table("dw.fact_orders", ORDERS, rows)


def _refunds(rng: random.Random, orders: Table) -> Table:
    rows: list[tuple[Any, ...]] = []
    reasons = ("schedule_conflict", "teacher_mismatch", "quality_complaint", "financial", "duplicate_payment")
    for order_id, user_id, _c, paid_at, status, _cat, amount, *_ in orders.rows:
        full = status == "refunded"
        if paid_at is None or amount == 0 or not (full or rng.random() < 0.03):
            continue
        refunded_at = paid_at + timedelta(days=rng.randint(1, 30), seconds=rng.randrange(86_400))
        if refunded_at >= END:
            if not full:
                continue
            refunded_at = END - timedelta(seconds=1)
        value = amount if full else (amount * Decimal(rng.choice(("0.3", "0.5")))).quantize(Decimal("0.01"))
        rows.append((len(rows) + 1, order_id, user_id, value, refunded_at, rng.choice(reasons)))
    return Table("dw.fact_refunds", REFUNDS, rows)


def _leads(rng: random.Random, n: int, n_users: int) -> Table:
    reps = ("zhang.wei", "li.na", "wang.fang", "chen.jie", "liu.yang", "zhao.lei")
    sources = ("inbound_web", "trade_event", "cold_call", "partner", "customer_referral")
    raw = []
    for _ in range(n):
        created = _ts(rng, START)
        stamps: dict[str, datetime] = {}
        when, status = created, "new"
        for step, p_advance in FUNNEL:
            if rng.random() >= p_advance:
                status = "lost" if stamps else "new"
                break
            when += timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23))
            if when >= END:
                break
            if step in SKIPPABLE and rng.random() < 0.08:
                continue
            stamps[step], status = when, step
        city = rng.choice(CITIES)
        school = rng.random() < 0.6
        name = (
            f"{city}第{rng.randint(1, 40)}中学"
            if school
            else f"{city}{rng.choice(('启明', '星河', '远航', '云帆'))}科技有限公司"
        )
        contract = (
            Decimal(rng.choice((20_000, 50_000, 80_000, 120_000, 200_000))) if "signed" in stamps else None
        )
        raw.append((created, stamps, status, name, "school" if school else "company", contract))
    raw.sort(key=lambda r: r[0])
    rows = []
    for lead_id, (created, stamps, status, name, kind, contract) in enumerate(raw, start=1):
        user_id = rng.randint(1, n_users) if rng.random() < 0.4 else None
        rows.append(
            (
                lead_id,
                user_id,
                name,
                kind,
                rng.choice(reps),
                rng.choice(sources),
                created,
                *(stamps.get(step) for step, _p in FUNNEL),
                status,
                None if contract is None else contract.quantize(Decimal("0.01")),
                rng.choice((30, 50, 100, 200, 500)),
            )
        )
    return Table("dw.fact_leads", LEADS, rows)


def _app_events(rng: random.Random, users: list[_User], n: int) -> Table:
    weights = [5 if u.learner else 2 if u.first_lesson_at else 1 for u in users]
    names = ("app_open", "course_view", "lesson_enter", "homework_submit", "share_click")
    raw = []
    for user in rng.choices(users, weights, k=n):
        when = _ts(rng, user.signup_at)
        platform = user.device if rng.random() < 0.7 else rng.choice((*DEVICES, "web"))
        raw.append(
            (
                when,
                user.user_id,
                rng.choices(names, (50, 20, 15, 10, 5))[0],
                platform,
                (when - user.signup_at).days,
            )
        )
    raw.sort(key=lambda r: (r[0], r[1]))
    rows = [
        (i, uid, name, when, platform, days)
        for i, (when, uid, name, platform, days) in enumerate(raw, start=1)
    ]
    return Table("dw.fact_app_events", APP_EVENTS, rows)


def _referrals(rng: random.Random, users: list[_User], n: int) -> Table:
    referrers = [u for u in users if u.learner] or users
    signups = [u.signup_at for u in users]  # users are in signup order
    raw = []
    for _ in range(n):
        referrer = rng.choice(referrers)
        created = _ts(rng, referrer.signup_at)
        referee = None
        if rng.random() < 0.45:  # the invitee registers within 21 days: that is the conversion
            lo = bisect.bisect_left(signups, created)
            hi = bisect.bisect_left(signups, created + timedelta(days=21))
            if hi > lo:
                referee = users[rng.randrange(lo, hi)]
        raw.append((created, referrer.user_id, referee))
    raw.sort(key=lambda r: (r[0], r[1]))
    rows = [
        (
            i,
            referrer_id,
            referee and referee.user_id,
            created,
            referee and referee.signup_at,
            Decimal(rng.choice((50, 100))).quantize(Decimal("0.01")) if referee else None,
        )
        for i, (created, referrer_id, referee) in enumerate(raw, start=1)
    ]
    return Table("dw.fact_referrals", REFERRALS, rows)


# --- the I/O edge ---------------------------------------------------------------------------------------

DDL_TYPES: dict[str, dict[str, str]] = {
    "duckdb": {
        "string": "VARCHAR",
        "integer": "BIGINT",
        "decimal": "DECIMAL(12,2)",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    },
    # SQLite has no date, time or boolean storage: text in ISO form sorts and compares correctly, 0/1 for
    # booleans. NUMERIC affinity keeps decimals numeric (stored as REAL or INTEGER).
    "sqlite": {
        "string": "TEXT",
        "integer": "INTEGER",
        "decimal": "NUMERIC",
        "float": "REAL",
        "boolean": "INTEGER",
        "date": "TEXT",
        "timestamp": "TEXT",
    },
    "postgres": {
        "string": "TEXT",
        "integer": "BIGINT",
        "decimal": "NUMERIC(12,2)",
        "float": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    },
    # MySQL/MariaDB TIMESTAMP converts through the session time zone and ends in 2038: DATETIME is the
    # plain wall-clock type. BOOLEAN is TINYINT(1). Tables need utf8mb4 for the Chinese text.
    "mysql": {
        "string": "VARCHAR(255)",
        "integer": "BIGINT",
        "decimal": "DECIMAL(12,2)",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "DATETIME",
    },
    # Spark SQL (managed tables `USING parquet`); TIMESTAMP is shown in the session time zone, which the
    # engine tests set to UTC so the wall-clock values read back as written.
    "spark": {
        "string": "STRING",
        "integer": "BIGINT",
        "decimal": "DECIMAL(12,2)",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    },
    # ClickHouse columns are NOT NULL unless declared Nullable: a warehouse with NULLs declares them so.
    "clickhouse": {
        "string": "Nullable(String)",
        "integer": "Nullable(Int64)",
        "decimal": "Nullable(Decimal(12, 2))",
        "float": "Nullable(Float64)",
        "boolean": "Nullable(Bool)",
        "date": "Nullable(Date32)",
        "timestamp": "Nullable(DateTime64(6))",
    },
}


def ddl_type(column_type: str, engine: str) -> str:
    """The column type to declare for a language type, e.g. `ddl_type("timestamp", "mysql")` → `DATETIME`."""
    try:
        return DDL_TYPES[engine][column_type]
    except KeyError:
        raise ValueError(
            f"no DDL type for {column_type!r} on {engine!r}; engines: {sorted(DDL_TYPES)}"
        ) from None


_TABLE_SUFFIX = {
    "mysql": " DEFAULT CHARSET=utf8mb4",
    "spark": " USING parquet",
    "clickhouse": " ENGINE = Memory",
}


def create_table_sql(table: Table, engine: str) -> str:
    """`CREATE TABLE` for `table` on `engine` (SQLite has no schemas: `dw.x` needs an attached `dw`)."""
    columns = ", ".join(f"{name} {ddl_type(kind, engine)}" for name, kind in table.columns)
    return f"CREATE TABLE {table.name} ({columns}){_TABLE_SUFFIX.get(engine, '')}"


def engine_rows(table: Table, engine: str) -> Iterator[tuple[Any, ...]]:
    """Rows as the engine's driver wants them; only SQLite needs text dates and 0/1 booleans."""
    if engine != "sqlite":
        yield from table.rows
        return
    for row in table.rows:
        yield tuple(_sqlite_value(v) for v in row)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def write_duckdb(tables: dict[str, Table], path: str) -> None:
    """Create (or replace) every table in the DuckDB file at `path`, with its schema, and load the rows."""
    import duckdb  # the only engine the demo needs; imported here so `generate` stays dependency-free

    con = duckdb.connect(path)
    try:
        for table in tables.values():
            schema, _, _name = table.name.rpartition(".")
            if schema:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"DROP TABLE IF EXISTS {table.name}")
            con.execute(create_table_sql(table, "duckdb"))
            # One statement per table: each column goes in as one typed list parameter and UNNEST zips
            # them back into rows (a per-row executemany is orders of magnitude slower).
            columns = [list(values) for values in zip(*table.rows, strict=True)]
            columns = columns or [[] for _ in table.columns]
            select = ", ".join(f"UNNEST(?::{ddl_type(kind, 'duckdb')}[])" for _name, kind in table.columns)
            con.execute(f"INSERT INTO {table.name} SELECT {select}", columns)
    finally:
        con.close()
