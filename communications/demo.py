"""Demo data of the communication loop (called by `manage.py demo` only, after accounts.demo).

Eighteen months of contacts with the demo customers: calls, visits, lunches and dinners,
emails, WhatsApp chats, letters and events, each with its contact persons, a summary, notes,
an outcome and a next step. Some customers are looked after every week, some are neglected,
so that the cadence check and "my day" have something to show for both sales reps.

- Key accounts: the 8 biggest companies of rep and of rep2 become key accounts, set by the GM
  through `accounts.services.customer_set_tier` (the key-account programme will later record
  the nomination itself). Two of each rep's are overdue on their cadence.
- Deterministic: one `random.Random(SEED)` whose draws never depend on the date; dates are
  counted back from today, so the demo stays fresh.
- Idempotent: when any demo customer has an interaction, nothing is loaded.
- Fast: the ~2,500 interactions and their contact links are bulk-inserted (with their
  creation in the audit history, but not the history of their contact links); follow-ups
  and tiers go through the services.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.demo import FEMALE, REF_PREFIX
from accounts.models import AccountTeamMember, ContactPerson, Customer, HouseholdMember
from accounts.services import customer_set_tier

from . import services
from .models import Channel, FollowUp, Interaction, Purpose

SEED = 20260302
HISTORY_DAYS = 548  # 18 months
KEY_ACCOUNTS_PER_REP = 8
# Rank among a rep's key accounts (biggest first) of those whose cadence slipped.
KEY_VISIT_OVERDUE = 3  # called every week, but not visited for over 30 days
KEY_SILENT = 7  # no contact at all for over 14 days
# (overdue, due today, upcoming) open follow-ups planned from an interaction, per user.
OPEN_FOLLOW_UPS = {"rep": (4, 3, 5), "rep2": (4, 3, 5), "rm": (1, 1, 2), "rm2": (1, 1, 2)}


@dataclass(frozen=True)
class Rhythm:
    """How often a customer hears from us: mean gap between contacts, and the last contact (days ago)."""

    gap: int
    last: tuple[int, int]


# Regular customers: the cadence default is a contact every 60 days. The ranges keep three
# days of margin on each side of it, as the weekend shift moves a contact by up to two days.
REGULAR_RHYTHMS: list[tuple[str, Rhythm, int]] = [
    ("frequent", Rhythm(gap=35, last=(1, 14)), 18),
    ("steady", Rhythm(gap=55, last=(1, 35)), 35),
    ("occasional", Rhythm(gap=75, last=(5, 52)), 32),
    ("neglected", Rhythm(gap=60, last=(68, 220)), 15),
]
# Key accounts: any contact every 14 days, a visit every 30 days.
KEY_CONTACTS = {"in time": Rhythm(gap=16, last=(1, 7)), "silent": Rhythm(gap=16, last=(20, 28))}
KEY_VISITS = {"in time": Rhythm(gap=28, last=(3, 20)), "late": Rhythm(gap=28, last=(38, 55))}

# --- what was said -------------------------------------------------------------------------------------------------

PHONE, VISIT, MAIL, EMAIL, WEB, EVENT = (Channel.PHONE, Channel.VISIT, Channel.MAIL, Channel.EMAIL, Channel.WEB,
                                         Channel.EVENT)  # fmt: skip
ORDER, SERVICE, RELATIONSHIP, PROBLEM, PROPOSAL = (Purpose.ORDER, Purpose.SERVICE, Purpose.RELATIONSHIP,
                                                   Purpose.PROBLEM, Purpose.PROPOSAL)  # fmt: skip

KEY_CONTACT_CHANNELS = [(PHONE, 40), (EMAIL, 24), (WEB, 16), (EVENT, 12), (MAIL, 8)]
REGULAR_CHANNELS = [(PHONE, 38), (EMAIL, 22), (VISIT, 18), (WEB, 14), (EVENT, 4), (MAIL, 4)]
PURPOSES: dict[str, list[tuple[str, int]]] = {
    VISIT: [(RELATIONSHIP, 32), (SERVICE, 24), (PROPOSAL, 18), (ORDER, 14), (PROBLEM, 12)],
    EVENT: [(RELATIONSHIP, 85), (PROPOSAL, 15)],
    PHONE: [(RELATIONSHIP, 24), (ORDER, 34), (SERVICE, 16), (PROBLEM, 16), (PROPOSAL, 10)],
    EMAIL: [(RELATIONSHIP, 12), (ORDER, 30), (SERVICE, 20), (PROBLEM, 10), (PROPOSAL, 28)],
    WEB: [(RELATIONSHIP, 22), (ORDER, 48), (SERVICE, 15), (PROBLEM, 15)],
    MAIL: [(RELATIONSHIP, 75), (PROPOSAL, 25)],
}
INBOUND = {ORDER: 0.6, PROBLEM: 0.7, SERVICE: 0.3}  # customers call us with orders and problems

PRODUCTS = [
    "hydraulic oil ISO VG 46", "gear oil EP 220", "food-grade grease (H1)", "compressor oil", "coolant concentrate",
    "safety shoes", "nitrile gloves", "full-body harnesses", "safety helmets", "ear plugs and earmuffs",
    "stretch film", "corrugated boxes", "pallet wrap and strapping", "food-grade containers",
    "SKF bearings", "V-belts", "mechanical seals", "chain and sprockets", "welding rods", "cutting discs",
    "floor cleaner concentrate", "hand sanitiser refills", "CIP detergent", "LED high-bay lamps", "MCB panels",
]  # fmt: skip
RESTAURANTS: dict[str, list[str]] = {
    "Jakarta": ["Sate Khas Senayan", "Bakmi GM", "Seafood Muara Karang", "Kopi Tuku", "Lara Djonggrang"],
    "Bekasi": ["Sate Maranggi Haji Yetty", "Rumah Makan Sederhana", "Pondok Sunda"],
    "Tangerang": ["Pondok Sunda", "Bebek Kaleyo", "Sate Khas Senayan"],
    "Cikarang": ["Pondok Sunda", "Rumah Makan Sederhana", "Bebek Kaleyo"],
    "Bandung": ["Kampung Daun", "Sapulidi", "Warung Nasi Ampera"],
    "Medan": ["Tip Top", "Kedai Kopi Apek", "Soto Kesawan"],
    "Palembang": ["Pempek Candy", "Rumah Makan Pindang Pegagan", "Kopi Kiran"],
    "Pekanbaru": ["Rumah Makan Pondok Patin HM Yunus", "Kopi Kimteng"],
    "Batam": ["Golden Prawn 933", "Kedai Kopi Ahok"],
    "Surabaya": ["Rawon Setan", "Bebek Goreng Harissa", "Sate Klopo Ondomohen", "House of Sampoerna Cafe"],
    "Sidoarjo": ["Depot Bu Rudy", "Bebek Goreng Harissa"],
    "Malang": ["Bakso President", "Toko Oen", "Rawon Nguling"],
    "Semarang": ["Lumpia Gang Lombok", "Toko Oen", "Soto Bangkong"],
    "Yogyakarta": ["Ayam Goreng Suharti", "Gudeg Yu Djum", "Bale Raos"],
    "Denpasar": ["Bebek Tepi Sawah", "Warung Babi Guling Ibu Oka", "Nasi Ayam Kedewatan"],
    "Makassar": ["Coto Nusantara", "Konro Karebosi", "Pallubasa Serigala"],
    "Balikpapan": ["Kepiting Kenari", "Dandito", "Rumah Makan Torani"],
}
HOTELS = ["Hotel Mulia", "JW Marriott", "Hotel Santika", "Aston Hotel", "Hotel Tentrem", "Swiss-Belhotel"]
GOLF = ["Pondok Indah Golf", "Royale Jakarta Golf Club", "Ciputra Golf", "Jagorawi Golf", "Damai Indah Golf"]
SITES = ["Head office", "Plant", "Warehouse", "Site office", "Main outlet", "Workshop"]

# purpose: {channel or "": [subjects]}; "" serves the channels without their own list.
SUBJECTS: dict[str, dict[str, list[str]]] = {
    RELATIONSHIP: {
        VISIT: [
            "Courtesy visit (silaturahmi) to {contact} at the {site}",
            "Coffee with {contact} after the plant tour",
            "Brought Lebaran parcels for the purchasing team",
            "Visited the new warehouse; congratulated {contact} on the opening",
            "Introduced our new technical manager to {contact}",
            "Dropped by with kue for the front office; short chat with {contact}",
        ],
        EVENT: [
            "Lunch at {restaurant} with the purchasing team",
            "Dinner at {restaurant} with {contact}",
            "Golf at {golf} with {contact}",
            "{contact} joined our technical seminar at {hotel}",
            "Buka puasa bersama with {contact} and the team at {restaurant}",
            "Karaoke after the year-end dinner with the {customer} team",
        ],
        PHONE: [
            "Catch-up call with {contact}, no order due",
            "Called {contact} to congratulate on the new production line",
            "Birthday wishes to {contact}",
            "Asked {contact} how the family is after the flood in {city}",
        ],
        EMAIL: [
            "Thank-you note to {contact} after the visit",
            "Sent {contact} the industry outlook we discussed",
            "Shared photos from our seminar with {contact}",
        ],
        WEB: [
            "WhatsApp: Selamat Hari Raya greetings to {contact}",
            "LinkedIn: congratulated {contact} on the promotion",
            "WhatsApp: sent {contact} the article on energy-saving compressors",
        ],
        MAIL: [
            "Sent a hampers and a card for Lebaran",
            "Sent a Chinese New Year (Imlek) card and a box of kue keranjang",
            "Mailed the new product catalogue with a handwritten note to {contact}",
        ],
    },
    ORDER: {
        PHONE: [
            "Order by phone: {qty} drums of {product}",
            "Repeat order of {product}",
            "Urgent order of {product} for tomorrow's shift",
        ],
        EMAIL: ["PO {po} received for {product}", "Confirmed the delivery schedule for PO {po}"],
        WEB: ["Web shop order: {product}", "WhatsApp order from the warehouse head: {qty} cartons of {product}"],
        VISIT: ["Took the monthly order at the {site}", "Checked stock with the warehouse; order for {product}"],
    },
    SERVICE: {
        VISIT: [
            "Delivered samples of the new {product}",
            "Oil analysis sampling on the compressors",
            "Checked the consignment shelf at the {site}",
            "Trained the operators on the correct use of {product}",
        ],
        PHONE: ["Explained the new price list to {contact}", "Helped the warehouse with a delivery note mismatch"],
        EMAIL: ["Sent the MSDS and certificates of analysis for {product}", "Sent the monthly statement of account"],
        WEB: ["WhatsApp: tracking number for the shipment to {city}", "Answered a spec question about {product}"],
    },
    PROBLEM: {
        PHONE: [
            "Complaint: late delivery to {city}",
            "Wrong item delivered: {product} in the wrong size",
            "Invoice without faktur pajak; payment on hold",
        ],
        VISIT: [
            "On-site meeting about the damaged pallets",
            "Joint inspection of the leaking gearbox with our technician",
        ],
        EMAIL: ["Claim for {qty} damaged cartons of {product}", "Price difference on invoice for PO {po}"],
        WEB: ["WhatsApp complaint: driver arrived after the dock closed", "Short delivery on PO {po}"],
    },
    PROPOSAL: {
        VISIT: [
            "Presented the maintenance bundle proposal to {contact}",
            "Plant audit and proposal for consignment stock",
            "Proposal for a 12-month supply contract of {product}",
        ],
        EMAIL: [
            "Sent the quotation for {product}",
            "Revised offer: TOP 60 for a 12-month contract",
            "Tender documents for next year's volumes",
        ],
        EVENT: ["Product demo of {product} at our Cikarang warehouse", "Invited {contact} to our factory visit"],
        "": ["Sent the brochure and price indication for {product}"],
    },
}
NOTES: dict[str, list[str]] = {
    RELATIONSHIP: [
        "{contact} talked about the children's school plans; the eldest is applying to ITB.",
        "Mostly small talk; {contact} mentioned they are expanding the {site} next year.",
        "Good atmosphere. {contact} prefers WhatsApp for quick questions.",
        "The Direktur joined for half an hour; asked about our stock levels before Lebaran.",
        "{contact} is worried about the rupiah; budgets for next year are tight.",
        "",
    ],
    ORDER: [
        "Delivery requested before 10:00; dock closes at 15:00.",
        "Same price as the last order; TOP 30.",
        "They asked for the faktur pajak to be attached to the invoice.",
        "",
    ],
    SERVICE: [
        "Technician on site for two hours; no issues found.",
        "Operators asked good questions; leave the laminated guide at the line.",
        "",
    ],
    PROBLEM: [
        "Truck was stuck in traffic on the toll road; driver did not call ahead.",
        "Second time this quarter; {contact} was clearly annoyed.",
        "Our warehouse picked the wrong batch; apologised.",
    ],
    PROPOSAL: [
        "They compare us with a local distributor that offers TOP 60.",
        "{contact} needs approval from the Direktur above IDR 100 juta.",
        "Interested, but the budget is only released in January.",
        "",
    ],
}
OUTCOMES: dict[str, list[str]] = {
    RELATIONSHIP: ["Relationship warm; no open issues.", "Invited us to their anniversary event.", "", ""],
    ORDER: ["Order confirmed.", "Order confirmed, delivery on Thursday.", "Partial order; rest next month."],
    SERVICE: ["Resolved.", "Customer satisfied.", "Samples accepted for a trial."],
    PROBLEM: ["Credit note agreed.", "Replacement sent the same day.", "Still open; waiting for our warehouse."],
    PROPOSAL: ["Positive; decision next month.", "Asked for a better price.", "Accepted in principle.", ""],
}
NEXT_STEPS: dict[str, list[str]] = {
    RELATIONSHIP: ["Invite {contact} to the next seminar", "Send the photos from today", ""],
    ORDER: ["Check delivery with the warehouse", "Send the invoice with faktur pajak", ""],
    SERVICE: ["Send the test report", "Schedule the next oil analysis", ""],
    PROBLEM: ["Confirm the credit note with finance", "Call back after the replacement arrives"],
    PROPOSAL: ["Follow up on the quotation", "Prepare a revised price for the Direktur", "Send a contract draft"],
}
# (summary, channel, purpose, what to do next): contacts that left something open.
FOLLOW_UP_SOURCES = [
    ("Price request for {product}", PHONE, PROPOSAL, "Send the quotation for {product}"),
    ("Complaint about a late delivery to {city}", PHONE, PROBLEM, "Confirm the new delivery date with the warehouse"),
    ("Met {contact} about next year's volumes", VISIT, PROPOSAL, "Send the draft supply contract to {contact}"),
    ("Samples of {product} delivered", VISIT, SERVICE, "Ask {contact} for the trial results"),
    ("Invoice query from finance", EMAIL, PROBLEM, "Send the corrected invoice with faktur pajak"),
    ("Lunch at {restaurant} with {contact}", EVENT, RELATIONSHIP, "Send {contact} the seminar invitation"),
    ("{contact} asked about consignment stock", PHONE, PROPOSAL, "Prepare a consignment stock proposal"),
    ("Tender announcement for next year", EMAIL, PROPOSAL, "Register for the tender and send the documents"),
    ("Stock check at the {site}", VISIT, ORDER, "Confirm the monthly order with {contact}"),
    ("WhatsApp from {contact}: new line starting up", WEB, RELATIONSHIP, "Visit the new line with our technician"),
]


def load(*, users: dict) -> None:
    """Create eighteen months of contacts with the demo customers, unless any exists already."""
    customers = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
    if not customers.exists() or Interaction.objects.filter(customer__in=customers).exists():
        return
    with transaction.atomic():
        _Demo(users=users, rng=random.Random(SEED), today=timezone.localdate()).run()


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def _called(name: str) -> str:
    """How a rep speaks of a contact: Pak Budi, Bu Siti, Pak Made."""
    words = name.split()
    given = words[1] if words[0] in ("I", "Ni") and len(words) > 1 else words[0]
    female = words[0] in FEMALE or words[0] == "Ni"
    return f"{'Bu' if female else 'Pak'} {given}"


@dataclass
class _Plan:
    """One customer's contacts as (days ago, channel), the channel None where the customer's mix decides."""

    customer: Customer
    contacts: list[ContactPerson]
    rm: Any = None  # the relationship manager on the account team, who joins visits and dinners
    key: bool = False
    days: list[tuple[int, str | None]] = field(default_factory=list)


class _Demo:
    def __init__(self, *, users: dict, rng: random.Random, today: date) -> None:
        self.users = users
        self.rng = rng
        self.today = today
        self.tz = timezone.get_current_timezone()

    def run(self) -> None:
        plans = self.plans()
        interactions, links = [], []
        for plan in plans.values():
            for days_ago, channel in plan.days:
                interaction, contacts = self.interaction(plan, days_ago, channel)
                interactions.append(interaction)
                links.append(contacts)
        sources = self.follow_up_sources(plans)
        for _plan, interaction, contacts, _due_on in sources:
            interactions.append(interaction)
            links.append(contacts)
        self.save(interactions, links)
        for plan, interaction, _contacts, due_on in sources:
            services.follow_up_create(
                by=interaction.logged_by,
                customer=plan.customer,
                assignee=interaction.logged_by,
                due_on=due_on,
                what=interaction.next_step,
                source=FollowUp.Source.INTERACTION,
                source_interaction=interaction,
            )
        services.cadence_follow_ups_create(as_of=self.today)

    # --- who is contacted how often ----------------------------------------------------------------------------

    def plans(self) -> dict[int, _Plan]:
        customers = list(
            Customer.objects.filter(external_ref__startswith=REF_PREFIX)
            .select_related("owner")
            .annotate(
                decision_household=Exists(
                    HouseholdMember.objects.filter(household__customer=OuterRef("pk"), relative_of__isnull=False)
                ),
                competitor_spend=Sum("competitor_intel__estimated_annual_spend"),
                contact_count=Count("contacts", distinct=True),
            )
            .order_by("external_ref")
        )
        contacts: dict[int, list[ContactPerson]] = defaultdict(list)
        for contact in ContactPerson.objects.filter(customer__in=customers).order_by("customer_id", "id"):
            contacts[contact.customer_id].append(contact)
        managers = {self.users[name].pk: self.users[name] for name in ("rm", "rm2")}
        rm_of = {
            seat.customer_id: managers[seat.user_id]
            for seat in AccountTeamMember.objects.filter(customer__in=customers, user__in=list(managers))
        }
        plans = {c.pk: _Plan(c, contacts[c.pk], rm_of.get(c.pk)) for c in customers}
        keys = {name: self.key_accounts(customers, name, rm_of) for name in ("rep", "rep2")}
        ranks = {c.pk: rank for ranked in keys.values() for rank, c in enumerate(ranked)}
        for customer in customers:
            plan = plans[customer.pk]
            if customer.pk in ranks:
                plan.key = True
                rank = ranks[customer.pk]
                contact_rhythm = KEY_CONTACTS["silent" if rank == KEY_SILENT else "in time"]
                visit_rhythm = KEY_VISITS["late" if rank in (KEY_SILENT, KEY_VISIT_OVERDUE) else "in time"]
                plan.days = [*self.track(contact_rhythm, None), *self.track(visit_rhythm, VISIT)]
            else:
                plan.days = self.track(_weighted(self.rng, [(r, w) for _name, r, w in REGULAR_RHYTHMS]), None)
            plan.days.sort(key=lambda contact: contact[0], reverse=True)
        for ranked in keys.values():
            for customer in ranked:
                customer_set_tier(customer=customer, tier=Customer.Tier.KEY, by=self.users["gm"])
        return plans

    def key_accounts(self, customers: list[Customer], username: str, rm_of: dict[int, Any]) -> list[Customer]:
        """The rep's biggest companies, biggest first.

        Purchases are not loaded yet, so size is told by what accounts.demo left behind: the RM
        sits on the team of each rep's six biggest, the forty biggest decision makers have their
        household on file, and competitor intelligence estimates what they spend elsewhere.
        """
        mine = [c for c in customers if c.owner_id == self.users[username].pk and c.kind == Customer.Kind.COMPANY]
        mine.sort(
            key=lambda c: (
                c.pk not in rm_of,
                not c.decision_household,
                -(c.competitor_spend or 0),
                -c.contact_count,
                c.external_ref,
            )
        )
        return mine[:KEY_ACCOUNTS_PER_REP]

    def track(self, rhythm: Rhythm, channel: str | None) -> list[tuple[int, str | None]]:
        """Contacts going back from the last one, `rhythm.gap` days apart give or take half."""
        days_ago = self.rng.randint(*rhythm.last)
        days = []
        while days_ago <= HISTORY_DAYS:
            days.append((days_ago, channel))
            days_ago += max(1, round(rhythm.gap * self.rng.uniform(0.5, 1.5)))
        return days

    # --- one contact ---------------------------------------------------------------------------------------------

    def day(self, days_ago: int) -> date:
        """Business days only: Saturday moves back to Friday, Sunday on to Monday (never to today)."""
        day = self.today - timedelta(days=days_ago)
        if day.weekday() == 5:
            return day - timedelta(days=1)
        if day.weekday() == 6:
            return day + timedelta(days=1) if days_ago > 1 else day - timedelta(days=2)
        return day

    def at(self, day: date, channel: str) -> datetime:
        if channel == EVENT:
            start = self.rng.choice([time(12, 0), time(12, 30), time(18, 30), time(19, 0)])
        elif channel == VISIT:
            start = time(self.rng.randint(9, 15), self.rng.choice([0, 15, 30, 45]))
        else:
            start = time(self.rng.randint(8, 16), self.rng.randint(0, 59))
        return timezone.make_aware(datetime.combine(day, start), self.tz)

    def interaction(
        self,
        plan: _Plan,
        days_ago: int,
        channel: str | None,
        script: tuple[str, str, str, str] | None = None,
    ) -> tuple[Interaction, list[ContactPerson]]:
        """A contact `days_ago` days back; `script` (summary, channel, purpose, next step) fixes what it was."""
        customer = plan.customer
        if script is not None:
            channel, purpose = script[1], script[2]
        else:
            channel = channel or _weighted(self.rng, KEY_CONTACT_CHANNELS if plan.key else REGULAR_CHANNELS)
            purpose = _weighted(self.rng, PURPOSES[channel])
        contacts = self.pick_contacts(plan, days_ago, purpose)
        words = self.words(customer, contacts)
        if script is not None:
            subjects, next_steps = [script[0]], [script[3]]
        else:
            subjects = SUBJECTS[purpose].get(channel) or SUBJECTS[purpose].get("") or SUBJECTS[RELATIONSHIP][channel]
            next_steps = NEXT_STEPS[purpose]
        logged_by = customer.owner
        if plan.rm is not None and channel in (VISIT, EVENT) and self.rng.random() < 0.4:
            logged_by = plan.rm
        inbound = channel in (PHONE, EMAIL, WEB) and self.rng.random() < INBOUND.get(purpose, 0.1)
        interaction = Interaction(
            customer=customer,
            channel=channel,
            direction=Interaction.Direction.INBOUND if inbound else Interaction.Direction.OUTBOUND,
            purpose=purpose,
            occurred_at=self.at(self.day(days_ago), channel),
            duration_minutes=self.duration(channel),
            subject=self.rng.choice(subjects).format(**words)[:200],
            notes=self.rng.choice(NOTES[purpose]).format(**words),
            outcome=self.rng.choice(OUTCOMES[purpose]),
            next_step=self.rng.choice(next_steps).format(**words),
            location=self.location(customer, channel, words),
            logged_by=logged_by,
        )
        return interaction, contacts

    def pick_contacts(self, plan: _Plan, days_ago: int, purpose: str) -> list[ContactPerson]:
        # Those who left the company (inactive) were still there more than a year ago.
        people = [c for c in plan.contacts if c.is_active or days_ago > 365]
        if not people:
            return []
        if purpose in (RELATIONSHIP, PROPOSAL) and self.rng.random() < 0.6:
            first = people[0]  # the decision maker, created first
        else:
            first = self.rng.choice(people)
        others = [c for c in people if c != first]
        if others and self.rng.random() < 0.3:
            return [first, self.rng.choice(others)]
        return [first]

    def words(self, customer: Customer, contacts: list[ContactPerson]) -> dict[str, str]:
        restaurants = RESTAURANTS.get(customer.city) or ["Rumah Makan Sederhana"]
        return {
            "contact": _called(contacts[0].name if contacts else customer.name),
            "customer": customer.name,
            "city": customer.city,
            "site": self.rng.choice(SITES).lower(),
            "restaurant": self.rng.choice(restaurants),
            "hotel": self.rng.choice(HOTELS),
            "golf": self.rng.choice(GOLF),
            "product": self.rng.choice(PRODUCTS),
            "qty": str(self.rng.choice([2, 4, 5, 10, 12, 20, 40])),
            "po": f"PO/{self.rng.randint(100, 999)}/{self.rng.randint(1, 12):02d}",
        }

    def duration(self, channel: str) -> int | None:
        low_high = {PHONE: (3, 25), VISIT: (30, 120), EVENT: (90, 180), WEB: (5, 20)}.get(channel)
        if low_high is None or (channel == WEB and self.rng.random() < 0.5):
            return None
        return self.rng.randint(*low_high)

    def location(self, customer: Customer, channel: str, words: dict[str, str]) -> str:
        if channel == VISIT:
            return f"{self.rng.choice(SITES)}, {customer.city}"
        if channel == EVENT:
            return f"{words['restaurant']}, {customer.city}"
        return ""

    # --- what is still open ----------------------------------------------------------------------------------------

    def follow_up_sources(self, plans: dict[int, _Plan]) -> list[tuple[_Plan, Interaction, list, date]]:
        """Recent contacts that left a follow-up: some overdue, some due today, some in the coming days.

        Only customers in time on their cadence get one, so that the new contact changes nothing there.
        """
        sources = []
        for username, (overdue, due_today, upcoming) in OPEN_FOLLOW_UPS.items():
            user = self.users[username]
            # plan.days runs from the oldest contact to the latest.
            in_time = [
                plan
                for plan in plans.values()
                if plan.customer.owner_id == user.pk and not plan.key and plan.days and plan.days[-1][0] <= 45
            ]
            chosen = self.rng.sample(in_time, min(len(in_time), overdue + due_today + upcoming))
            for index, plan in enumerate(chosen):
                if index < overdue:
                    due_in = -self.rng.randint(1, 9)
                    days_ago = -due_in + self.rng.randint(2, 10)
                elif index < overdue + due_today:
                    due_in, days_ago = 0, self.rng.randint(1, 7)
                else:
                    due_in, days_ago = self.rng.randint(1, 12), self.rng.randint(1, 6)
                script = self.rng.choice(FOLLOW_UP_SOURCES)
                interaction, contacts = self.interaction(plan, days_ago, None, script=script)
                interaction.logged_by = user
                occurred_on = timezone.localtime(interaction.occurred_at).date()
                due_on = max(self.today + timedelta(days=due_in), occurred_on)
                interaction.follow_up_on = due_on
                sources.append((plan, interaction, contacts, due_on))
        return sources

    # --- writing it down -------------------------------------------------------------------------------------------

    def save(self, interactions: list[Interaction], links: list[list[ContactPerson]]) -> None:
        for interaction in interactions:
            # The audit history says who logged it and when: shortly after the contact.
            interaction._history_user = interaction.logged_by
            interaction._history_date = interaction.occurred_at + timedelta(minutes=30)
        bulk_create_with_history(interactions, Interaction, batch_size=500)
        Through = Interaction.contacts.through
        Through.objects.bulk_create(
            [
                Through(interaction_id=interaction.pk, contactperson_id=contact.pk)
                for interaction, contacts in zip(interactions, links, strict=True)
                for contact in contacts
            ],
            batch_size=1000,
        )
        # Logged shortly after they happened (auto_now_add said today), so they are past the edit window.
        logged_at = F("occurred_at") + timedelta(minutes=30)
        # By the ids of the rows just written: a filter through the customer makes PostgreSQL plan a
        # self-join of fresh tables without statistics, which took minutes in a new test database.
        demo = {"pk__in": [interaction.pk for interaction in interactions]}
        Interaction.objects.filter(**demo).update(created_at=logged_at, updated_at=logged_at)
        Interaction.history.filter(id__in=demo["pk__in"]).update(created_at=logged_at)
