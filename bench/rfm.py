#!/usr/bin/env python
"""RFM rollup benchmark (issue 5, "Performance"): one run, one database, every ratio.

    DATABASE_URL=postgres://relasi_bench:relasi_bench@localhost/relasi_bench \
        .venv/bin/python bench/rfm.py --purchases 10000000 --customers 1000000

    .venv/bin/python bench/rfm.py --purchases 200000 --customers 20000   # SQLite (db.sqlite3)

See bench/README.md for what each figure means and the targets. Nothing here is a
test: the script generates a seeded, skewed purchase history into the configured
database, then times the project's rollups and import against the bare SQL a
hand-tuned solution would run, on the same data, and prints the ratios.
"""

# A benchmark: its SQL is built from its own constants and numbers; the child process is itself.
# ruff: noqa: S608, S603
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings")

import numpy as np  # noqa: E402  (bench/requirements.txt)

BENCH_PREFIX = "BENCH-"
OWNER_USERNAME = "bench-owner"
SOURCE = "bench"
IMPORT_SOURCE = "bench-import"
DEFAULT_AS_OF = dt.date(2025, 12, 31)
INDUSTRIES = ["Retail", "Manufacturing", "Distribution", "Hospitality", "Construction", "Healthcare", "Agriculture"]
CITIES = ["Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Makassar", "Denpasar", "Palembang"]
CHUNK = 500_000
PG_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds: PostgreSQL's binary timestamp epoch


