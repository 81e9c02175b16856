"""My day, the interactions list with its CSV export, and the per-rep contact summary.

The reads of my day and the interactions list come first, shaped like selectors
(keyword-only, scoped to the user, a fixed number of queries); the summary's reads
are in summary.py. The views follow them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Aggregate, CharField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.csv_io import EXPORT_CHUNK_SIZE, EXPORT_FLUSH_CHARS, csv_cell
from accounts.models import SEES_ALL, AccountTeamMember, Customer
from crm_project.form_errors import apply_service_errors
from crm_project.roles import Role, role_of
from crm_project.selectors import users_in_role

from . import selectors, services
from .forms_day import InteractionFilterForm, ReassignForm, SnoozeForm, SummaryFilterForm, snooze_choices
from .models import Channel, FollowUp, Interaction, Purpose
from .summary import rep_summary, summary_people
from .views import _safe_next

User = get_user_model()

# Follow-ups due within this many days show as "upcoming".
UPCOMING_DAYS = 7
RECENT_LIMIT = 10
# A manager sees every customer; my day lists the most overdue ones and counts the rest.
DUE_CUSTOMERS_LIMIT = 25
COMPACT_LIMIT = 5
PAGE_SIZE = 25
DAY_SECTIONS = ("follow_ups", "customers", "recent")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


# --- my day: reads ------------------------------------------------------------


@dataclass(frozen=True)
class Colleague:
    """Someone a follow-up may be handed to, and why they qualify."""

    user: Any
    why: str

    @property
    def name(self) -> str:
        return _name(self.user)


def reassign_candidates(customer: Customer) -> QuerySet:
    """Who works with the customer: its owner, its account team and the general managers."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk=customer.owner_id)
            | Q(team_memberships__customer=customer)
            | Q(groups__name=Role.GENERAL_MANAGER.value)
        )
        .distinct()
    )


def _colleagues(follow_up: FollowUp, managers: list[Any]) -> list[Colleague]:
    """reassign_candidates() worked out from rows already loaded, for every row of the page at once."""
    customer = follow_up.customer
    people = [Colleague(customer.owner, _("owner"))]
    people += [Colleague(member.user, member.role or _("account team")) for member in customer.team_members.all()]
    people += [Colleague(manager, _("general manager")) for manager in managers]
    seen = {follow_up.assignee_id}
    chosen = []
    for person in people:
        if person.user.is_active and person.user.pk not in seen:
            seen.add(person.user.pk)
            chosen.append(person)
    return chosen


def day_follow_ups(*, user: Any, today: date) -> list[FollowUp]:
    """The user's open follow-ups up to a week ahead, each with `days_left` and `colleagues`.

    Four queries whatever the number of rows: the follow-ups (with customer, owner and
    source), their customers' account teams, and the general managers (only when there
    is a follow-up to offer them for).
    """
    team = AccountTeamMember.objects.select_related("user").order_by("added_at", "id")
    follow_ups = list(
        selectors.follow_up_list(user=user, assignee=user)
        .filter(due_on__lte=today + timedelta(days=UPCOMING_DAYS))
        .select_related("customer__owner")
        .prefetch_related(Prefetch("customer__team_members", queryset=team))
    )
    managers = list(users_in_role(Role.GENERAL_MANAGER)) if follow_ups else []
    for follow_up in follow_ups:
        follow_up.days_left = (follow_up.due_on - today).days
        follow_up.days_late = max(0, -follow_up.days_left)
        follow_up.colleagues = _colleagues(follow_up, managers)
    return follow_ups


def day_context(user: Any, *, sections: Iterable[str] = DAY_SECTIONS) -> dict[str, Any]:
    """What my day shows (the sales rep's home shows the same); `sections` picks the parts to load."""
    today = timezone.localdate()
    context: dict[str, Any] = {"today": today, "snooze_choices": snooze_choices(today)}
    if "follow_ups" in sections:
        follow_ups = day_follow_ups(user=user, today=today)
        context["overdue"] = [f for f in follow_ups if f.days_left < 0]
        context["due_today"] = [f for f in follow_ups if f.days_left == 0]
        context["upcoming"] = [f for f in follow_ups if f.days_left > 0]
        context["follow_up_count"] = len(follow_ups)
    if "customers" in sections:
        due = selectors.cadence_due_for(user=user, as_of=today)
        context["due_customers"] = due[:DUE_CUSTOMERS_LIMIT]
        context["due_customers_more"] = max(0, len(due) - DUE_CUSTOMERS_LIMIT)
    if "recent" in sections:
        mine = selectors.interaction_list(user=user).filter(logged_by=user).prefetch_related(None)
        context["recent"] = list(mine[:RECENT_LIMIT])
    return context


