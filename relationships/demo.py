"""Demo data of the key-account programme (called by `manage.py demo` only, after insights).

The communications demo made eight of each rep's biggest companies key accounts (tier
`key`) and put an RM on the team of six of them. Here the programme records them: a
nomination per key account (as of the day the GM set the tier), the RM on the team
becomes its relationship manager, and two per rep stay without one (the GM's list shows
them). RMs get job descriptions and trainings; every managed key account gets a
long-term plan and this year's annual plan, in every state of the workflow (at least
one submitted and waiting for the GM), with objectives, strategies, actions (some done
with the visits that prove them, some overdue) and resources. The candidates list keeps
its fast growers un-nominated, for the GM to try nominating.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from accounts.models import Customer
from communications.models import Channel, Interaction
from insights.models import Purchase

from . import demo_evaluations, services
from .models import (
    Action,
    JobDescription,
    KeyAccount,
    Objective,
    PlanEvent,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    Training,
)
from .services import rm_profile_save

DEMO_PROFILES = {
    "rm": {"start_date": date(2023, 2, 1), "languages": "Bahasa Indonesia, English, Jawa"},
    "rm2": {"start_date": date(2024, 7, 15), "languages": "Bahasa Indonesia, English, Mandarin"},
}
# The communications demo put each RM on six key accounts' teams; the GM raised their capacity
# to hold them (rm is full: a seventh is refused; rm2 has room for one more).
CAPACITY = {"rm": 6, "rm2": 7}

RM_JOB = {
    "title": "Relationship manager",
    "reports_to": "General manager",
    "objectives": (
        "Keep a continuous communication loop with each key account, know its people deeply, "
        "and grow its revenue and our share of its wallet."
    ),
    "responsibilities": (
        "- Write and carry out a long-term and an annual relationship plan per key account.\n"
        "- Contact every key account within its cadence; visit at least monthly.\n"
        "- Record what customers say (voice of the customer) and what competitors offer.\n"
        "- Report progress to the general manager every month."
    ),
}
RM_CRITERIA_V1 = [
    {"name": "Contact cadence kept", "weight": Decimal("40"), "kind": "measured", "metric": "cadence_adherence"},
    {"name": "Revenue growth of key accounts", "weight": Decimal("40"), "kind": "measured", "metric": "revenue_growth"},
    {"name": "Quality of account knowledge", "weight": Decimal("20"), "kind": "manual", "metric": ""},
]
RM_CRITERIA_V2 = [
    {"name": "Contact cadence kept", "weight": Decimal("25"), "kind": "measured", "metric": "cadence_adherence"},
    {"name": "Plan actions completed", "weight": Decimal("20"), "kind": "measured", "metric": "action_completion"},
    {"name": "Revenue growth of key accounts", "weight": Decimal("25"), "kind": "measured", "metric": "revenue_growth"},
    {"name": "Share of wallet gained", "weight": Decimal("10"), "kind": "measured", "metric": "share_of_wallet_change"},
    {
        "name": "Quality of account knowledge",
        "description": "Households, interests and decision makers on file and up to date; plans grounded in them.",
        "weight": Decimal("20"),
        "kind": "manual",
        "metric": "",
    },
]
SENIOR_JOB = {
    "title": "Senior relationship manager",
    "reports_to": "General manager",
    "objectives": "Lead the relationships with the largest key accounts and coach the relationship managers.",
    "responsibilities": "- Everything a relationship manager does.\n- Coach RMs on plans and visits.",
}
SENIOR_CRITERIA = [
    {"name": "Revenue growth of key accounts", "weight": Decimal("30"), "kind": "measured", "metric": "revenue_growth"},
    {"name": "Segment movement", "weight": Decimal("20"), "kind": "measured", "metric": "segment_movement"},
    {
        "name": "Voice of the customer captured",
        "weight": Decimal("20"),
        "kind": "measured",
        "metric": "voice_of_customer",
    },
    {"name": "Coaching of RMs", "weight": Decimal("30"), "kind": "manual", "metric": ""},
]

TRAININGS = {
    # username: [(course, topic, provider, completed days ago, valid for days or None)]
    "rm": [
        ("Relationship Marketing for Key Accounts", "relationship_marketing", "PPM Manajemen", 300, 730),
        ("Strategic Key-Account Management", "key_account_management", "Prasetiya Mulya", 520, None),
    ],
    "rm2": [
        # Expires soon: the programme page flags it.
        ("Relationship Marketing Essentials", "relationship_marketing", "Binus Center", 700, 740),
        ("Product knowledge: packaging lines", "product", "In-house", 90, None),
    ],
    "rep": [("Consultative Selling", "sales", "Dale Carnegie Indonesia", 200, 1095)],
    "rep2": [("Relationship Marketing Essentials", "relationship_marketing", "Binus Center", 400, 365)],
}

STRATEGIES = [
    ("Meet the owner's family, not only the buyer", "Dinner twice a year; remember birthdays and schools."),
    ("Become their planning partner", "Quarterly review of their forecast with their purchasing head."),
    (
        "Win the lines the competitor still supplies",
        "Offer trial shipments for the categories we do not sell them yet.",
    ),
    ("Fix service before it is a complaint", "Monthly call with their warehouse lead about deliveries."),
]
ACTIONS = [
    ("Quarterly business review with the directors", Channel.VISIT),
    ("Family dinner with the owner", Channel.EVENT),
    ("Factory visit with our production head", Channel.VISIT),
    ("Send the annual price agreement", Channel.EMAIL),
    ("Trial shipment of the new product line", Channel.VISIT),
    ("Invite to the customer appreciation night", Channel.EVENT),
]
RESOURCES = [
    ("entertainment", "Dinners and gifts for the directors", Decimal("18000000")),
    ("samples", "Trial shipments", Decimal("25000000")),
    ("events", "Customer appreciation night (two seats)", Decimal("7500000")),
    ("people", "Production head's factory visit (2 days)", Decimal("4000000")),
]
# This year's annual plans are approved and under way. It is the season for next year's:
# their state per RM, in the order of the RM's key accounts ("revise": no plan for next year
# yet, this year's approved plan is being revised instead; "": not started).
NEXT_YEAR_STATES = {
    "rm": ["submitted", "returned", "draft", "revise", "submitted", ""],
    "rm2": ["submitted", "draft", "", "returned", "", "draft"],
}
RETURN_COMMENT = "Please add a share-of-wallet objective and cost the appreciation night."


def load(*, users: dict) -> None:
    for username, fields in DEMO_PROFILES.items():
        if not RelationshipManagerProfile.objects.filter(user=users[username]).exists():
            rm_profile_save(user=users[username], reports_to=users["gm"], **fields)
    if not KeyAccount.objects.exists():
        _ProgrammeDemo(users).run()
    demo_evaluations.load(users=users)


class _ProgrammeDemo:
    def __init__(self, users: dict[str, Any]) -> None:
        self.users = users
        self.gm = users["gm"]
        self.rng = random.Random(6)
        self.today = timezone.localdate()
        self.year = self.today.year

    def run(self) -> None:
        self.trainings()
        self.job_descriptions()
        managed = self.key_accounts()
        for username, key_accounts in managed.items():
            for index, (key_account, state) in enumerate(zip(key_accounts, NEXT_YEAR_STATES[username], strict=False)):
                self.plans(key_account, state, with_last_year=index % 3 != 2)

    def trainings(self) -> None:
        for username, courses in TRAININGS.items():
            for course, topic, provider, days_ago, valid_days in courses:
                completed = self.today - timedelta(days=days_ago)
                Training.objects.create(
                    user=self.users[username],
                    course=course,
                    topic=topic,
                    provider=provider,
                    completed_on=completed,
                    valid_until=completed + timedelta(days=valid_days) if valid_days else None,
                )

    def job_descriptions(self) -> None:
        first = services.job_description_save(by=self.gm, fields=RM_JOB, criteria=RM_CRITERIA_V1)
        JobDescription.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=400))
        current = services.job_description_save(
            by=self.gm, job_description=first, fields=RM_JOB, criteria=RM_CRITERIA_V2
        )
        services.job_description_save(by=self.gm, fields=SENIOR_JOB, criteria=SENIOR_CRITERIA)
        for username in ("rm", "rm2"):
            profile = RelationshipManagerProfile.objects.get(user=self.users[username])
            services.job_description_assign(profile=profile, job_description=current, by=self.gm)
            profile.capacity = CAPACITY[username]
            profile.save(update_fields=["capacity"])

    def key_accounts(self) -> dict[str, list[KeyAccount]]:
        """A nomination per tier-`key` customer; the RM on its team manages it."""
        managed: dict[str, list[KeyAccount]] = {"rm": [], "rm2": []}
        rms = {self.users["rm"].pk: "rm", self.users["rm2"].pk: "rm2"}
        keys = Customer.objects.filter(tier=Customer.Tier.KEY).prefetch_related("team_members").order_by("name")
        for customer in keys:
            rm_name = next((rms[m.user_id] for m in customer.team_members.all() if m.user_id in rms), None)
            outcome = services.key_account_nominate(
                customer=customer,
                by=self.gm,
                reason=(
                    "One of the largest buyers of its rep's territory; orders every few weeks. "
                    "Keep the family relationship and win the lines a competitor still supplies."
                ),
                review_on=self.today + timedelta(days=self.rng.randint(30, 200)),
                relationship_manager=self.users[rm_name] if rm_name else None,
                assign_reason="Sits on the account team already; knows the owner's family." if rm_name else "",
            )
            # The communications demo set the tier today; the programme is older than that.
            since = timezone.now() - timedelta(days=self.rng.randint(430, 900))
            KeyAccount.objects.filter(pk=outcome.key_account.pk).update(nominated_at=since)
            outcome.key_account.assignments.update(started_at=since + timedelta(days=3))
            if rm_name:
                managed[rm_name].append(outcome.key_account)
        return managed

    # -- plans --------------------------------------------------------------------------------

    def revenue(self, customer: Customer, year: int) -> Decimal:
        total = Purchase.objects.filter(customer=customer, purchased_on__year=year).aggregate(t=Sum("amount"))["t"]
        return (total or Decimal("0")).quantize(Decimal("1"))

    def plans(self, key_account: KeyAccount, next_year: str, *, with_last_year: bool) -> None:
        rm = key_account.relationship_manager
        customer = key_account.customer
        long_term = services.plan_create(
            by=rm,
            key_account=key_account,
            kind=RelationshipPlan.Kind.LONG_TERM,
            start_year=self.year - 1,
            end_year=self.year + 1,
            vision=(
                f"By {self.year + 1} {customer.name} sees us as its first supplier and planning partner: "
                "we hold most of its wallet and hear about new projects before the competition does."
            ),
            summary="Three years to move from preferred supplier to partner.",
        )
        yearly = self.revenue(customer, self.year - 2) or Decimal("1000000000")
        self.item(
            long_term,
            "objective",
            title="Revenue over the three years",
            metric="revenue",
            baseline=yearly * 3,
            target=(yearly * Decimal("3.6")).quantize(Decimal("1")),
        )
        self.item(
            long_term,
            "objective",
            title="Most of their wallet",
            metric="share_of_wallet",
            baseline=Decimal("55"),
            target=Decimal("75"),
        )
        self.item(
            long_term,
            "objective",
            title="Yearly meetings with the owner's family",
            metric="manual",
            unit="meetings",
            baseline=Decimal("1"),
            target=Decimal("3"),
            manual_actual=Decimal("2"),
        )
        for title, how in STRATEGIES[:3]:
            self.item(long_term, "strategy", title=title, description=how)
        self.approve(long_term, rm, days_ago=300)
        if with_last_year:
            self.previous_year_plan(key_account, rm)
        current = self.annual(key_account, rm, self.year)
        self.approve(current, rm, days_ago=320)
        self.progress(current)
        if next_year == "revise":
            revision = services.plan_revise(plan=current, by=rm)
            self.item(revision, "strategy", title=STRATEGIES[3][0], description=STRATEGIES[3][1])
        elif next_year:
            plan = self.annual(key_account, rm, self.year + 1)
            if next_year in ("submitted", "returned"):
                services.plan_submit(plan=plan, by=rm)
            if next_year == "returned":
                services.plan_return(plan=plan, by=self.gm, comment=RETURN_COMMENT)

    def previous_year_plan(self, key_account: KeyAccount, rm: Any) -> None:
        plan = services.plan_create(
            by=rm, key_account=key_account, kind=RelationshipPlan.Kind.ANNUAL, start_year=self.year - 1
        )
        customer = key_account.customer
        before = self.revenue(customer, self.year - 2)
        self.item(
            plan,
            "objective",
            title="Revenue",
            metric="revenue",
            baseline=before,
            target=(before * Decimal("1.15")).quantize(Decimal("1")),
        )
        self.item(plan, "objective", title="Visits", metric="visit_count", baseline=Decimal("8"), target=Decimal("12"))
        self.item(plan, "strategy", title=STRATEGIES[0][0], description=STRATEGIES[0][1])
        for index, (what, _channel) in enumerate(ACTIONS[:4]):
            self.item(plan, "action", what=what, owner=rm, due_on=date(self.year - 1, 3 * index + 2, 15))
        self.item(plan, "resource", kind="entertainment", description=RESOURCES[0][1], amount=RESOURCES[0][2])
        self.approve(plan, rm, days_ago=700)
        for index, action in enumerate(plan.actions.all()):
            # At the year's end the RM closed last year's plan: the action not done carried over.
            status = "done" if index < 3 else "cancelled"
            services.plan_item_save(plan=plan, by=rm, item_type="action", item=action, status=status)
        Action.objects.filter(plan=plan, status="done").update(done_on=date(self.year - 1, 11, 30))
        Resource.objects.filter(plan=plan).update(spent=RESOURCES[0][2] - Decimal("2500000"))

    def annual(self, key_account: KeyAccount, rm: Any, year: int) -> RelationshipPlan:
        """The annual plan for a year: started from last year's when there is one (its
        objectives get this year's numbers), else written afresh."""
        customer = key_account.customer
        if RelationshipPlan.objects.filter(key_account=key_account, start_year=year - 1, kind="annual").exists():
            plan = services.plan_copy_from_previous(key_account=key_account, by=rm, year=year)
            Objective.objects.filter(plan=plan).delete()
        else:
            plan = services.plan_create(
                by=rm, key_account=key_account, kind=RelationshipPlan.Kind.ANNUAL, start_year=year
            )
        plan.summary = "Deepen the family relationship and trial the new product line."
        plan.save(update_fields=["summary"])
        before = self.revenue(customer, year - 1)
        if year > self.year:  # this year is not over: its pace sets the baseline
            before = (before * 12 / self.today.month).quantize(Decimal("1"))
        self.item(
            plan,
            "objective",
            title="Revenue",
            metric="revenue",
            baseline=before,
            target=(before * Decimal("1.08")).quantize(Decimal("1")),
        )
        self.item(
            plan, "objective", title="Orders", metric="purchase_frequency", baseline=Decimal("30"), target=Decimal("36")
        )
        self.item(plan, "objective", title="Visits", metric="visit_count", baseline=Decimal("10"), target=Decimal("12"))
        self.item(
            plan,
            "objective",
            title="Owner's satisfaction (1-10)",
            metric="manual",
            unit="score",
            baseline=Decimal("7"),
            target=Decimal("9"),
        )
        strategies = list(plan.strategies.all()) or [
            self.item(plan, "strategy", title=title, description=how) for title, how in STRATEGIES[1:3]
        ]
        owners = [rm, customer.owner]
        for index, (what, _channel) in enumerate(ACTIONS):
            if not plan.actions.filter(what=what).exists():
                self.item(
                    plan,
                    "action",
                    what=what,
                    owner=owners[index % 2],
                    strategy=strategies[index % len(strategies)],
                    due_on=date(year, 2 * index + 1, 20),
                )
        for kind, description, amount in RESOURCES:
            if not plan.resources.filter(kind=kind).exists():
                self.item(plan, "resource", kind=kind, description=description, amount=amount)
        return plan

    def progress(self, plan: RelationshipPlan) -> None:
        """Actions due before today are mostly done, proved by the customer's interactions; one is late."""
        rm = plan.key_account.relationship_manager
        interactions = list(
            Interaction.objects.filter(
                customer=plan.customer, occurred_at__year=self.year, channel__in=[Channel.VISIT, Channel.EVENT]
            ).order_by("occurred_at")
        )
        due = list(plan.actions.filter(due_on__lt=self.today).order_by("due_on"))
        if due:
            due.remove(self.rng.choice(due[-3:]))  # one of the recent ones is late
        for action in due:
            evidence = next(
                (
                    i
                    for i in interactions
                    if timezone.localtime(i.occurred_at).date() >= action.due_on - timedelta(days=40)
                ),
                None,
            )
            if evidence is not None:
                interactions.remove(evidence)
                services.action_link_interaction(action=action, interaction=evidence, by=rm)
            else:
                services.plan_item_save(plan=plan, by=rm, item_type="action", item=action, status="done")
        satisfaction = plan.objectives.filter(metric="manual").first()
        if satisfaction:
            services.plan_item_save(
                plan=plan, by=rm, item_type="objective", item=satisfaction, manual_actual=Decimal("8")
            )
        for resource in plan.resources.all():
            spent = (resource.amount * Decimal(self.rng.choice(["0.4", "0.65", "0.9"]))).quantize(Decimal("1"))
            services.plan_item_save(plan=plan, by=rm, item_type="resource", item=resource, spent=spent)

    def item(self, plan: RelationshipPlan, item_type: str, **fields: Any) -> Any:
        return services.plan_item_save(
            plan=plan, by=plan.key_account.relationship_manager, item_type=item_type, **fields
        )

    def approve(self, plan: RelationshipPlan, rm: Any, *, days_ago: int = 0) -> None:
        services.plan_submit(plan=plan, by=rm)
        services.plan_approve(plan=plan, by=self.gm, comment="Agreed. Keep me posted after each visit.")
        if days_ago:
            when = timezone.now() - timedelta(days=days_ago)
            PlanEvent.objects.filter(plan=plan).update(at=when)
            RelationshipPlan.objects.filter(pk=plan.pk).update(submitted_at=when, decided_at=when)