# --- small helpers ----------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def vm_kb(name: str) -> int:
    """VmRSS / VmHWM of this process in kB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def maxrss_mb() -> float:
    """Peak RSS of this process. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    fork and exec, so a child would report its parent's peak."""
    return (vm_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def django_setup() -> None:
    import django

    django.setup()


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def q(sql: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def x(sql: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def scalar(sql: str, params: Any = None) -> Any:
    rows = q(sql, params)
    return rows[0][0] if rows else None


def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


# --- the synthetic history --------------------------------------------------------------------


class History:
    """Seeded skewed purchase history over three years ending on `as_of`.

    Per-customer purchase counts follow a Pareto(1.2) weight (a long tail) and the
    first three customers are made very large (about 2%, 1% and 0.5% of all
    purchases). 60% of customers exist from the start, the rest begin at a random
    day; 25% stop buying at a random day (so recency varies). Amounts are
    lognormal (median about IDR 600,000, in cents), ~30% of rows carry a cost.
    Timestamps are whole seconds, uniformly spread over the local days
    [as_of - 3 years + 1 day, as_of], including around midnight.
    """

    def __init__(self, *, n_customers: int, seed: int, as_of: dt.date, tz: str) -> None:
        self.n = n_customers
        self.seed = seed
        self.as_of = as_of
        self.tz = zoneinfo.ZoneInfo(tz)
        first = as_of.replace(year=as_of.year - 3) + dt.timedelta(days=1)
        self.t0 = int(dt.datetime.combine(first, dt.time(), self.tz).timestamp())
        self.t1 = int(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), self.tz).timestamp())
        rng = np.random.default_rng([seed, 0])
        w = rng.pareto(1.2, n_customers) + 1.0
        if n_customers >= 100:
            shares = np.array([0.02, 0.01, 0.005])
            w[:3] = shares * (w[3:].sum() / (1 - shares.sum()))
        self.cdf = np.cumsum(w) / w.sum()
        span = self.t1 - self.t0
        self.start = np.where(
            rng.random(n_customers) < 0.6,
            self.t0,
            self.t0 + (rng.random(n_customers) * (span - 30 * 86400)).astype(np.int64),
        )
        self.end = np.where(
            rng.random(n_customers) < 0.75,
            self.t1,
            self.start + (rng.random(n_customers) * (self.t1 - self.start)).astype(np.int64),
        )
        self.start[:3], self.end[:3] = self.t0, self.t1

    def pick(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(size), side="right"), self.n - 1)

    def chunk(self, rng: np.random.Generator, size: int, tlo: int, thi: int, seq0: int) -> dict[str, np.ndarray]:
        ts = np.sort(rng.integers(tlo, thi, size, dtype=np.int64))
        cust = self.pick(rng, size)
        for _ in range(3):  # customers outside their active span: draw another
            bad = (ts < self.start[cust]) | (ts >= self.end[cust])
            if not bad.any():
                break
            cust[bad] = self.pick(rng, int(bad.sum()))
        amount = np.maximum(np.rint(rng.lognormal(13.3, 1.2, size) * 100), 100).astype(np.int64)
        return {
            "seq": np.arange(seq0, seq0 + size, dtype=np.int64),
            "cust": cust,
            "ts": ts,
            "amount": amount,
            "qty": rng.integers(1, 50, size, dtype=np.int64) * 1000,
            "prod": rng.integers(0, 5000, size, dtype=np.int32),
            "cost": (amount * rng.uniform(0.4, 0.95, size)).astype(np.int64),
            "has_cost": rng.random(size) < 0.3,
        }

    def purchases(self, total: int, *, stream: int = 1, seq0: int = 1) -> Iterator[dict[str, np.ndarray]]:
        """`total` purchases in time order, in chunks (memory stays bounded)."""
        rng = np.random.default_rng([self.seed, stream])
        k = max(1, -(-total // CHUNK))
        edges = np.linspace(self.t0, self.t1, k + 1).astype(np.int64)
        done = 0
        for i in range(k):
            size = total // k + (1 if i < total % k else 0)
            yield self.chunk(rng, size, int(edges[i]), int(edges[i + 1]), seq0 + done)
            done += size


# --- writing customers and purchases --------------------------------------------------------


def bench_owner():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, created = get_user_model().objects.get_or_create(
        username=OWNER_USERNAME, defaults={"first_name": "Bench", "last_name": "Owner", "email": "bench@example.com"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    gm = Group.objects.filter(name="General manager").first()
    if gm:
        user.groups.add(gm)
    return user


def customer_columns(start: int, count: int, owner_id: int) -> tuple[list[str], list[str], list[Any]]:
    """Columns of accounts_customer with a SQL expression over `g` (PostgreSQL) and params."""
    from django.db.models import NOT_PROVIDED, CharField, TextField

    from accounts.models import Customer

    exprs = {
        "name": "'Bench customer ' || lpad(g::text, 7, '0')",
        "kind": "'company'",
        "industry": f"(%s::text[])[1 + g %% {len(INDUSTRIES)}]",
        "city": f"(%s::text[])[1 + g %% {len(CITIES)}]",
        "country": "'Indonesia'",
        "external_ref": f"'{BENCH_PREFIX}' || lpad(g::text, 7, '0')",
        "owner_id": str(int(owner_id)),
        "tier": "'regular'",
        "created_at": "now()",
        "updated_at": "now()",
    }
    cols, sql, params = [], [], []
    for f in Customer._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f.column)
        if f.column in exprs:
            sql.append(exprs[f.column])
            if f.column == "industry":
                params.append(INDUSTRIES)
            elif f.column == "city":
                params.append(CITIES)
        elif f.null:
            sql.append("NULL")
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            sql.append("%s")
            params.append(f.default)
        elif isinstance(f, (CharField, TextField)):
            sql.append("''")
        else:
            raise SystemExit(f"bench: don't know how to fill accounts_customer.{f.column}")
    return cols, sql, params


def customers_create(start: int, count: int, owner_id: int) -> None:
    """Customers BENCH-<start>.. BENCH-<start+count-1>, set-based."""
    from django.db import connection

    from accounts.models import Customer

    if vendor() == "postgresql":
        cols, sql, params = customer_columns(start, count, owner_id)
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO accounts_customer ({', '.join(cols)}) SELECT {', '.join(sql)} "
                f"FROM generate_series(%s, %s) AS g",
                [*params, start, start + count - 1],
            )
        return
    now = dt.datetime.now(dt.UTC)
    Customer.objects.bulk_create(
        [
            Customer(
                name=f"Bench customer {g:07d}",
                industry=INDUSTRIES[g % len(INDUSTRIES)],
                city=CITIES[g % len(CITIES)],
                external_ref=f"{BENCH_PREFIX}{g:07d}",
                owner_id=owner_id,
                created_at=now,
                updated_at=now,
            )
            for g in range(start, start + count)
        ],
        batch_size=5000,
    )


def customer_ids() -> np.ndarray:
    """Ids of the bench customers, in BENCH number order (index 0 = BENCH-0000001)."""
    rows = q(
        "SELECT id FROM accounts_customer WHERE external_ref LIKE %s ORDER BY external_ref",
        [BENCH_PREFIX + "%"],
    )
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


STAGE_DTYPE = np.dtype(
    [
        ("n", ">i2"),
        ("l_seq", ">i4"), ("seq", ">i8"),
        ("l_cust", ">i4"), ("cust", ">i8"),
        ("l_ts", ">i4"), ("ts", ">i8"),
        ("l_amt", ">i4"), ("amt", ">i8"),
        ("l_qty", ">i4"), ("qty", ">i8"),
        ("l_prod", ">i4"), ("prod", ">i4"),
        ("l_cost", ">i4"), ("cost", ">i8"),
        ("l_hc", ">i4"), ("hc", "i1"),
    ]
)  # fmt: skip
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
PGCOPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def stage_binary(ch: dict[str, np.ndarray], ids: np.ndarray) -> bytes:
    """One chunk in PostgreSQL's binary COPY format (all fields fixed width: no Python loop)."""
    a = np.empty(len(ch["seq"]), dtype=STAGE_DTYPE)
    a["n"] = 8
    for name, width in (
        ("l_seq", 8),
        ("l_cust", 8),
        ("l_ts", 8),
        ("l_amt", 8),
        ("l_qty", 8),
        ("l_prod", 4),
        ("l_cost", 8),
        ("l_hc", 1),
    ):
        a[name] = width
    a["seq"] = ch["seq"]
    a["cust"] = ids[ch["cust"]]
    a["ts"] = (ch["ts"] - PG_EPOCH) * 1_000_000
    a["amt"] = ch["amount"]
    a["qty"] = ch["qty"]
    a["prod"] = ch["prod"]
    a["cost"] = ch["cost"]
    a["hc"] = ch["has_cost"]
    return PGCOPY_HEADER + a.tobytes() + PGCOPY_TRAILER


def purchase_insert_sql(source: str, prefix: str) -> tuple[str, list[Any]]:
    """INSERT INTO insights_purchase SELECT ... FROM bench_stage (PostgreSQL computes purchased_on)."""
    from django.conf import settings
    from django.db.models import NOT_PROVIDED

    from insights.models import Purchase

    exprs = {
        "customer_id": "customer_id",
        "purchased_at": "ts",
        "purchased_on": "(ts AT TIME ZONE %s)::date",
        "amount": "amount_cents / 100.0",
        "quantity": "qty_milli / 1000.0",
        "product": "'SKU-' || lpad(product_no::text, 5, '0')",
        "category": "'Category ' || lpad((product_no %% 20)::text, 2, '0')",
        "cost": "CASE WHEN has_cost THEN cost_cents / 100.0 END",
        "source": "%s",
        "external_id": "%s || lpad(seq::text, 10, '0')",
        "created_at": "now()",
    }
    cols, sql, params = [], [], []
    for f in Purchase._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f.column)
        if f.column in exprs:
            sql.append(exprs[f.column])
            if f.column == "purchased_on":
                params.append(settings.TIME_ZONE)
            elif f.column == "source":
                params.append(source)
            elif f.column == "external_id":
                params.append(prefix)
        elif f.null:
            sql.append("NULL")
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            sql.append("%s")
            params.append(f.default)
        else:
            raise SystemExit(f"bench: don't know how to fill insights_purchase.{f.column}")
    return f"INSERT INTO insights_purchase ({', '.join(cols)}) SELECT {', '.join(sql)} FROM bench_stage", params


def purchases_write_pg(
    chunks: Iterator[dict[str, np.ndarray]], ids: np.ndarray, *, source: str, prefix: str, bulk: bool
) -> int:
    """Binary COPY into an unlogged staging table, then one INSERT ... SELECT.

    With `bulk`, the secondary indexes and the FK / unique constraints of
    insights_purchase are dropped for the load and rebuilt after it (saved first
    in bench_saved_ddl, so that a crash is repaired by the next run).
    """
    from django.db import connection

    x("DROP TABLE IF EXISTS bench_stage")
    x(
        "CREATE UNLOGGED TABLE bench_stage (seq int8, customer_id int8, ts timestamptz, amount_cents int8, "
        "qty_milli int8, product_no int4, cost_cents int8, has_cost bool)"
    )
    n = 0
    with connection.cursor() as cur:
        for ch in chunks:
            cur.copy_expert("COPY bench_stage FROM STDIN WITH (FORMAT binary)", io.BytesIO(stage_binary(ch, ids)))
            n += len(ch["seq"])
    sql, params = purchase_insert_sql(source, prefix)
    if bulk:
        ddl_drop()
    try:
        x(sql, params)
    finally:
        if bulk:
            ddl_restore()
    x("DROP TABLE bench_stage")
    return n


def ddl_drop() -> None:
    x("CREATE TABLE IF NOT EXISTS bench_saved_ddl (pos serial, kind text, name text, def text)")
    cons = q(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'insights_purchase'::regclass AND contype IN ('u', 'f')"
    )
    idx = q(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'insights_purchase'::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = x.indrelid)"
    )
    for name, d in cons:
        x("INSERT INTO bench_saved_ddl (kind, name, def) VALUES ('constraint', %s, %s)", [name, d])
    for name, d in idx:
        x("INSERT INTO bench_saved_ddl (kind, name, def) VALUES ('index', %s, %s)", [name, d])
    for name, _d in cons:
        x(f'ALTER TABLE insights_purchase DROP CONSTRAINT "{name}"')
    for name, _d in idx:
        x(f'DROP INDEX "{name}"')