def day_compact_context(user: Any) -> dict[str, Any]:
    """The relationship manager dashboard's extract of my day: what is already late."""
    today = timezone.localdate()
    overdue = list(selectors.follow_up_list(user=user, assignee=user).filter(due_on__lt=today))
    for follow_up in overdue:
        follow_up.days_late = (today - follow_up.due_on).days
    customers = [s for s in selectors.cadence_due_for(user=user, as_of=today, horizon_days=0) if s.is_overdue]
    return {
        "day_overdue": overdue[:COMPACT_LIMIT],
        "day_overdue_count": len(overdue),
        "day_overdue_more": max(0, len(overdue) - COMPACT_LIMIT),
        "day_overdue_customers": customers[:COMPACT_LIMIT],
        "day_overdue_customer_count": len(customers),
        "day_overdue_customers_more": max(0, len(customers) - COMPACT_LIMIT),
    }


# --- my day: views ------------------------------------------------------------


def _day_url(request: HttpRequest) -> str:
    """Where the no-JS forms of my day return to: the page they were shown on."""
    if request.htmx:
        return request.htmx.current_url_abs_path or _safe_next(request) or reverse("communications:my_day")
    if request.method == "POST":
        return _safe_next(request) or reverse("communications:my_day")
    return request.get_full_path()


@login_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    section = request.GET.get("section", "")
    if request.htmx and section in DAY_SECTIONS:
        # A section reloads itself after a contact is logged in the quick-log dialog.
        context = {**day_context(request.user, sections=[section]), "day_next": _day_url(request)}
        return render(request, f"communications/_day_sections.html#{section}", context)
    context = {**day_context(request.user), "day_next": _day_url(request)}
    return render(request, "communications/my_day.html", context)


def _follow_up_to_act_on(request: HttpRequest, pk: int) -> FollowUp:
    """404 outside the user's customers; 403 unless the assignee, the owner or a manager."""
    try:
        follow_up = FollowUp.objects.visible_to(request.user).select_related("customer").get(pk=pk)
    except FollowUp.DoesNotExist as missing:
        raise Http404 from missing
    user = request.user
    if user.pk not in (follow_up.assignee_id, follow_up.customer.owner_id) and role_of(user) not in SEES_ALL:
        raise PermissionDenied
    return follow_up


def _acted(request: HttpRequest, notice: str) -> HttpResponse:
    if request.htmx:
        context = {**day_context(request.user, sections=["follow_ups"]), "notice": notice}
        return render(
            request, "communications/_day_sections.html#follow_ups", {**context, "day_next": _day_url(request)}
        )
    messages.success(request, notice)
    return redirect(_day_url(request))


def _not_acted(request: HttpRequest, follow_up: FollowUp, kind: str, form: Any) -> HttpResponse:
    """The form again, with its errors, where it was: in the section (htmx) or on the page."""
    failed = {"pk": follow_up.pk, "kind": kind, "form": form, "what": follow_up.what}
    if request.htmx:
        context = {**day_context(request.user, sections=["follow_ups"]), "failed": failed}
        return render(
            request, "communications/_day_sections.html#follow_ups", {**context, "day_next": _day_url(request)}
        )
    context = {**day_context(request.user), "failed": failed, "day_next": _day_url(request)}
    return render(request, "communications/my_day.html", context)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up_to_act_on(request, pk)
    services.follow_up_complete(follow_up=follow_up, by=request.user)
    return _acted(request, _("Done: %(what)s") % {"what": follow_up.what})


@login_required
@require_POST
def follow_up_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up_to_act_on(request, pk)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        due_on = form.cleaned_data["due_on"]
        try:
            services.follow_up_reschedule(follow_up=follow_up, by=request.user, due_on=due_on)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            day = formats.date_format(due_on, "D j M")
            return _acted(request, _("Snoozed to %(day)s: %(what)s") % {"day": day, "what": follow_up.what})
    return _not_acted(request, follow_up, "snooze", form)


@login_required
@require_POST
def follow_up_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up_to_act_on(request, pk)
    form = ReassignForm(request.POST, candidates=reassign_candidates(follow_up.customer))
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.follow_up_reassign(follow_up=follow_up, by=request.user, assignee=assignee)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            notice = _("Handed to %(name)s: %(what)s") % {"name": _name(assignee), "what": follow_up.what}
            return _acted(request, notice)
    return _not_acted(request, follow_up, "reassign", form)


# --- interactions list and export: reads ---------------------------------------


