"""Quick log, the customer timeline and the interaction pages.

My day, the interactions list and the per-rep summary are in views_day.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from accounts.models import Customer
from accounts.panels import timeline_events
from crm_project.form_errors import apply_service_errors

from . import selectors, services
from .forms import InteractionEditForm, QuickLogForm, TimelineFilterForm, customer_label, next_weekday
from .models import Interaction

TIMELINE_PAGE_SIZE = 20
# Events (purchases...) of one page's time range; more are a link away in their own list.
TIMELINE_EVENT_LIMIT = 30
AUTOCOMPLETE_LIMIT = 15


def _visible_customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return Customer.objects.visible_to(request.user).get(pk=pk)
    except Customer.DoesNotExist as missing:
        raise Http404 from missing


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def quick_log(request: HttpRequest) -> HttpResponse:
    """Log a contact in seconds: from the customer page, "my day" or the Log button on every page."""
    customer = None
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if customer_id and str(customer_id).isdigit():
        customer = _visible_customer(request, int(customer_id))
    form = QuickLogForm(request.POST or None, user=request.user, customer=customer)
    logged: Interaction | None = None
    if request.method == "POST" and form.is_valid():
        try:
            logged = services.interaction_log(by=request.user, customer=form.customer, **form.service_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Logged: %(subject)s") % {"subject": logged.subject})
                return redirect(_safe_next(request) or f"{logged.customer.get_absolute_url()}#timeline")
            form = QuickLogForm(user=request.user, customer=customer)
    context = {
        "form": form,
        "customer": customer,
        "logged": logged,
        "next": _safe_next(request),
        "next_tuesday": next_weekday(1),
        "modal": request.GET.get("modal") == "1" or request.POST.get("modal") == "1",
    }
    if request.htmx:
        response = render(request, "communications/_quick_log_form.html", context)
        return trigger_client_event(response, "interactionLogged") if logged else response
    return render(request, "communications/quick_log.html", context)


@login_required
@require_GET
def customer_options(request: HttpRequest) -> HttpResponse:
    """The quick log's customer suggestions, as <option> elements for its datalist."""
    text = request.GET.get("customer_text", "").strip()
    customers = Customer.objects.none()
    if len(text) >= 2:
        customers = (
            Customer.objects.visible_to(request.user)
            .filter(archived_at__isnull=True, name__icontains=text)
            .only("id", "name", "city")
            .order_by("name")[:AUTOCOMPLETE_LIMIT]
        )
    labels = [customer_label(customer) for customer in customers]
    return render(request, "communications/_customer_options.html", {"labels": labels})


@login_required
@require_GET
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    filters = TimelineFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    entries = selectors.timeline(
        user=request.user, customer=customer, channel=chosen.get("channel", ""), purpose=chosen.get("purpose", "")
    )
    page = Paginator(entries, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "customer": customer,
        "page": page,
        "items": _timeline_items(
            request, customer, entries, page, filtered=bool(chosen.get("channel") or chosen.get("purpose"))
        ),
        "filters": filters,
        "query": query.urlencode(),
        "quick_log_form": QuickLogForm(user=request.user, customer=customer),
        "next_tuesday": next_weekday(1),
    }
    if request.htmx and request.htmx.target == "timeline-entries-panel":
        template = "communications/customer_timeline.html#entries"
    elif request.htmx:
        template = "communications/customer_timeline.html#timeline"
    else:
        template = "communications/customer_timeline.html"
    return render(request, template, context)


def _timeline_items(request: HttpRequest, customer: Customer, entries: Any, page: Any, *, filtered: bool) -> list:
    """The page's contacts merged, newest first, with the other apps' events (purchases...) of its time range.

    Page k covers the time after its last contact up to the last contact of page k-1,
    so that every event shows on exactly one page. Filters by channel or purpose show
    contacts only.
    """
    contacts = [("contact", entry) for entry in page.object_list]
    if filtered:
        return contacts
    after = page.object_list[len(page.object_list) - 1].occurred_at if page.has_next() else None
    before = None
    if page.number > 1:
        before = entries.values_list("occurred_at", flat=True)[page.start_index() - 2]
    events = timeline_events(
        customer=customer, user=request.user, after=after, before=before, limit=TIMELINE_EVENT_LIMIT
    )
    merged = contacts + [("event", event) for event in events]
    return sorted(merged, key=lambda item: item[1].occurred_at, reverse=True)


@login_required
@require_GET
def customer_last_contact(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    return render(request, "communications/_last_contact.html", {"last": selectors.last_contact(customer=customer)})


def _interaction(request: HttpRequest, pk: int) -> Interaction:
    try:
        return selectors.interaction_get(user=request.user, pk=pk)
    except Interaction.DoesNotExist as missing:
        raise Http404 from missing


@login_required
@require_GET
def interaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _interaction(request, pk)
    return render(
        request,
        "communications/interaction_detail.html",
        {"interaction": interaction, "can_edit": interaction.editable_by(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _interaction(request, pk)
    if not interaction.editable_by(request.user):
        raise PermissionDenied
    form = InteractionEditForm(request.POST or None, instance=interaction)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        contacts = fields.pop("contacts", [])
        try:
            services.interaction_update(interaction=interaction, by=request.user, contacts=contacts, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Correction saved. The change history keeps the original."))
            return redirect(interaction)
    return render(request, "communications/interaction_form.html", {"form": form, "interaction": interaction})
