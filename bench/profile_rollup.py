#!/usr/bin/env python
"""Where a rollup's time goes: each SQL statement it runs, timed, optionally with its plan.

    DATABASE_URL=postgres://... .venv/bin/python bench/profile_rollup.py [--as-of 2025-12-31]
        [--kind full|incremental] [--explain] [--rollback]

Run it on a database that bench/rfm.py filled. Every statement that
`insights.rollup.full` (or `incremental`: merging the purchases pending since the
last run, or with --reaggregate re-aggregating the customers with purchases dated
as_of) sends is timed through Django's execute_wrapper; with --explain each is
first run as EXPLAIN (ANALYZE, BUFFERS) inside a savepoint that is rolled
back, so the plan is the real one on the real data. --rollback undoes the
whole run at the end (the table stays as it was).
"""

# A benchmark: its SQL is built from its own constants and numbers; the child process is itself.
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31))
    p.add_argument("--kind", choices=["full", "incremental"], default="full")
    p.add_argument("--explain", action="store_true")
    p.add_argument("--rollback", action="store_true")
    p.add_argument(
        "--reaggregate",
        action="store_true",
        help="incremental: pass the customers with purchases dated as_of as customer_ids (re-aggregated entirely)",
    )
    args = p.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from insights import rollup

    timings: list[tuple[float, str]] = []
    explaining = False

    def wrapper(execute, sql, params, many, context):
        nonlocal explaining
        head = sql.lstrip().split(None, 1)[0].upper()
        if (
            args.explain
            and not explaining
            and connection.vendor == "postgresql"
            and head in {"INSERT", "UPDATE", "DELETE", "SELECT", "CREATE"}
        ):
            explaining = True
            try:
                cur = context["cursor"]
                cur.execute("SAVEPOINT bench_explain")
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                cur.execute("ROLLBACK TO SAVEPOINT bench_explain")
                print("=" * 100 + "\n" + " ".join(sql.split())[:2000] + "\n" + "-" * 100 + "\n" + plan, flush=True)
            finally:
                explaining = False
        if explaining:
            return execute(sql, params, many, context)
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - t, " ".join(sql.split())))

    ids: list[int] = []
    if args.kind == "incremental" and args.reaggregate:
        with connection.cursor() as cur:
            cur.execute("SELECT DISTINCT customer_id FROM insights_purchase WHERE purchased_on = %s", [args.as_of])
            ids = [r[0] for r in cur.fetchall()]

    class Undo(Exception):
        pass

    t0 = time.perf_counter()
    try:
        with transaction.atomic(), connection.execute_wrapper(wrapper):
            if args.kind == "full":
                out = rollup.full(as_of=args.as_of)
            else:
                out = rollup.incremental(as_of=args.as_of, customer_ids=ids)
            if args.rollback:
                raise Undo
    except Undo:
        out = (out, "rolled back")
    total = time.perf_counter() - t0
    print("\n" + "=" * 100)
    print(f"{args.kind} as_of {args.as_of}: {out}, {total:.3f} s in all" + (f" ({len(ids)} customers)" if ids else ""))
    for seconds, sql in timings:
        print(f"{seconds:8.3f} s  {sql[:160]}")


if __name__ == "__main__":
    main()
