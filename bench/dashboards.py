#!/usr/bin/env python
"""GM dashboards benchmark (issue 7, "Performance"): pages against a trivial page, one run, one database.

    DATABASE_URL=postgres://relasi_bench:relasi_bench@localhost/relasi_dash_bench \
        .venv/bin/python bench/dashboards.py --customers 100000 --purchases 10000000 --key-accounts 1000

    DATABASE_URL=sqlite:////tmp/dash_bench.sqlite3 \
        .venv/bin/python bench/dashboards.py --customers 2000 --purchases 50000 --key-accounts 40

See bench/README.md ("Dashboards"). Nothing here is a test: the script generates a seeded
key-account programme (customers and a skewed purchase history from bench/rfm.py,
interactions, feedback, RMs with a job description, key accounts, approved plans with
actions and resources) into the configured database, rolls it up (current RFM figures and
month-end snapshots), computes the stored period figures (timed: the nightly job's cost),
then requests every dashboard with Django's test client in this process and prints, per
page, the SQL queries per request, the median and p90 time, and the ratio to a trivial page
(same middleware, session, layout and navigation, no data) measured the same way.
"""

# A benchmark: its SQL is built from its own constants, table names and numbers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # bench/requirements.txt
import rfm  # bench/rfm.py: puts the project on sys.path and sets DJANGO_SETTINGS_MODULE
from rfm import BENCH_PREFIX, SOURCE, log, q, scalar, timed, vendor, x