def ddl_restore() -> None:
    if not scalar("SELECT to_regclass('bench_saved_ddl') IS NOT NULL"):
        return
    x("SET maintenance_work_mem = '1GB'")
    for kind, name, d in q("SELECT kind, name, def FROM bench_saved_ddl ORDER BY pos"):
        if kind == "constraint":
            x(f'ALTER TABLE insights_purchase ADD CONSTRAINT "{name}" {d}')
        else:
            x(d)
        x("DELETE FROM bench_saved_ddl WHERE name = %s", [name])
    x("RESET maintenance_work_mem")
    x("DROP TABLE bench_saved_ddl")


def purchases_write_sqlite(
    chunks: Iterator[dict[str, np.ndarray]], ids: np.ndarray, *, source: str, prefix: str, tz
) -> int:
    """executemany into insights_purchase; purchased_on from the time zone, row by row (small sizes)."""
    from django.db import connection, transaction

    from insights.models import Purchase

    fields = [f for f in Purchase._meta.concrete_fields if not f.primary_key]
    known = {
        "customer_id",
        "purchased_at",
        "purchased_on",
        "amount",
        "quantity",
        "product",
        "category",
        "cost",
        "source",
        "external_id",
        "created_at",
    }
    extra = [f for f in fields if f.column not in known]
    if any(not f.null for f in extra):
        raise SystemExit(f"bench: don't know how to fill insights_purchase.{extra[0].column}")
    cols = [f.column for f in fields if f.column in known]
    sql = f"INSERT INTO insights_purchase ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    n = 0
    for ch in chunks:
        rows = []
        cust = ids[ch["cust"]]
        for i in range(len(ch["seq"])):
            ts = int(ch["ts"][i])
            utc = dt.datetime.fromtimestamp(ts, dt.UTC)
            a, c = int(ch["amount"][i]), int(ch["cost"][i])
            p = int(ch["prod"][i])
            values = {
                "customer_id": int(cust[i]),
                "purchased_at": utc.strftime("%Y-%m-%d %H:%M:%S"),
                "purchased_on": utc.astimezone(tz).date().isoformat(),
                "amount": f"{a // 100}.{a % 100:02d}",
                "quantity": f"{int(ch['qty'][i]) // 1000}",
                "product": f"SKU-{p:05d}",
                "category": f"Category {p % 20:02d}",
                "cost": f"{c // 100}.{c % 100:02d}" if ch["has_cost"][i] else None,
                "source": source,
                "external_id": f"{prefix}{int(ch['seq'][i]):010d}",
                "created_at": now,
            }
            rows.append([values[c_] for c_ in cols])
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
        n += len(rows)
    return n


def purchases_write(hist: History, chunks, ids, *, source: str = SOURCE, prefix: str = "G", bulk: bool = False) -> int:
    if vendor() == "postgresql":
        return purchases_write_pg(chunks, ids, source=source, prefix=prefix, bulk=bulk)
    return purchases_write_sqlite(chunks, ids, source=source, prefix=prefix, tz=hist.tz)


# --- state ------------------------------------------------------------------------------------


def guard(force: bool) -> None:
    from accounts.models import Customer

    others = Customer.objects.exclude(external_ref__startswith=BENCH_PREFIX).count()
    if others and not force:
        raise SystemExit(
            f"bench: this database has {others} customers that the bench did not create. "
            "Point DATABASE_URL at a bench database, or pass --force (bench rows only are deleted)."
        )


def reset(force: bool) -> None:
    """Delete what an earlier bench run left (bench customers and everything on them)."""
    from accounts.models import Customer

    if vendor() == "postgresql":
        ddl_restore()
        for t in ("bench_stage", "bench_bare", "bench_bare_scored", "bench_rfm_before", "insights_purchase_raw"):
            x(f"DROP TABLE IF EXISTS {t}")
        if not Customer.objects.exclude(external_ref__startswith=BENCH_PREFIX).exists():
            # Every customer is a bench customer: TRUNCATE is instant whatever the size.
            x("TRUNCATE insights_purchase, insights_rolluprun, accounts_customer CASCADE")
            return
    for t in ("bench_bare", "bench_bare_scored", "bench_rfm_before", "insights_purchase_raw"):
        x(f"DROP TABLE IF EXISTS {t}")
    bench = Customer.objects.filter(external_ref__startswith=BENCH_PREFIX)
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or not rel.field.concrete:
            continue
        rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": bench.values("pk")})._raw_delete("default")
    bench._raw_delete("default")
    if not force:
        from insights.models import RollupRun

        RollupRun.objects.all()._raw_delete("default")


def generate(args, hist: History, n_purchases: int) -> dict[str, Any]:
    from django.conf import settings

    owner = bench_owner()
    log(f"generating {args.customers:,} customers")
    t_c, _ = timed(customers_create, 1, args.customers, owner.pk)
    ids = customer_ids()
    log(f"generating {n_purchases:,} purchases (seed {args.seed}, as_of {hist.as_of})")
    t_p, n = timed(purchases_write, hist, hist.purchases(n_purchases), ids, bulk=True)
    t_v = 0.0
    if vendor() == "postgresql":
        t_v, _ = timed(x, "VACUUM (ANALYZE) insights_purchase")
        x("VACUUM (ANALYZE) accounts_customer")
        bad = scalar(
            "SELECT count(*) FROM insights_purchase TABLESAMPLE SYSTEM (1) "
            "WHERE purchased_on <> (purchased_at AT TIME ZONE %s)::date",
            [settings.TIME_ZONE],
        )
        if bad:
            raise SystemExit(f"bench: {bad} sampled rows have a purchased_on that is not their local date")
    else:
        x("ANALYZE")
    log(f"generated {n:,} purchases in {t_p:.1f} s (customers {t_c:.1f} s, vacuum/analyze {t_v:.1f} s)")
    buying, biggest, median = purchase_stats()
    log(f"customers with purchases: {buying:,}; largest customer {biggest:,} purchases; median {median or 'n/a'}")
    return {"ids": ids, "seconds": t_p + t_c, "buying": buying, "biggest": biggest, "median": median}


def purchase_stats() -> tuple[int, int, Any]:
    """Customers with purchases, the largest customer's purchases, the median per customer."""
    stats = (
        q(
            "SELECT count(DISTINCT customer_id), max(c), percentile_disc(0.5) WITHIN GROUP (ORDER BY c) "
            "FROM (SELECT customer_id, count(*) c FROM insights_purchase GROUP BY customer_id) s"
        )
        if vendor() == "postgresql"
        else q(
            "SELECT count(*), max(c), NULL FROM "
            "(SELECT customer_id, count(*) c FROM insights_purchase GROUP BY customer_id) s"
        )
    )
    return stats[0]