def interaction_filter(
    *,
    user: Any,
    customer: str = "",
    logged_by: int | None = None,
    channel: str = "",
    purpose: str = "",
    direction: str = "",
    tier: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Interaction]:
    """The interactions the user may see, filtered; the dates are local calendar days, both included."""
    interactions = selectors.interaction_list(user=user)
    if customer:
        interactions = interactions.filter(customer__name__icontains=customer)
    if logged_by:
        interactions = interactions.filter(logged_by_id=logged_by)
    if channel:
        interactions = interactions.filter(channel=channel)
    if purpose:
        interactions = interactions.filter(purpose=purpose)
    if direction:
        interactions = interactions.filter(direction=direction)
    if tier:
        interactions = interactions.filter(customer__tier=tier)
    if date_from:
        interactions = interactions.filter(occurred_at__gte=_start_of(date_from))
    if date_to:
        interactions = interactions.filter(occurred_at__lt=_start_of(date_to + timedelta(days=1)))
    return interactions


def interaction_people(*, user: Any) -> list[tuple[int, str]]:
    """(id, name) of everyone who logged an interaction the user may see: the "logged by" filter."""
    people = (
        User.objects.filter(pk__in=Interaction.objects.visible_to(user).values("logged_by"))
        .order_by("first_name", "last_name", "username")
        .only("id", "first_name", "last_name", "username")
    )
    return [(person.pk, _name(person)) for person in people]


class _JoinedNames(Aggregate):
    """Names joined with "; " (SQLite GROUP_CONCAT, PostgreSQL STRING_AGG), so that the export
    reads each interaction's contact persons in its own row's subquery, not a query per chunk."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, '; ')"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


EXPORT_COLUMNS = (
    "id",
    "occurred_at",
    "customer_id",
    "customer",
    "tier",
    "channel",
    "purpose",
    "direction",
    "subject",
    "duration_minutes",
    "contacts",
    "outcome",
    "next_step",
    "follow_up_on",
    "logged_by",
)


def _export_row(interaction: Interaction) -> tuple:
    return (
        interaction.pk,
        timezone.localtime(interaction.occurred_at).isoformat(),
        interaction.customer_id,
        interaction.customer.name,
        interaction.customer.tier,
        interaction.channel,
        interaction.purpose,
        interaction.direction,
        interaction.subject,
        interaction.duration_minutes,
        interaction.contact_names,
        interaction.outcome,
        interaction.next_step,
        interaction.follow_up_on.isoformat() if interaction.follow_up_on else "",
        interaction.logged_by.get_username(),
    )


def interaction_export_csv(interactions: QuerySet[Interaction]) -> Iterator[str]:
    """The interactions as CSV text in pieces: one query, rows read in chunks, cells that a
    spreadsheet would run as formulas neutralised, and a BOM so that Excel reads UTF-8."""
    through = Interaction.contacts.through
    names = (
        through.objects.filter(interaction=OuterRef("pk"))
        .order_by()
        .values("interaction")
        .annotate(names=_JoinedNames("contactperson__name"))
        .values("names")
    )
    rows = interactions.prefetch_related(None).annotate(contact_names=Subquery(names))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    for interaction in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        writer.writerow([csv_cell(value) for value in _export_row(interaction)])
        if buffer.tell() >= EXPORT_FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- interactions list and export: views ---------------------------------------


@login_required
@require_GET
def interaction_list(request: HttpRequest) -> HttpResponse:
    form = InteractionFilterForm(request.GET)
    interactions = interaction_filter(user=request.user, **form.filters())
    page = Paginator(interactions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "people": interaction_people(user=request.user),
        "query": query.urlencode(),
    }
    template = (
        "communications/interaction_list.html#results" if request.htmx else "communications/interaction_list.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def interaction_export(request: HttpRequest) -> StreamingHttpResponse:
    """The interactions list as CSV, with the list page's filters."""
    interactions = interaction_filter(user=request.user, **InteractionFilterForm(request.GET).filters())
    response = StreamingHttpResponse(interaction_export_csv(interactions), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="interactions-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# --- per-rep summary: view ---------------------------------------------------------


@login_required
@require_GET
def rep_summary_view(request: HttpRequest) -> HttpResponse:
    """A rep or RM sees their own contacts; a general manager or admin sees everyone's, or one person's."""
    form = None
    people = [request.user]
    if role_of(request.user) in SEES_ALL:
        people = summary_people()
        form = SummaryFilterForm(request.GET, people=[(person.pk, _name(person)) for person in people])
        chosen = form.chosen()
        if chosen:
            people = [person for person in people if person.pk == chosen]
    summary = rep_summary(viewer=request.user, people=people)
    context = {
        "form": form,
        "summary": summary,
        "chart_data": summary.chart_data(),
        "channels": Channel.choices,
        "purposes": Purpose.choices,
        "single": len(people) == 1,
        "person": people[0] if len(people) == 1 else None,
    }
    return render(request, "communications/rep_summary.html", context)