GM_USERNAME = "bench-gm"
RM_PREFIX = "bench-rm-"
META_TABLE = "bench_dashboards_meta"
HISTORY_DAYS = 548  # interactions: the last 18 months
KA_CONTACTS = 36  # about two a month per key account over the 18 months
REGULAR_CONTACTS = 3  # for one regular customer in four, over the 18 months
ACTIONS_PER_PLAN = 12
MAIN_TABLES = [
    ("customers", "accounts_customer"),
    ("purchases", "insights_purchase"),
    ("interactions", "communications_interaction"),
    ("feedback", "accounts_feedback"),
    ("competitor intel", "accounts_competitorintel"),
    ("RM profiles", "relationships_relationshipmanagerprofile"),
    ("key accounts", "relationships_keyaccount"),
    ("RM assignments", "relationships_rmassignment"),
    ("plans", "relationships_relationshipplan"),
    ("actions", "relationships_action"),
    ("resources", "relationships_resource"),
    ("RFM (current)", "insights_customerrfm"),
    ("RFM snapshots", "insights_rfmsnapshot"),
    ("key-account period rows", "relationships_keyaccountperiod"),
    ("RM period metrics", "relationships_rmperiodmetric"),
    ("segment period rows", "relationships_segmentperiod"),
    ("segment movements", "relationships_segmentmovement"),
    ("evaluations", "relationships_evaluation"),
    ("evaluation scores", "relationships_evaluationscore"),
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- state: what a run leaves, and starting again ------------------------------------------------


def bench_models() -> list[Any]:
    """Every model whose rows the bench writes, and every model that points at one of them."""
    from django.apps import apps

    roots = [
        "accounts.Customer",
        "insights.Purchase",
        "insights.PurchasePending",
        "insights.RollupRun",
        "insights.ScoreCut",
        "relationships.PeriodComputation",
        "relationships.RMPeriodMetric",
        "relationships.SegmentPeriod",
        "relationships.SegmentMovement",
        "relationships.Evaluation",
        "relationships.JobDescription",
        "relationships.RelationshipManagerProfile",
        "relationships.Training",
    ]
    seen: list[Any] = []
    todo = [apps.get_model(label) for label in roots]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for rel in model._meta.get_fields(include_hidden=True):
            if (
                rel.auto_created
                and not rel.concrete
                and (rel.one_to_many or rel.one_to_one)
                and rel.field.db_constraint
            ):
                todo.append(rel.related_model)
    return seen


def reset() -> None:
    """Empty everything the bench writes (a bench-only database: rfm.guard checked), keeping the
    default cadence rules (their table points at customers, so it is emptied too)."""
    from django.db import transaction

    from communications.models import CadenceRule

    if vendor() == "postgresql":
        rfm.ddl_restore()  # indexes an interrupted purchase load left dropped
    x("DROP TABLE IF EXISTS bench_stage")
    defaults = list(CadenceRule.objects.filter(customer__isnull=True).values("tier", "channel", "max_gap_days"))
    tables = sorted({m._meta.db_table for m in bench_models()})
    with transaction.atomic():
        if vendor() == "postgresql":
            x(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
        else:
            # SQLite's foreign keys are deferred: the order does not matter inside one transaction.
            for table in tables:
                x(f"DELETE FROM {table}")
            x("DELETE FROM sqlite_sequence WHERE name IN (" + ", ".join(["%s"] * len(tables)) + ")", tables)
        CadenceRule.objects.bulk_create([CadenceRule(customer=None, **row) for row in defaults])
        x(f"DROP TABLE IF EXISTS {META_TABLE}")


def meta_read() -> dict[str, Any] | None:
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return None
    raw = scalar(f"SELECT params FROM {META_TABLE}")
    return json.loads(raw) if raw else None


def meta_write(params: dict[str, Any]) -> None:
    x(f"DROP TABLE IF EXISTS {META_TABLE}")
    x(f"CREATE TABLE {META_TABLE} (params text)")
    x(f"INSERT INTO {META_TABLE} (params) VALUES (%s)", [json.dumps(params)])


def wanted_meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "customers": args.customers,
        "purchases": args.purchases,
        "key_accounts": args.key_accounts,
        "rms": args.rms,
        "capacity": args.capacity,
        "seed": args.seed,
    }


def reusable(args: argparse.Namespace) -> tuple[bool, str]:
    from accounts.models import Customer
    from relationships.models import KeyAccount

    meta = meta_read()
    if meta is None:
        return False, "no earlier run in this database"
    mismatch = {k: (meta.get(k), v) for k, v in wanted_meta(args).items() if meta.get(k) != v}
    if mismatch:
        return False, "an earlier run with other parameters: " + ", ".join(
            f"{k} {a} (wanted {b})" for k, (a, b) in mismatch.items()
        )
    counts = (
        Customer.objects.filter(external_ref__startswith=BENCH_PREFIX).count(),
        int(scalar("SELECT count(*) FROM insights_purchase WHERE source = %s", [SOURCE])),
        KeyAccount.objects.count(),
    )
    if counts != (args.customers, args.purchases, args.key_accounts):
        return False, f"rows missing (customers, purchases, key accounts: {counts})"
    return True, f"generated {meta.get('generated_on')} with history up to {meta.get('history_until')}"


# --- users -------------------------------------------------------------------------------------


def users_create(n_rms: int) -> tuple[Any, list[Any]]:
    """The GM the pages are requested as, and the RMs (get or create: users survive a reset)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from crm_project.roles import Role

    user_model = get_user_model()
    gm, _created = user_model.objects.get_or_create(
        username=GM_USERNAME, defaults={"first_name": "Bench", "last_name": "GM", "email": "gm@bench.example"}
    )
    gm.groups.add(Group.objects.get(name=Role.GENERAL_MANAGER.value))
    names = [f"{RM_PREFIX}{i:04d}" for i in range(1, n_rms + 1)]
    have = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [
            user_model(
                username=name,
                first_name="RM",
                last_name=name[len(RM_PREFIX) :],
                email=f"{name}@bench.example",
                password=make_password(None),
            )
            for name in names
            if name not in have
        ],
        batch_size=1000,
    )
    rms = list(user_model.objects.filter(username__in=names).order_by("username"))
    group = Group.objects.get(name=Role.RELATIONSHIP_MANAGER.value)
    through = user_model.groups.through
    member = set(through.objects.filter(group=group, user__in=rms).values_list("user_id", flat=True))
    through.objects.bulk_create([through(user_id=rm.pk, group_id=group.pk) for rm in rms if rm.pk not in member])
    return gm, rms


CRITERIA = [
    {"name": "Contact cadence kept", "weight": Decimal("20"), "kind": "measured", "metric": "cadence_adherence"},
    {"name": "Plan actions completed", "weight": Decimal("15"), "kind": "measured", "metric": "action_completion"},
    {"name": "Revenue growth", "weight": Decimal("20"), "kind": "measured", "metric": "revenue_growth"},
    {"name": "Segment movement", "weight": Decimal("10"), "kind": "measured", "metric": "segment_movement"},
    {"name": "Share of wallet", "weight": Decimal("10"), "kind": "measured", "metric": "share_of_wallet_change"},
    {"name": "Voice of the customer", "weight": Decimal("5"), "kind": "measured", "metric": "voice_of_customer"},
    {"name": "Quality of account knowledge", "weight": Decimal("20"), "kind": "manual", "metric": ""},
]


def rm_programme(gm: Any, rms: list[Any], capacity: int, today: dt.date) -> Any:
    """A job description (six measured criteria and a manual one), RM profiles, trainings."""
    from relationships import services
    from relationships.models import RelationshipManagerProfile, Training

    job = services.job_description_save(
        by=gm,
        fields={
            "title": "Relationship manager",
            "reports_to": "General manager",
            "objectives": "Grow the key accounts' revenue and our share of their wallet.",
            "responsibilities": "Plans, contacts within cadence, voice of the customer.",
        },
        criteria=CRITERIA,
    )
    RelationshipManagerProfile.objects.bulk_create(
        [
            RelationshipManagerProfile(
                user=rm,
                reports_to=gm,
                capacity=capacity,
                start_date=today - dt.timedelta(days=800),
                job_description=job,
            )
            for rm in rms
        ],
        batch_size=1000,
    )
    Training.objects.bulk_create(
        [
            Training(
                user=rm,
                course="Relationship Marketing for Key Accounts",
                topic=Training.Topic.RELATIONSHIP_MARKETING,
                completed_on=today - dt.timedelta(days=400),
                valid_until=today + dt.timedelta(days=700),
            )
            for rm in rms
        ],
        batch_size=1000,
    )
    return job


# --- the key-account programme ------------------------------------------------------------------


def local_at(day: dt.date, hour: int = 10) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def key_accounts_create(args, gm: Any, rms: list[Any], today: dt.date) -> list[Any]:
    """The largest customers (by purchases' total), nominated 6-24 months ago, each with an open
    assignment; one in ten changed RM half-way. Tier `key`, the RM on the account team."""
    from accounts.models import AccountTeamMember, Customer
    from relationships.models import KeyAccount, RMAssignment

    largest = [
        r[0]
        for r in q(
            "SELECT customer_id FROM insights_purchase GROUP BY customer_id ORDER BY sum(amount) DESC, customer_id "
            "LIMIT %s",
            [args.key_accounts],
        )
    ]
    rng = np.random.default_rng([args.seed, 60])
    days_ago = rng.integers(183, 731, len(largest))
    accounts = []
    for i, customer_id in enumerate(largest):
        accounts.append(
            KeyAccount(
                customer_id=customer_id,
                reason="One of the largest buyers (bench).",
                review_on=today + dt.timedelta(days=90),
                nominated_by=gm,
                nominated_at=local_at(today - dt.timedelta(days=int(days_ago[i]))),
                relationship_manager=rms[i % len(rms)],
            )
        )
    KeyAccount.objects.bulk_create(accounts, batch_size=1000)
    accounts = list(KeyAccount.objects.order_by("pk"))
    assignments = []
    for i, ka in enumerate(accounts):
        if i % 10 == 3 and len(rms) > 1:
            before = rms[(i + 1) % len(rms)]
            handover = ka.nominated_at + (local_at(today) - ka.nominated_at) / 2
            assignments.append(
                RMAssignment(
                    key_account=ka,
                    relationship_manager=before,
                    assigned_by=gm,
                    started_at=ka.nominated_at,
                    ended_at=handover,
                )
            )
            assignments.append(
                RMAssignment(
                    key_account=ka,
                    relationship_manager_id=ka.relationship_manager_id,
                    previous_manager=before,
                    assigned_by=gm,
                    reason="Rebalanced the RMs' load.",
                    started_at=handover,
                )
            )
        else:
            assignments.append(
                RMAssignment(
                    key_account=ka,
                    relationship_manager_id=ka.relationship_manager_id,
                    assigned_by=gm,
                    started_at=ka.nominated_at,
                )
            )
    RMAssignment.objects.bulk_create(assignments, batch_size=2000)
    Customer.objects.filter(pk__in=[ka.customer_id for ka in accounts]).update(tier=Customer.Tier.KEY)
    AccountTeamMember.objects.bulk_create(
        [
            AccountTeamMember(
                customer_id=ka.customer_id, user_id=ka.relationship_manager_id, role="Relationship manager"
            )
            for ka in accounts
        ],
        batch_size=2000,
    )
    return accounts


def plans_create(args, gm: Any, accounts: list[Any], today: dt.date) -> dict[str, int]:
    """Per key account: an approved long-term plan (last year to next year), approved annual plans
    for last year and this year (12 actions each, due through the year, statuses by due date;
    resources with amounts and what was spent), and for two in five next year's annual plan in
    the workflow (draft, submitted, returned)."""
    from relationships.models import Action, Objective, PlanEvent, RelationshipPlan, Resource, Strategy

    rng = np.random.default_rng([args.seed, 70])
    year = today.year
    approved_at = local_at(dt.date(year - 1, 1, 10))

    def plan(ka, kind, start, end, *, status="approved", long_term=None) -> RelationshipPlan:
        decided = status in ("approved", "returned")
        return RelationshipPlan(
            key_account_id=ka.pk,
            customer_id=ka.customer_id,
            kind=kind,
            start_year=start,
            end_year=end,
            long_term_plan=long_term,
            title=f"{kind.replace('_', '-')} plan {start}" + (f"-{end}" if end != start else ""),
            summary="Bench plan.",
            status=status,
            author_id=ka.relationship_manager_id,
            submitted_at=approved_at if status != "draft" else None,
            decided_at=approved_at if decided else None,
            decided_by=gm if decided else None,
            gm_comment="Add a share-of-wallet objective." if status == "returned" else "",
        )

    long_terms = [plan(ka, "long_term", year - 1, year + 1) for ka in accounts]
    RelationshipPlan.objects.bulk_create(long_terms, batch_size=1000)
    long_term_of = {
        p.key_account_id: p for p in RelationshipPlan.objects.filter(kind="long_term").only("pk", "key_account_id")
    }
    annual = []
    for i, ka in enumerate(accounts):
        lt = long_term_of[ka.pk]
        annual.append(plan(ka, "annual", year - 1, year - 1, long_term=lt))
        annual.append(plan(ka, "annual", year, year, long_term=lt))
        if i % 5 in (1, 3):
            status = ["draft", "submitted", "returned"][i % 3]
            annual.append(plan(ka, "annual", year + 1, year + 1, status=status, long_term=lt))
    RelationshipPlan.objects.bulk_create(annual, batch_size=1000)
    plans = list(RelationshipPlan.objects.order_by("pk").values_list("pk", "kind", "start_year", "status", "author_id"))

    actions, resources, objectives, strategies, events = [], [], [], [], []
    for pk, kind, start_year, status, author_id in plans:
        if status == "approved":
            events += [
                PlanEvent(plan_id=pk, kind=k, by_id=author_id if k != "approved" else gm.pk, at=approved_at)
                for k in ("created", "submitted", "approved")
            ]
        strategies += [Strategy(plan_id=pk, position=n, title=f"Strategy {n + 1}") for n in range(2)]
        if kind == "long_term":
            resources += [
                Resource(
                    plan_id=pk,
                    position=n,
                    kind=k,
                    description=f"{k} over the three years",
                    amount=Decimal(int(rng.integers(50, 300))) * 1_000_000,
                    spent=Decimal(int(rng.integers(0, 50))) * 1_000_000,
                )
                for n, k in enumerate(("people", "events"))
            ]
            continue
        objectives += [
            Objective(plan_id=pk, position=0, title="Revenue", metric="revenue", target=Decimal("1000000000")),
            Objective(plan_id=pk, position=1, title="Visits", metric="visit_count", target=Decimal("12")),
        ]
        n_actions = ACTIONS_PER_PLAN if status == "approved" else 6
        for n in range(n_actions):
            due = dt.date(start_year, n % 12 + 1, int(rng.integers(5, 28)))
            draw = rng.random()
            if status != "approved":
                st, done = "planned", None
            elif due < today:
                if draw < 0.72:
                    st, done = "done", min(due + dt.timedelta(days=int(rng.integers(-10, 10))), today)
                elif draw < 0.80:
                    st, done = "cancelled", None
                elif draw < 0.90:
                    st, done = "in_progress", None
                else:
                    st, done = "planned", None
            else:
                st, done = ("in_progress", None) if draw < 0.2 else ("planned", None)
            actions.append(
                Action(
                    plan_id=pk,
                    position=n,
                    what=f"Action {n + 1}",
                    owner_id=author_id,
                    due_on=due,
                    status=st,
                    done_on=done,
                )
            )
        share = 0.0 if status != "approved" else (rng.uniform(0.6, 1.0) if start_year < year else rng.uniform(0.3, 0.9))
        for n, k in enumerate(("entertainment", "samples", "events", "budget")[: 4 if status == "approved" else 3]):
            amount = int(rng.integers(5, 50)) * 1_000_000
            resources.append(
                Resource(
                    plan_id=pk,
                    position=n,
                    kind=k,
                    description=f"{k} {start_year}",
                    amount=Decimal(amount),
                    spent=Decimal(int(amount * share)),
                )
            )
    for model, rows in (
        (Strategy, strategies),
        (Objective, objectives),
        (Action, actions),
        (Resource, resources),
        (PlanEvent, events),
    ):
        model.objects.bulk_create(rows, batch_size=2000)
    return {"plans": len(plans), "actions": len(actions), "resources": len(resources)}


def columns(model: Any, exprs: dict[str, str]) -> tuple[list[str], list[str], dict[str, Any]]:
    """Every concrete column of `model` with its SQL expression (from `exprs`, else NULL, the
    field's default or '') and the parameters of the defaults."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED, CharField, TextField

    cols, sql, params = [], [], {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f.column)
        if f.column in exprs:
            sql.append(exprs[f.column])
        elif f.null:
            sql.append("NULL")
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            params[f"d_{f.column}"] = f.get_db_prep_save(f.default, connection)
            sql.append(f"%(d_{f.column})s")
        elif isinstance(f, (CharField, TextField)):
            sql.append("''")
        else:
            raise SystemExit(f"bench: don't know how to fill {model._meta.db_table}.{f.column}")
    return cols, sql, params


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random number in [0, 2^31 - 1) from an integer expression (both databases)."""
    return f"((({expr}) * 2654435761 + {salt}) %% 2147483647)"


def _pick(h: str, choices: list[tuple[str, int]]) -> str:
    """A CASE choosing among weighted string constants by `h`."""
    total, parts = sum(w for _c, w in choices), []
    acc = 0
    for value, weight in choices[:-1]:
        acc += weight
        parts.append(f"WHEN {h} %% {total} < {acc} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{choices[-1][0]}' END"


CHANNELS = [("phone", 35), ("visit", 25), ("email", 20), ("mail", 5), ("web", 10), ("event", 5)]
PURPOSES = [("relationship", 35), ("order", 30), ("service", 15), ("proposal", 12), ("problem", 8)]


def interactions_create(seed: int) -> int:
    """Contacts by every channel, set-based: ~2 a month per key account over 18 months (logged by
    its RM), and 3 over the 18 months for one regular customer in four (logged by the owner)."""
    from django.db import connection
    from django.utils import timezone

    from communications.models import Interaction

    pg = connection.vendor == "postgresql"
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    span = HISTORY_DAYS * 86400
    step = span // KA_CONTACTS

    def series(n: int) -> str:
        if pg:
            return f"generate_series(0, {n - 1}) AS g(n)"
        return f"(WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < {n - 1}) SELECT n FROM g) g"

    at = (
        "%(now)s::timestamptz - make_interval(secs => s.ago)"
        if pg
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(now)s, '-' || s.ago || ' seconds')"
    )
    h = "s.h"
    exprs = {
        "customer_id": "s.customer_id",
        "channel": _pick(h, CHANNELS),
        "direction": f"CASE WHEN ({h} / 7) %% 6 = 0 THEN 'inbound' ELSE 'outbound' END",
        "purpose": _pick(f"({h} / 13)", PURPOSES),
        "occurred_at": at,
        "duration_minutes": f"5 + ({h} / 101) %% 115",
        "subject": "'Bench contact'",
        "logged_by_id": "s.logged_by_id",
        "created_at": at,
        "updated_at": at,
    }
    cols, sql, params = columns(Interaction, exprs)
    params.update(now=connection.ops.adapt_datetimefield_value(now))
    source = f"""
        SELECT k.customer_id, k.relationship_manager_id AS logged_by_id,
               g.n * {step} + {_h("k.id * 4096 + g.n", seed)} %% {step} + 60 AS ago,
               {_h("k.id * 4096 + g.n", seed + 1)} AS h
        FROM relationships_keyaccount k CROSS JOIN {series(KA_CONTACTS)}
        UNION ALL
        SELECT c.id, c.owner_id, {_h("c.id * 16 + g.n", seed + 2)} %% {span} + 60, {_h("c.id * 16 + g.n", seed + 3)}
        FROM accounts_customer c CROSS JOIN {series(REGULAR_CONTACTS)}
        WHERE c.tier = 'regular' AND {_h("c.id", seed + 4)} %% 4 = 0"""
    return x(
        f"INSERT INTO {Interaction._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(sql)} FROM ({source}) s",
        params,
    )


def voice_create(args, accounts: list[Any], today: dt.date) -> dict[str, int]:
    """Feedback entries (about one every other month per key account over 18 months, and one for
    one regular customer in fifty) and competitor intelligence for the key accounts (so that the
    share of wallet is below 1 and moves with revenue)."""
    from accounts.models import CompetitorIntel, Customer, Feedback

    rng = np.random.default_rng([args.seed, 80])
    rows = []
    for ka in accounts:
        for n in range(9):
            if rng.random() < 0.7:
                rows.append(
                    Feedback(
                        customer_id=ka.customer_id,
                        asked_on=today - dt.timedelta(days=int(n * 61 + rng.integers(0, 61))),
                        channel=("visit", "phone", "email", "survey")[n % 4],
                        wants="Faster delivery to the branches.",
                        likes="Reliable quality.",
                        sentiment=("positive", "neutral", "negative")[int(rng.integers(0, 3))],
                        recorded_by_id=ka.relationship_manager_id,
                    )
                )
    regular = Customer.objects.filter(tier=Customer.Tier.REGULAR).order_by("pk").values_list("pk", "owner_id")
    for pk, owner_id in regular.iterator(chunk_size=10_000):
        if pk % 50 == args.seed % 50:
            rows.append(
                Feedback(
                    customer_id=pk,
                    asked_on=today - dt.timedelta(days=pk % HISTORY_DAYS),
                    would_buy="Cleaning supplies.",
                    recorded_by_id=owner_id,
                )
            )
    Feedback.objects.bulk_create(rows, batch_size=2000)
    year_ago = today - dt.timedelta(days=365)
    revenue = dict(
        q(
            "SELECT customer_id, sum(amount) FROM insights_purchase WHERE purchased_on > %s AND customer_id IN "
            "(SELECT customer_id FROM relationships_keyaccount) GROUP BY customer_id",
            [year_ago],
        )
    )
    intel = []
    for ka in accounts:
        base = revenue.get(ka.customer_id) or Decimal("100000000")
        for n in range(1 + ka.pk % 2):
            intel.append(
                CompetitorIntel(
                    customer_id=ka.customer_id,
                    competitor_brand=("PT Saingan", "CV Pesaing")[n],
                    product_category=("Packaging", "Spare parts")[n],
                    estimated_annual_spend=(Decimal(base) * Decimal(str(round(rng.uniform(0.1, 0.6), 2)))).quantize(
                        Decimal("1")
                    ),
                    recorded_by_id=ka.relationship_manager_id,
                    last_confirmed_on=today - dt.timedelta(days=30),
                )
            )
    CompetitorIntel.objects.bulk_create(intel, batch_size=2000)
    return {"feedback": len(rows), "competitor intel": len(intel)}


def generate(args, today: dt.date) -> dict[str, float]:
    from django.conf import settings
    from django.db import transaction

    times: dict[str, float] = {}
    reset()
    gm, rms = users_create(args.rms)
    owner = rfm.bench_owner()
    history_until = today - dt.timedelta(days=1)
    hist = rfm.History(n_customers=args.customers, seed=args.seed, as_of=history_until, tz=settings.TIME_ZONE)
    log(f"generating {args.customers:,} customers")
    times["customers"], _ = timed(rfm.customers_create, 1, args.customers, owner.pk)
    ids = rfm.customer_ids()
    log(f"generating {args.purchases:,} purchases (seed {args.seed}, three years up to {history_until})")
    times["purchases"], n = timed(rfm.purchases_write, hist, hist.purchases(args.purchases), ids, bulk=True)
    # The trigger recorded every generated purchase as pending; the full rollup below aggregates
    # them all, so clearing them now saves it a ten-million-row DELETE that is not the subject.
    x("DELETE FROM insights_purchasepending")
    if vendor() == "postgresql":
        t_v, _ = timed(x, "VACUUM (ANALYZE) insights_purchase")
        times["vacuum purchases"] = t_v
    log(f"  {n:,} purchases in {times['purchases']:.1f} s")

    t = time.perf_counter()
    with transaction.atomic():
        job = rm_programme(gm, rms, args.capacity, today)
        accounts = key_accounts_create(args, gm, rms, today)
        counts = plans_create(args, gm, accounts, today)
    times["RMs, key accounts, plans"] = time.perf_counter() - t
    log(
        f"{len(rms)} RMs (job description {job.pk}), {len(accounts):,} key accounts, {counts['plans']:,} plans, "
        f"{counts['actions']:,} actions, {counts['resources']:,} resources in {times['RMs, key accounts, plans']:.1f} s"
    )
    times["interactions"], n_int = timed(interactions_create, args.seed)
    log(f"{n_int:,} interactions in {times['interactions']:.1f} s")
    times["feedback, competitor intel"], voice = timed(voice_create, args, accounts, today)
    log(f"{voice['feedback']:,} feedback entries, {voice['competitor intel']:,} competitor intel")
    times["analyze"], _ = timed(x, "ANALYZE")
    meta_write(
        {
            **wanted_meta(args),
            "generated_on": today.isoformat(),
            "history_until": history_until.isoformat(),
        }
    )
    return times


# --- rollups and period figures -------------------------------------------------------------------


def rollups(args, today: dt.date, *, reuse: bool) -> dict[str, Any]:
    """Month-end snapshots of the last `--snapshot-months` months, then the current figures, as the
    demo and the nightly job run them (insights.services.rollup_run_now). With --reuse only what is
    missing."""
    from insights import rollup, services
    from insights.models import CustomerRFM, RollupRun

    last = today.replace(day=1) - dt.timedelta(days=1)
    first = add_months(last.replace(day=1), 1 - args.snapshot_months)
    months = rollup.snapshot_months(first=first, last=last)
    out: dict[str, Any] = {"snapshots": 0, "snapshot_seconds": 0.0, "full_seconds": None}
    for month_end in months:
        if reuse and rollup.snapshot_exists(as_of=month_end):
            continue
        seconds, run = timed(services.rollup_run_now, kind=RollupRun.Kind.SNAPSHOT, as_of=month_end)
        if run.status != RollupRun.Status.DONE:
            raise SystemExit(f"bench: snapshot {month_end} {run.status}: {run.error}")
        out["snapshots"] += 1
        out["snapshot_seconds"] += seconds
        log(f"  snapshot {month_end}: {seconds:.2f} s ({run.rows:,} customers)")
    if not (reuse and CustomerRFM.objects.filter(as_of=today).exists()):
        seconds, run = timed(services.rollup_run_now, kind=RollupRun.Kind.FULL, as_of=today)
        if run.status != RollupRun.Status.DONE:
            raise SystemExit(f"bench: full rollup {run.status}: {run.error}")
        out["full_seconds"] = seconds
        log(f"  full rollup as of {today}: {seconds:.2f} s ({run.rows:,} customers)")
    out["months"] = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}" if months else "none"
    return out


def periods_compute(quarter: Any, year: Any, trend: list[Any]) -> list[tuple[str, str, float, int]]:
    """Each period computed by `services.period_compute` (one transaction each), timed. The trend
    quarters first: the scorecards show the last periods' scores."""
    from relationships import services

    out = []
    for role, period in [*(("trend", p) for p in trend), ("subject", quarter), ("subject", year)]:
        seconds, computation = timed(services.period_compute, period=period)
        log(f"  period_compute({period.key}): {seconds:.2f} s, {computation.key_accounts:,} key accounts")
        out.append((period.key, role, seconds, computation.key_accounts))
    return out


def evaluations_create(gm: Any, rms: list[Any], quarter: Any, finals: list[Any]) -> dict[str, Any]:
    """Evaluations as a GM leaves them: final ones for the quarters before (manual criterion scored,
    measured ones as measured or 3 where nothing was measured), and drafts for half the RMs for the
    last closed quarter. Through the services (a few hundred rows)."""
    from relationships import services
    from relationships.models import Evaluation

    if not hasattr(services, "evaluation_start"):
        return {"note": "relationships.services.evaluation_start does not exist yet: no evaluations"}
    Evaluation.objects.all().delete()
    t = time.perf_counter()
    rng = np.random.default_rng(90)
    n_final = 0
    can_finalise = hasattr(services, "evaluation_save") and hasattr(services, "evaluation_finalise")
    for period in finals if can_finalise else []:
        for rm in rms:
            evaluation = services.evaluation_start(relationship_manager=rm, period=period, by=gm)
            scores = {}
            for score in evaluation.scores.all():
                if not score.is_measured:
                    scores[score.pk] = (int(rng.integers(3, 6)), "Knows the account's people well.")
                elif score.measured_score is None:
                    scores[score.pk] = (3, "Nothing to measure in the period.")
                else:
                    scores[score.pk] = (score.measured_score, "")
            services.evaluation_save(evaluation=evaluation, by=gm, scores=scores, summary="Bench evaluation.")
            services.evaluation_finalise(evaluation=evaluation, by=gm)
            n_final += 1
    drafts = []
    for rm in rms[::2]:
        drafts.append(services.evaluation_start(relationship_manager=rm, period=quarter, by=gm))
    return {
        "final": n_final,
        "drafts": len(drafts),
        "seconds": time.perf_counter() - t,
        "draft_id": drafts[0].pk if drafts else None,
    }


# --- measuring pages ----------------------------------------------------------------------------


class Page:
    def __init__(self, label: str, variants: list[tuple[str, str | None]]) -> None:
        self.label = label
        self.variants = variants  # (variant label, path or None when it does not exist)


def pages_to_measure(quarter: Any, year: Any, rm_id: int, draft_id: int | None) -> list[Page]:
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    def named(name: str, args: list[Any] | None = None) -> str | None:
        try:
            return reverse(f"relationships:{name}", args=args)
        except NoReverseMatch:
            return None

    def path(p: str) -> str | None:
        try:
            resolve(p)
        except Resolver404:
            return None
        return p

    def periods(base: str | None, extra: str = "") -> list[tuple[str, str | None]]:
        if base is None:
            return [(quarter.key, None)]
        return [
            (quarter.key, f"{base}?period={quarter.key}{extra}"),
            (year.key, f"{base}?period={year.key}{extra}"),
            (f"{quarter.key}, one RM", f"{base}?period={quarter.key}&relationship_manager={rm_id}"),
        ]

    pages = [
        Page("trivial: /password/change/", [("", "/password/change/")]),
        Page("/healthz/", [("", "/healthz/")]),
    ]
    for name in ("scorecards", "programme_dashboard", "profitability"):
        pages.append(Page(f"relationships:{name}", periods(named(name))))
    base = named("scorecard_rm", [rm_id])
    pages.append(
        Page(
            "relationships:scorecard_rm",
            [(quarter.key, None)]
            if base is None
            else [(quarter.key, f"{base}?period={quarter.key}"), (year.key, f"{base}?period={year.key}")],
        )
    )
    base = named("evaluation_list")
    pages.append(
        Page(
            "relationships:evaluation_list",
            [("", None)] if base is None else [("", base), (quarter.key, f"{base}?period={quarter.key}")],
        )
    )
    if draft_id:
        base = named("evaluation_detail", [draft_id])
        pages.append(Page("relationships:evaluation_detail (extra: a draft)", [("", base)]))
    for name in ("scorecards", "programme", "profitability"):
        pages.append(Page(f"/api/v1/dashboards/{name}/", periods(path(f"/api/v1/dashboards/{name}/"))))
    return pages


class PageFailed(Exception):
    """A page that did not answer 200 (or raised): reported, and the run exits with status 1."""


class Measured:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.sql_times: list[float] = []
        self.counts: list[int] = []
        self.size = 0
        self.slowest: tuple[float, str] = (0.0, "")
        self.statements: list[str] = []  # the last request's SQL
        self.top: list[tuple[float, str]] = []  # the last request's three slowest statements

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]

    @property
    def queries(self) -> str:
        low, high = min(self.counts), max(self.counts)
        return str(low) if low == high else f"{low}-{high}"


def measure(client: Any, url: str, *, repeat: int, warmup: int) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> tuple[float, int, list[dict[str, Any]]]:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(url)
            content = response.content  # a streaming or lazy response is complete here
            seconds = time.perf_counter() - t
        if response.status_code != 200:
            raise PageFailed(f"answered {response.status_code}: {content[:300].decode(errors='replace')}")
        return seconds, len(content), ctx.captured_queries

    for _ in range(warmup):
        get()
    m = Measured()
    for _ in range(repeat):
        seconds, size, queries = get()
        m.times.append(seconds)
        m.counts.append(len(queries))
        m.sql_times.append(sum(float(qq["time"]) for qq in queries))
        m.size = size
        m.statements = [qq["sql"] for qq in queries]
        m.top = sorted(((float(qq["time"]), qq["sql"]) for qq in queries), key=lambda t: -t[0])[:3]
        for qq in queries:
            if float(qq["time"]) > m.slowest[0]:
                m.slowest = (float(qq["time"]), qq["sql"])
    return m


def shape(sql: str) -> str:
    """What a statement reads: its verb and first table (two requests' statements compare by it)."""
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    table = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else '?'}"


def shape_difference(a: list[str], b: list[str]) -> tuple[Counter, Counter]:
    """Statements (by shape) only in a, and only in b, with how many."""
    ca, cb = Counter(map(shape, a)), Counter(map(shape, b))
    return ca - cb, cb - ca


def profile(client: Any, url: str, top: int = 12) -> list[str]:
    """cProfile of one request: the share spent rendering templates, and the functions with the
    most own time (where a page that is not slow in SQL spends its time)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    client.get(url)
    profiler.disable()
    total = time.perf_counter() - t
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (calls, primitive calls, own, cumulative, callers)
    rendering = max(
        (
            v[3]
            for (file, _line, name), v in stats.items()
            if file.endswith("django/template/base.py") and name == "render"
        ),
        default=0.0,
    )
    lines = [
        f"profiled request {total * 1000:.0f} ms (profiler overhead included), templates {rendering * 1000:.0f} ms"
    ]
    for (file, line, name), v in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]:
        where = file.split("site-packages/")[-1].replace(str(rfm.ROOT) + "/", "")
        lines.append(f"{v[2] * 1000:7.0f} ms own {v[3] * 1000:7.0f} ms cum {v[1]:>8,} calls  {where}:{line}({name})")
    return lines


def explain(sql: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured statement (parameters already in it), rolled back."""
    from django.db import transaction

    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return ["(not a SELECT: not explained)"]
    try:
        with transaction.atomic():
            rows = q("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            transaction.set_rollback(True)
    except Exception as exc:
        return [f"(EXPLAIN failed: {exc})"]
    return [r[0] for r in rows]


# --- the run ------------------------------------------------------------------------------------


def row_counts() -> list[tuple[str, int]]:
    return [(label, int(scalar(f"SELECT count(*) FROM {table}"))) for label, table in MAIN_TABLES]


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--customers", type=int, default=5_000)
    p.add_argument("--purchases", type=int, default=200_000)
    p.add_argument("--key-accounts", type=int, default=100)
    p.add_argument("--rms", type=int, default=None, help="relationship managers (default: key accounts / capacity)")
    p.add_argument("--capacity", type=int, default=5, help="key accounts per RM")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--snapshot-months",
        type=int,
        default=26,
        help="month-end RFM snapshots to compute (default 26: the before/after cohorts of nominations "
        "up to 24 months ago need the month before nomination and 6 months after)",
    )
    p.add_argument(
        "--trend-quarters",
        type=int,
        default=5,
        help="quarters before the last closed one to compute too (scorecard trends show 6 periods)",
    )
    p.add_argument(
        "--final-quarters", type=int, default=3, help="of those, the latest N get final evaluations for every RM"
    )
    p.add_argument("--repeat", type=int, default=20, help="timed requests per page and variant")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--reuse", action="store_true", help="measure on what an earlier run with the same sizes left")
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest queries (PostgreSQL)")
    p.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="X",
        help="cProfile one request of each page slower than X times the trivial page, and print where it goes",
    )
    args = p.parse_args()
    args.rms = args.rms or max(1, math.ceil(args.key_accounts / args.capacity))
    if args.rms * args.capacity < args.key_accounts:
        raise SystemExit("bench: --rms x --capacity must cover --key-accounts")

    # WhiteNoise warns once when collectstatic never ran; static files are not what is measured.
    warnings.filterwarnings("ignore", message="No directory at")
    rfm.django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from relationships.periods import Period, PeriodKind, latest_closed

    log("migrating the database (if needed)")
    call_command("migrate", interactive=False, verbosity=0)
    rfm.guard(False)
    info = rfm.env_info()
    log("environment: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    today = timezone.localdate()
    quarter = latest_closed(PeriodKind.QUARTER, today)
    year = Period.of(PeriodKind.YEAR, quarter.start)
    trend = quarter.recent(1 + args.trend_quarters)[:-1]

    gen_times: dict[str, float] = {}
    reuse, why = reusable(args) if args.reuse else (False, "")
    if args.reuse:
        log(f"--reuse: {'reusing: ' if reuse else 'generating: '}{why}")
    if not reuse:
        gen_times = generate(args, today)
    gm, rms = users_create(args.rms)

    log("rollups")
    roll = rollups(args, today, reuse=reuse)
    if vendor() == "postgresql":
        x("ANALYZE")
    log(f"period figures for {quarter.key} and {year.key} (and the trend quarters {[t.key for t in trend]})")
    computed = periods_compute(quarter, year, trend)
    finals = trend[-args.final_quarters :] if args.final_quarters else []
    log("evaluations")
    evals = evaluations_create(gm, rms, quarter, finals)
    log(f"  {evals}")
    if vendor() == "postgresql":
        x("ANALYZE")

    # Pages: this process, this database; a persistent connection, as gunicorn workers keep one.
    connection.ensure_connection()
    connection.settings_dict["CONN_MAX_AGE"] = None
    connection.close_at = None
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    client = Client(HTTP_HOST=host)
    client.force_login(gm)
    rm_id = rms[0].pk
    pages = pages_to_measure(quarter, year, rm_id, evals.get("draft_id"))
    results: list[tuple[Page, str, str | None, Measured | None]] = []
    failures: list[str] = []
    for page in pages:
        for variant, url in page.variants:
            if url is None:
                log(f"skipped {page.label} {variant}: not there yet (NoReverseMatch / no such URL)")
                results.append((page, variant, None, None))
                continue
            try:
                m = measure(client, url, repeat=args.repeat, warmup=args.warmup)
            except Exception as exc:  # the page's error is the finding: report it, measure the others
                failures.append(f"GET {url}: {exc.__class__.__name__}: {exc}")
                log(f"FAILED {page.label} {variant}: {failures[-1]}")
                results.append((page, variant, url, None))
                continue
            log(f"{page.label} {variant}: {m.queries} queries, median {ms(m.median)} ms, p90 {ms(m.p90)} ms")
            results.append((page, variant, url, m))

    # The trivial page again at the end (other work on the machine moves both): the ratios use
    # the median of both samples.
    trivial = next(m for page, _v, _u, m in results if page.label.startswith("trivial") and m)
    before = trivial.median
    again = measure(client, "/password/change/", repeat=args.repeat, warmup=args.warmup)
    trivial.times += again.times
    trivial.sql_times += again.sql_times
    trivial.counts += again.counts
    log(f"trivial page again: median {ms(again.median)} ms (first {ms(before)} ms)")
    counts = row_counts()
    info["load average"] = " ".join(f"{v:.2f}" for v in os.getloadavg())

    print()
    print(
        f"Dashboards bench: {args.customers:,} customers, {args.purchases:,} purchases, {args.key_accounts:,} "
        f"key accounts, {args.rms} RMs (capacity {args.capacity}), seed {args.seed}; today {today}, "
        f"periods {quarter.key} and {year.key}"
    )
    print("  " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("  command: " + " ".join([os.path.relpath(sys.executable, rfm.ROOT), *sys.argv]))
    print("  rows: " + "; ".join(f"{label} {n:,}" for label, n in counts))
    print(
        f"  trivial page: median {ms(before)} ms before the dashboards, {ms(again.median)} ms after; "
        f"ratios use {ms(trivial.median)} ms (both samples)"
    )
    print()
    if gen_times:
        print("Generation: " + "; ".join(f"{k} {v:.1f} s" for k, v in gen_times.items()))
    else:
        print(f"Generation: reused ({why})")
    snap = roll["snapshots"]
    print(
        f"Rollups: {snap} month-end snapshots ({roll['months']}) in {roll['snapshot_seconds']:.1f} s"
        + (f" ({roll['snapshot_seconds'] / snap:.1f} s each)" if snap else "")
        + (f"; full rollup {roll['full_seconds']:.1f} s" if roll["full_seconds"] is not None else "; full: reused")
    )
    print(
        "Period figures (services.period_compute, one transaction each): "
        + "; ".join(f"{key}{' (trend)' if role == 'trend' else ''} {s:.2f} s" for key, role, s, _n in computed)
    )
    if "seconds" in evals:
        print(
            f"Evaluations: {evals['final']} final, {evals['drafts']} drafts through the services in "
            f"{evals['seconds']:.1f} s"
        )
    else:
        print(f"Evaluations: {evals.get('note')}")
    print()
    head = ("page", "variant", "queries", "median ms", "p90 ms", "SQL ms", "KB", "x trivial")
    table = []
    for page, variant, _url, m in results:
        if m is None:
            table.append((page.label, variant, "-", "-", "-", "-", "-", "FAILED" if _url else "skipped: not there yet"))
            continue
        table.append(
            (
                page.label,
                variant,
                m.queries,
                ms(m.median),
                ms(m.p90),
                ms(statistics.median(m.sql_times)),
                f"{m.size / 1024:.0f}",
                f"{m.median / trivial.median:.2f}x",
            )
        )
    w = [max(len(str(r[i])) for r in [head, *table]) for i in range(len(head))]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    print("  ".join("-" * w[i] for i in range(len(head))))
    for r in table:
        print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
    print()
    print(f"Fixed query count (queries per request in each variant; {args.repeat} requests each):")
    for page in pages:
        got = [(v, m) for pg, v, _u, m in results if pg is page and m is not None]
        if len(got) < 2:
            continue
        distinct = {c for _v, m in got for c in m.counts}
        verdict = "same" if len(distinct) == 1 else "differ (the statements that differ below)"
        print(f"  {page.label}: " + ", ".join(f"{v or 'plain'} {m.queries}" for v, m in got) + f" -> {verdict}")
        if len(distinct) > 1:
            first_variant, first = got[0]
            for variant, m in got[1:]:
                only_first, only_this = shape_difference(first.statements, m.statements)
                for label, extra in ((first_variant, only_first), (variant, only_this)):
                    if extra:
                        more = ", ".join(f"{n} x {what}" for what, n in sorted(extra.items()))
                        print(f"      {label or 'plain'} has more: {more}")
    print()
    print("Slowest statements per page (the last request of the first variant; EXPLAIN with --explain):")
    for page in pages:
        m = next((m for pg, _v, _u, m in results if pg is page and m is not None), None)
        if m is None or not m.top or m.top[0][0] <= 0:
            continue
        print(f"  {page.label} ({ms(statistics.median(m.sql_times))} of {ms(m.median)} ms in SQL):")
        for seconds, sql in m.top:
            if seconds <= 0:
                continue
            flat = " ".join(sql.split())
            print(f"    {ms(seconds)} ms: {flat[:400]}{'...' if len(flat) > 400 else ''}")
            if args.explain and vendor() == "postgresql" and seconds >= 0.005:
                for line in explain(sql)[:60]:
                    print(f"        {line}")
    if args.profile:
        print()
        print(f"Where the time goes (pages over {args.profile:g}x the trivial page, first variant, cProfile):")
        for page in pages:
            got = next(((u, m) for pg, _v, u, m in results if pg is page and m is not None), None)
            if got is None or got[1].median < args.profile * trivial.median:
                continue
            print(f"  {page.label}: {got[0]}")
            for line in profile(client, got[0]):
                print(f"    {line}")
    if failures:
        print()
        print("FAILED (every page must answer 200):")
        for failure in failures:
            print(f"  {failure[:1000]}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