def reuse_prepare(args) -> dict[str, Any]:
    """--reuse: measure on the history an earlier run generated (same --purchases, --customers, --seed,
    --as-of). Removes what the earlier run added on top of it (incremental batches, their new customers,
    imported rows), so that the run starts from the generated state."""
    from accounts.models import Customer

    generated = scalar(
        "SELECT count(*) FROM insights_purchase WHERE source = %s AND external_id LIKE %s", [SOURCE, "G%"]
    )
    if generated != args.purchases:
        raise SystemExit(
            f"bench: --reuse needs the {args.purchases:,} generated purchases; the database has {generated:,} "
            "(run without --reuse to generate them, with the same --purchases / --customers / --seed / --as-of)"
        )
    extra = Customer.objects.filter(
        external_ref__startswith=BENCH_PREFIX, external_ref__gt=f"{BENCH_PREFIX}{args.customers:07d}"
    )
    base = Customer.objects.filter(external_ref__startswith=BENCH_PREFIX).count() - extra.count()
    if base != args.customers:
        raise SystemExit(f"bench: --reuse needs {args.customers:,} bench customers; the database has {base:,}")
    if vendor() == "postgresql":
        ddl_restore()
    for t in ("bench_stage", "bench_bare", "bench_bare_scored", "bench_rfm_before", "insights_purchase_raw"):
        x(f"DROP TABLE IF EXISTS {t}")
    gone = x(
        "DELETE FROM insights_purchase WHERE source = %s OR (source = %s AND external_id NOT LIKE %s)",
        [IMPORT_SOURCE, SOURCE, "G%"],
    )
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or not rel.field.concrete:
            continue
        gone += rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": extra.values("pk")})._raw_delete(
            "default"
        )
    n_extra = extra._raw_delete("default")
    if not args.force:
        from insights.models import RollupRun

        RollupRun.objects.all()._raw_delete("default")
    log(f"--reuse: removed {gone:,} rows added by an earlier run and {n_extra:,} customers it created")
    for source, n in q(
        "SELECT source, count(*) FROM insights_purchase WHERE source NOT IN (%s, %s) GROUP BY source",
        [SOURCE, IMPORT_SOURCE],
    ):
        log(f"--reuse: WARNING: {n:,} purchases with source {source!r} (not the bench's) are measured too")
    if vendor() == "postgresql":
        t_v, _ = timed(x, "VACUUM (ANALYZE) insights_purchase")
        x("VACUUM (ANALYZE) accounts_customer")
        log(f"vacuum/analyze {t_v:.1f} s")
    buying, biggest, median = purchase_stats()
    log(f"customers with purchases: {buying:,}; largest customer {biggest:,} purchases; median {median or 'n/a'}")
    return {"ids": customer_ids(), "seconds": 0.0, "buying": buying, "biggest": biggest, "median": median}


# --- measurements -----------------------------------------------------------------------------

BARE = (
    "SELECT customer_id, max(purchased_on) AS last_on, count(*) AS freq, sum(amount) AS mon "
    "FROM insights_purchase WHERE purchased_on <= %s GROUP BY customer_id"
)


def ceil_sql(expr: str) -> str:
    if vendor() == "postgresql" or _sqlite_has_ceil():
        return f"ceil({expr})"
    return f"(-CAST(-({expr}) AS INTEGER))"


_HAS_CEIL: bool | None = None


def _sqlite_has_ceil() -> bool:
    global _HAS_CEIL
    if _HAS_CEIL is None:
        try:
            scalar("SELECT ceil(1.5)")
            _HAS_CEIL = True
        except Exception:
            _HAS_CEIL = False
    return _HAS_CEIL


def bare_statement(as_of: dt.date, *, scored: bool, work_mem: str | None) -> float:
    """The bare statement into a fresh (logged) table, in its own transaction; seconds incl. commit."""
    from django.db import connection, transaction

    table = "bench_bare_scored" if scored else "bench_bare"
    x(f"DROP TABLE IF EXISTS {table}")
    if scored:
        x(f"CREATE TABLE {table} (customer_id bigint, last_on date, freq bigint, mon numeric, r int, f int, m int)")
        sql = (
            f"INSERT INTO {table} SELECT customer_id, last_on, freq, mon, "
            f"{ceil_sql('5 * cume_dist() OVER (ORDER BY last_on)')}, "
            f"{ceil_sql('5 * cume_dist() OVER (ORDER BY freq)')}, "
            f"{ceil_sql('5 * cume_dist() OVER (ORDER BY mon)')} FROM ({BARE}) AS a"
        )
    else:
        x(f"CREATE TABLE {table} (customer_id bigint, last_on date, freq bigint, mon numeric)")
        sql = f"INSERT INTO {table} {BARE}"
    t = time.perf_counter()
    with transaction.atomic():
        if work_mem and connection.vendor == "postgresql":
            x("SET LOCAL work_mem = %s", [work_mem])
        x(sql, [as_of])
    return time.perf_counter() - t


def wal_lsn() -> Any:
    return scalar("SELECT pg_current_wal_lsn()::text") if vendor() == "postgresql" else None


def wal_mb(before: Any) -> float | None:
    if before is None:
        return None
    return float(scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [before])) / 2**20


def best(n: int, fn, *args, **kwargs) -> float:
    return min(fn(*args, **kwargs) for _ in range(max(1, n)))


def child(kind: str, as_of: dt.date, extra: dict | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh process, so that its peak RSS is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--as-of", as_of.isoformat()]
    if extra:
        cmd += ["--child-args", json.dumps(extra)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    for line in res.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT ") :])
    sys.stderr.write(res.stdout[-4000:] + res.stderr[-8000:])
    raise SystemExit(f"bench: child {kind} failed (exit {res.returncode})")


def child_main(kind: str, as_of: dt.date, extra: dict) -> None:
    django_setup()
    from django.db import connection

    connection.ensure_connection()
    out: dict[str, Any] = {"rss_before_mb": vm_kb("VmRSS") / 1024}
    if kind in ("full", "full-service"):
        from insights import rollup, services

        tracemalloc.start()
        t = time.perf_counter()
        if kind == "full":
            rows, changed = rollup.full(as_of=as_of)
        else:
            run = services.rollup_run_now(kind="full", as_of=as_of)
            rows, changed = run.rows, run.rows_changed
        out["seconds"] = time.perf_counter() - t
        out["py_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        out.update(rows=rows, changed=changed)
    elif kind == "lifetimes":
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        t = time.perf_counter()
        sql = "SELECT customer_id, purchased_on, amount FROM insights_purchase WHERE purchased_on <= %s"
        if connection.vendor == "postgresql":
            # The fastest way into pandas: COPY to CSV text, then the C parser.
            buf = io.BytesIO()
            with connection.cursor() as cur:
                cur.copy_expert(cur.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", [as_of]).decode(), buf)
            buf.seek(0)
            df = pd.read_csv(
                buf,
                names=["customer_id", "purchased_on", "amount"],
                dtype={"customer_id": "int64", "amount": "float64"},
            )
            del buf
        else:
            df = pd.read_sql_query(sql.replace("%s", "?"), connection.connection, params=[as_of.isoformat()])
            df["amount"] = df["amount"].astype("float64")
        df["purchased_on"] = pd.to_datetime(df["purchased_on"], format="%Y-%m-%d")
        out["read_seconds"] = time.perf_counter() - t
        out["rows_read"] = len(df)
        t2 = time.perf_counter()
        summary = summary_data_from_transaction_data(
            df,
            "customer_id",
            "purchased_on",
            monetary_value_col="amount",
            observation_period_end=pd.Timestamp(as_of),
            freq="D",
        )
        out["summary_seconds"] = time.perf_counter() - t2
        out["seconds"] = time.perf_counter() - t
        out["rows"] = len(summary)
    else:
        raise SystemExit(f"unknown child {kind}")
    out["maxrss_mb"] = maxrss_mb()
    print("BENCH_RESULT " + json.dumps(out), flush=True)


def rfm_columns() -> list[str]:
    from insights.models import CustomerRFM

    return [f.column for f in CustomerRFM._meta.concrete_fields if f.name != "computed_at"]


def rfm_snapshot_table() -> None:
    x("DROP TABLE IF EXISTS bench_rfm_before")
    x(f"CREATE TABLE bench_rfm_before AS SELECT {', '.join(rfm_columns())} FROM insights_customerrfm")


def rfm_differences() -> int:
    cols = ", ".join(rfm_columns())
    a = scalar(
        f"SELECT count(*) FROM (SELECT {cols} FROM insights_customerrfm EXCEPT SELECT {cols} FROM bench_rfm_before) d"
    )
    b = scalar(
        f"SELECT count(*) FROM (SELECT {cols} FROM bench_rfm_before EXCEPT SELECT {cols} FROM insights_customerrfm) d"
    )
    return int(a) + int(b)


def full_vs_bare_differences() -> int:
    """Rows where the rollup's aggregates or scores differ from the bare scored statement (a definition check)."""
    sql = (
        "SELECT count(*) FROM bench_bare_scored b FULL JOIN insights_customerrfm r ON r.customer_id = b.customer_id "
        "WHERE r.customer_id IS NULL OR b.customer_id IS NULL OR r.last_purchase_on <> b.last_on "
        "OR r.frequency <> b.freq OR r.monetary <> b.mon OR r.r_score <> b.r OR r.f_score <> b.f OR r.m_score <> b.m"
    )
    if vendor() != "postgresql":  # SQLite has FULL JOIN from 3.39 only
        sql = (
            "SELECT (SELECT count(*) FROM bench_bare_scored b "
            "LEFT JOIN insights_customerrfm r ON r.customer_id = b.customer_id "
            "WHERE r.customer_id IS NULL OR r.last_purchase_on <> b.last_on OR r.frequency <> b.freq "
            "OR abs(r.monetary - b.mon) > 0.001 OR r.r_score <> b.r OR r.f_score <> b.f OR r.m_score <> b.m) "
            "+ (SELECT count(*) FROM insights_customerrfm r "
            "WHERE r.customer_id NOT IN (SELECT customer_id FROM bench_bare_scored))"
        )
    return int(scalar(sql))


def new_purchases(
    hist: History, ids: np.ndarray, n: int, new_customers: int, as_of: dt.date, seq0: int, stream: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`n` purchases dated `as_of` (local), over existing customers (skewed) and `new_customers` new ones."""
    rng = np.random.default_rng([hist.seed, stream])
    lo = int(dt.datetime.combine(as_of, dt.time(), hist.tz).timestamp())
    ch = hist.chunk(rng, n, lo, lo + 86400, seq0)
    ch["cust"] = hist.pick(rng, n)  # active or not: anyone may come back
    if new_customers:
        ch["cust"][-new_customers:] = np.arange(len(ids) - new_customers, len(ids))
    return ch, np.unique(ids[ch["cust"]])


def csv_write(path: Path, hist: History, n: int, refs: np.ndarray) -> None:
    """A CSV of `n` purchases as an ERP would export them (local time with offset)."""
    rng_stream = hist.purchases(n, stream=7, seq0=1)
    tz = hist.tz
    with path.open("w", newline="") as fh:
        fh.write("customer_ref,purchased_at,amount,quantity,product,category,cost,external_id\n")
        for ch in rng_stream:
            lines = []
            cust, ts, amount, qty, prod, cost, hc, seq = (
                ch["cust"].tolist(), ch["ts"].tolist(), ch["amount"].tolist(), ch["qty"].tolist(),
                ch["prod"].tolist(), ch["cost"].tolist(), ch["has_cost"].tolist(), ch["seq"].tolist(),
            )  # fmt: skip
            for i in range(len(seq)):
                when = dt.datetime.fromtimestamp(ts[i], tz).isoformat()
                a, c, p = amount[i], cost[i], prod[i]
                lines.append(
                    f"{refs[cust[i]]},{when},{a // 100}.{a % 100:02d},{qty[i] // 1000},SKU-{p:05d},"
                    f"Category {p % 20:02d},{f'{c // 100}.{c % 100:02d}' if hc[i] else ''},IMP-{seq[i]:010d}\n"
                )
            fh.write("".join(lines))


def raw_copy(path: Path) -> float:
    """The floor: COPY of the same file into a bare table with the same columns, no indexes."""
    from django.db import connection, transaction

    x("DROP TABLE IF EXISTS insights_purchase_raw")
    x(
        "CREATE TABLE insights_purchase_raw (customer_ref text, purchased_at timestamptz, amount numeric, "
        "quantity numeric, product text, category text, cost numeric, external_id text)"
    )
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur, path.open() as fh:
        if connection.vendor == "postgresql":
            cur.copy_expert("COPY insights_purchase_raw FROM STDIN WITH (FORMAT csv, HEADER)", fh)
        else:
            import csv

            reader = csv.reader(fh)
            next(reader)
            batch: list[list[Any]] = []
            sql = "INSERT INTO insights_purchase_raw VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            for row in reader:
                batch.append([v or None for v in row])
                if len(batch) == 50_000:
                    cur.executemany(sql, batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
    return time.perf_counter() - t


def hand_tuned_sql(source: str) -> tuple[str, list[Any]]:
    """The one INSERT ... SELECT a hand-tuned import runs from the text staging table into insights_purchase."""
    from django.conf import settings
    from django.db.models import NOT_PROVIDED

    from insights.models import Purchase

    exprs = {
        "customer_id": "c.id",
        "purchased_at": "s.purchased_at::timestamptz",
        "purchased_on": "(s.purchased_at::timestamptz AT TIME ZONE %s)::date",
        "amount": "s.amount::numeric",
        "quantity": "s.quantity::numeric",
        "product": "s.product",
        "category": "s.category",
        "cost": "s.cost::numeric",
        "source": "%s",
        "external_id": "s.external_id",
        "created_at": "now()",
    }
    cols, sql, params = [], [], []
    for f in Purchase._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f.column)
        if f.column in exprs:
            sql.append(exprs[f.column])
            if f.column == "purchased_on":
                params.append(settings.TIME_ZONE)
            elif f.column == "source":
                params.append(source)
        elif f.null:
            sql.append("NULL")
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            sql.append("%s")
            params.append(f.default)
        else:
            raise SystemExit(f"bench: don't know how to fill insights_purchase.{f.column}")
    return (
        f"INSERT INTO insights_purchase ({', '.join(cols)}) SELECT {', '.join(sql)} "
        "FROM bench_import_staging s JOIN accounts_customer c ON c.external_ref = s.customer_ref "
        "ON CONFLICT (source, external_id) DO NOTHING",
        params,
    )


def hand_tuned_import(path: Path, source: str) -> tuple[float, int]:
    """What a hand-tuned import of the file into insights_purchase runs (PostgreSQL): COPY into a
    TEMP text staging table, then one INSERT ... SELECT joining the customers by external_ref,
    ON CONFLICT DO NOTHING; one transaction, timed end to end including the commit.
    Same session settings as the command (work_mem = ROLLUP_WORK_MEM, no JIT)."""
    from django.conf import settings
    from django.db import connection, transaction

    sql, params = hand_tuned_sql(source)
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur, path.open() as fh:
        cur.execute("SET LOCAL work_mem = %s", [settings.ROLLUP_WORK_MEM])
        cur.execute("SET LOCAL jit = off")
        cur.execute(
            "CREATE TEMP TABLE bench_import_staging (customer_ref text, purchased_at text, amount text, "
            "quantity text, product text, category text, cost text, external_id text) ON COMMIT DROP"
        )
        cur.copy_expert("COPY bench_import_staging FROM STDIN WITH (FORMAT csv, HEADER)", fh)
        cur.execute(sql, params)
        inserted = cur.rowcount
    return time.perf_counter() - t, inserted


def import_restore(source: str, before: int) -> float:
    """Delete the imported rows (ids above `before`, the largest id before the import) and the pending
    records the insert trigger made for them, then VACUUM, so that every import starts from the same
    table state. By id range: the planner's estimate for a fresh source is 0 rows. Returns seconds."""
    t = time.perf_counter()
    pending = scalar("SELECT to_regclass('insights_purchasepending') IS NOT NULL")
    if pending:
        x("DELETE FROM insights_purchasepending WHERE purchase_id > %s", [before])
    x("DELETE FROM insights_purchase WHERE id > %s AND source = %s", [before, source])
    x("VACUUM insights_purchase")
    if pending:
        x("VACUUM insights_purchasepending")
    return time.perf_counter() - t


def max_purchase_id() -> int:
    return int(scalar("SELECT coalesce(max(id), 0) FROM insights_purchase"))


# --- the run ----------------------------------------------------------------------------------


def env_info() -> dict[str, str]:
    import django
    from django.conf import settings
    from django.db import connection

    info = {
        "database": connection.vendor,
        "python": platform.python_version(),
        "django": django.get_version(),
        "nproc": str(os.cpu_count()),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        "ROLLUP_WORK_MEM": settings.ROLLUP_WORK_MEM,
        "TIME_ZONE": settings.TIME_ZONE,
    }
    if connection.vendor == "postgresql":
        info["server"] = scalar("SHOW server_version")
        for name in (
            "work_mem",
            "shared_buffers",
            "effective_cache_size",
            "max_parallel_workers_per_gather",
            "synchronous_commit",
        ):
            info[name] = scalar(f"SHOW {name}")
    else:
        import sqlite3

        info["server"] = f"SQLite {sqlite3.sqlite_version}"
    return info


def fmt_s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f} s"


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--purchases", type=int, default=200_000)
    p.add_argument("--customers", type=int, default=None, help="default: purchases / 10")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    p.add_argument("--new-purchases", type=int, default=10_000, help="purchases added before the incremental run")
    p.add_argument("--new-customers", type=int, default=20, help="of which on customers not seen before")
    p.add_argument("--import-rows", type=int, default=None, help="rows in the import CSV (default: min(1M, purchases))")
    p.add_argument("--import-timeout", type=int, default=300, help="statement_timeout (s) for the import (PostgreSQL)")
    p.add_argument(
        "--repeat", type=int, default=1, help="time bare statements and full runs this many times, keep the best"
    )
    p.add_argument(
        "--sizes",
        default="",
        help="e.g. 1000000,10000000: also generate these sizes and compare the full rollup's peak RSS",
    )
    p.add_argument("--skip-lifetimes", action="store_true")
    p.add_argument("--skip-import", action="store_true")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the history an earlier run generated (same --purchases/--customers/--seed/--as-of); "
        "no generation, --sizes ignored",
    )
    p.add_argument("--force", action="store_true", help="run even though the database has non-bench customers")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-args", default="{}", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_main(args.child, args.as_of, json.loads(args.child_args))
        return
    args.customers = args.customers or max(1, args.purchases // 10)

    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    log("migrating the database (if needed)")
    call_command("migrate", interactive=False, verbosity=0)
    guard(args.force)
    info = env_info()
    log("environment: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    pg = vendor() == "postgresql"
    as_of = args.as_of
    results: list[tuple[str, str, str, str, str]] = []  # figure, value, baseline, ratio, target
    memory: list[tuple[int, int, float, float, float]] = []

    def ratio_row(
        name: str, value: float | None, base_name: str, base: float | None, target: str, ok: bool | None
    ) -> None:
        r = f"{value / base:.2f}x" if value is not None and base else "n/a"
        verdict = "" if ok is None else (" PASS" if ok else " MISS")
        results.append((name, fmt_s(value), f"{base_name} {fmt_s(base)}", r, target + verdict))

    # Peak memory at other sizes first (generation + full rollup in a child each).
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.reuse and sizes:
        log("--reuse: --sizes ignored (it would regenerate the data)")
        sizes = []
    for size in sizes:
        if size == args.purchases:
            continue
        cust = max(1, size * args.customers // args.purchases)
        log(f"--- memory run at {size:,} purchases / {cust:,} customers ---")
        reset(args.force)
        a2 = argparse.Namespace(**{**vars(args), "customers": cust})
        generate(a2, History(n_customers=cust, seed=args.seed, as_of=as_of, tz=settings.TIME_ZONE), size)
        r = child("full", as_of)
        memory.append((size, cust, r["seconds"], r["maxrss_mb"], r["py_peak_mb"]))
        log(f"full rollup at {size:,}: {r['seconds']:.2f} s, peak RSS {r['maxrss_mb']:.0f} MB")

    log(f"--- main run at {args.purchases:,} purchases / {args.customers:,} customers ---")
    hist = History(n_customers=args.customers, seed=args.seed, as_of=as_of, tz=settings.TIME_ZONE)
    if args.reuse:
        gen = reuse_prepare(args)
    else:
        reset(args.force)
        gen = generate(args, hist, args.purchases)
    ids = gen["ids"]

    # Warm the cache the same way for every contender.
    scalar("SELECT count(*), sum(amount) FROM insights_purchase")

    bare = best(args.repeat, bare_statement, as_of, scored=False, work_mem=settings.ROLLUP_WORK_MEM)
    log(f"bare GROUP BY: {bare:.2f} s (work_mem {settings.ROLLUP_WORK_MEM})")
    bare_default = bare_scored_default = None
    if pg:
        bare_default = best(args.repeat, bare_statement, as_of, scored=False, work_mem=None)
        log(f"bare GROUP BY: {bare_default:.2f} s (default work_mem)")
        bare_scored_default = best(args.repeat, bare_statement, as_of, scored=True, work_mem=None)
        log(f"bare scored: {bare_scored_default:.2f} s (default work_mem)")
    bare_scored = best(args.repeat, bare_statement, as_of, scored=True, work_mem=settings.ROLLUP_WORK_MEM)
    log(f"bare scored: {bare_scored:.2f} s (work_mem {settings.ROLLUP_WORK_MEM})")

    lsn = wal_lsn()
    bare_statement(as_of, scored=True, work_mem=settings.ROLLUP_WORK_MEM)
    wal = {"bare scored": wal_mb(lsn)}

    log("full rollup (fresh process): first run, empty table")
    firsts = []
    for _ in range(max(1, args.repeat)):  # best of --repeat, as for the bare statements
        x("DELETE FROM insights_customerrfm")
        lsn = wal_lsn()
        firsts.append(child("full", as_of))
        wal["full, first run"] = wal_mb(lsn)
        log(
            f"  {firsts[-1]['seconds']:.2f} s, {firsts[-1]['rows']:,} rows, {firsts[-1]['changed']:,} changed, "
            f"peak RSS {firsts[-1]['maxrss_mb']:.0f} MB"
        )
    full1 = min(firsts, key=lambda r: r["seconds"])
    differ_bare = full_vs_bare_differences()
    log("full rollup again, nothing changed")
    runs = []
    for _ in range(max(1, args.repeat)):
        lsn = wal_lsn()
        runs.append(child("full", as_of))
        wal["full, re-run (0 changes)"] = wal_mb(lsn)
        log(f"  {runs[-1]['seconds']:.2f} s, {runs[-1]['changed']:,} changed")
    full2 = min(runs, key=lambda r: r["seconds"])
    memory.append((args.purchases, args.customers, full1["seconds"], full1["maxrss_mb"], full1["py_peak_mb"]))

    lt = None
    if not args.skip_lifetimes:
        log("lifetimes peer (fresh process)")
        lt = child("lifetimes", as_of)
        log(
            f"  {lt['seconds']:.2f} s (read {lt['read_seconds']:.2f} s, summary {lt['summary_seconds']:.2f} s), "
            f"peak RSS {lt['maxrss_mb']:.0f} MB"
        )

    # Incremental: new purchases dated as_of, then rollup.incremental, then a full run to check.
    from insights import rollup, services

    incr = []
    for label, stream in (("rollup.incremental", 3), ("services.rollup_run_now(incremental)", 4)):
        start = len(ids) + 1
        customers_create(start, args.new_customers, bench_owner().pk)
        ids = customer_ids()
        ch, touched = new_purchases(hist, ids, args.new_purchases, args.new_customers, as_of, 10**9 * stream, stream)
        t_ins, _ = timed(purchases_write, hist, iter([ch]), ids, prefix=f"N{stream}-")
        log(f"{label}: {args.new_purchases:,} new purchases over {len(touched):,} customers (insert {t_ins:.2f} s)")
        t = time.perf_counter()
        # The new purchases are recorded as pending by a trigger: the run merges them. customer_ids
        # would name customers to re-aggregate entirely; none here.
        if stream == 3:
            rows, changed = rollup.incremental(as_of=as_of, customer_ids=[])
        else:
            run = services.rollup_run_now(kind="incremental", as_of=as_of, customer_ids=[])
            rows, changed = run.rows, run.rows_changed
            if run.status != "done":
                log(f"  run status {run.status}: {run.error}")
        seconds = time.perf_counter() - t
        rfm_snapshot_table()
        t_chk = time.perf_counter()
        _rows2, changed_by_full = rollup.full(as_of=as_of)
        t_chk = time.perf_counter() - t_chk
        diff = rfm_differences()
        log(
            f"  {seconds:.3f} s, {changed:,} rows written; "
            f"full afterwards changed {changed_by_full:,} rows, {diff} rows differ"
        )
        incr.append((label, seconds, rows, changed, len(touched), changed_by_full, diff, t_chk))

    imp = raw = tuned = None
    imp_note = ""
    imp_rows = args.import_rows or min(1_000_000, args.purchases)
    if not args.skip_import:
        refs = np.array([f"{BENCH_PREFIX}{i:07d}" for i in range(1, args.customers + 1)], dtype=object)
        with tempfile.TemporaryDirectory(prefix="relasi-bench-") as tmp:
            path = Path(tmp) / "purchases.csv"
            t_csv, _ = timed(csv_write, path, hist, imp_rows, refs)
            log(f"import: CSV of {imp_rows:,} rows written in {t_csv:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
            raw = raw_copy(path)
            x("DROP TABLE IF EXISTS insights_purchase_raw")
            log(f"  raw COPY into a bare table {raw:.2f} s")
            tuned_runs: list[float] = []
            before = 0
            if pg:
                # The hand-tuned import and the command start from the same state: the history, just
                # vacuumed; each one's rows are deleted again afterwards, then VACUUM. The hand-tuned
                # import runs before and after the command (best of the two), so that neither side
                # alone gets the cache the other warmed.
                before = max_purchase_id()
                x("DELETE FROM insights_purchase WHERE source = %s", [IMPORT_SOURCE])
                log(f"  VACUUM insights_purchase: {import_restore(IMPORT_SOURCE, before):.1f} s")

                def tuned_run() -> None:
                    seconds, got = hand_tuned_import(path, IMPORT_SOURCE)
                    tuned_runs.append(seconds)
                    log(f"  hand-tuned COPY import {seconds:.2f} s, {got:,} rows inserted")
                    if got != imp_rows:
                        log(f"  WARNING: expected {imp_rows:,} inserted rows, got {got:,}")
                    log(f"  deleted them again, VACUUM: {import_restore(IMPORT_SOURCE, before):.1f} s")

                tuned_run()
            out, err = io.StringIO(), io.StringIO()
            queued: list[int] = []
            if pg and args.import_timeout:
                x(f"SET statement_timeout = '{int(args.import_timeout)}s'")

            def no_rollup(customer_ids, by=None):
                queued.append(len(set(customer_ids)))

            try:
                # The command queues a rollup at its end (a full one above ROLLUP_INCREMENTAL_MAX
                # customers, run in-process when Celery is eager): measured above, not here.
                with mock.patch("insights.services.rollup_after_purchases", no_rollup):
                    imp = time.perf_counter()
                    call_command(
                        "import_purchases",
                        str(path),
                        source=IMPORT_SOURCE,
                        user=OWNER_USERNAME,
                        no_progress=True,
                        stdout=out,
                        stderr=err,
                    )
                    imp = time.perf_counter() - imp
                if queued:
                    log(f"  (the command then queues a rollup for {queued[0]:,} customers; not timed here)")
                got = scalar("SELECT count(*) FROM insights_purchase WHERE source = %s", [IMPORT_SOURCE])
                log(f"  import_purchases {imp:.2f} s, {got:,} rows imported; output: {out.getvalue().strip()[-300:]!r}")
                if got != imp_rows:
                    log(f"  WARNING: expected {imp_rows:,} imported rows, found {got:,}")
            except Exception as exc:
                imp = None
                timeout = "statement timeout" in str(exc)
                imp_note = f"> {args.import_timeout} s (timed out)" if timeout else f"failed: {exc!r}"
                log(f"  import_purchases {imp_note} {err.getvalue()[-500:]}")
            finally:
                if pg:
                    x("RESET statement_timeout")
            if pg:
                log(f"  deleted the imported rows again, VACUUM: {import_restore(IMPORT_SOURCE, before):.1f} s")
                tuned_run()
                tuned = min(tuned_runs)
    for t in ("bench_bare", "bench_bare_scored", "bench_rfm_before"):
        x(f"DROP TABLE IF EXISTS {t}")

    # --- report ---
    f1 = full1["seconds"]
    ratio_row(
        "full rollup (first run, all rows written)", f1, "bare scored", bare_scored, "<= 1.3x", f1 <= 1.3 * bare_scored
    )
    ratio_row("full rollup (first run)", f1, "bare GROUP BY", bare, "info", None)
    ratio_row(
        "full rollup (re-run, 0 rows changed)",
        full2["seconds"],
        "bare scored",
        bare_scored,
        "<= 1.3x",
        full2["seconds"] <= 1.3 * bare_scored,
    )
    if pg:
        ratio_row(
            "bare GROUP BY, default work_mem",
            bare_default,
            "same at ROLLUP_WORK_MEM",
            bare,
            "info (issue: ~2.7x)",
            None,
        )
        ratio_row(
            "bare scored, default work_mem", bare_scored_default, "same at ROLLUP_WORK_MEM", bare_scored, "info", None
        )
    ratio_row("bare scored", bare_scored, "bare GROUP BY", bare, "info", None)
    if lt:
        ratio_row("full rollup (first run)", f1, "lifetimes whole process", lt["seconds"], "< 1x", f1 < lt["seconds"])
        f2 = full2["seconds"]
        ratio_row("full rollup (re-run)", f2, "lifetimes whole process", lt["seconds"], "< 1x", f2 < lt["seconds"])
    for label, seconds, _rows, changed, touched, changed_by_full, diff, _t in incr:
        results.append(
            (f"{label} ({args.new_purchases:,} new purchases, {touched:,} customers)", fmt_s(seconds),
             f"{changed:,} rows written", "", f"< 2 s {'PASS' if seconds < 2 else 'MISS'}")
        )  # fmt: skip
        results.append(
            ("  exact (vs. a fresh full run)", "yes" if diff == 0 and changed_by_full == 0 else "NO",
             f"{diff} rows differ, full changed {changed_by_full}", "", "exact")
        )  # fmt: skip
    if not args.skip_import:

        def import_row(base_name: str, base: float | None, target: str, ok: bool | None) -> None:
            ratio_row(f"import_purchases ({imp_rows:,} rows)", imp, base_name, base, target, ok)
            if imp is None and imp_note and base:
                lower = f">= {args.import_timeout / base:.1f}x" if "timed out" in imp_note else "n/a"
                results[-1] = (results[-1][0], imp_note, results[-1][2], lower, results[-1][4])

        if pg:
            # The target: the same file into the same table, the way a hand-tuned solution would.
            import_row(
                "hand-tuned COPY import",
                tuned,
                "<= 1.5x",
                (imp <= 1.5 * tuned) if imp is not None and tuned else (False if imp_note else None),
            )
            import_row("raw COPY into a bare table", raw, "info", None)
        else:
            import_row("raw executemany into a bare table", raw, "info", None)
    results.append(
        (
            "full rollup = bare scored (aggregates and R/F/M scores)",
            "yes" if differ_bare == 0 else "NO",
            f"{differ_bare} rows differ",
            "",
            "definition check",
        )
    )

    print()
    print(f"RFM bench: {args.purchases:,} purchases, {args.customers:,} customers ({gen['buying']:,} with purchases; "
          f"largest {gen['biggest']:,} purchases), seed {args.seed}, as_of {as_of}")  # fmt: skip
    print("  " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("  command: " + " ".join([os.path.relpath(sys.executable, ROOT), *sys.argv]))
    print()
    w = [max(len(r[i]) for r in [*results, ("figure", "value", "baseline", "ratio", "target")]) for i in range(5)]
    head = ("figure", "value", "baseline", "ratio", "target")
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    print("  ".join("-" * w[i] for i in range(5)))
    for r in results:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    print()
    print("Peak memory of the process running the full rollup (fresh process; Django itself included):")
    print(f"  {'purchases':>12} {'customers':>10} {'seconds':>9} {'peak RSS':>10} {'Python peak':>12}")
    for size, cust, sec, rss, py in sorted(memory):
        print(f"  {size:>12,} {cust:>10,} {sec:>9.2f} {rss:>7.0f} MB {py:>9.2f} MB")
    if pg:
        print("WAL written: " + "; ".join(f"{k} {v:.1f} MB" for k, v in wal.items() if v is not None))
    if lt:
        print(f"  lifetimes process: peak RSS {lt['maxrss_mb']:.0f} MB for {lt['rows_read']:,} rows")
    print(f"  this driver process (generation included): peak RSS {maxrss_mb():.0f} MB")


if __name__ == "__main__":
    main()
