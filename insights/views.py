"""Pages of the insights app: the customer page's RFM tab and segment fact, segments,
purchases, rollup runs and key-account candidates.

Reads go through selectors.py (scoped to the user), writes through services.py.
The purchase import pages are in views_io.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.csv_io import EXPORT_CHUNK_SIZE, EXPORT_FLUSH_CHARS, csv_cell
from accounts.models import SEES_ALL, Customer
from accounts.selectors import customer_filter_choices
from crm_project.roles import role_of

from . import selectors, services
from .forms import CandidateRuleForm, PurchaseFilterForm, RollupRequestForm, SegmentCustomerFilterForm
from .models import CustomerRFM, KeyAccountCandidate, Segment
from .segments import SEGMENTS

PAGE_SIZE = 25
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _visible_customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return Customer.objects.visible_to(request.user).get(pk=pk)
    except Customer.DoesNotExist as missing:
        raise Http404 from missing


def _require_manager(request: HttpRequest) -> None:
    if role_of(request.user) not in SEES_ALL:
        raise PermissionDenied


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- the customer page ---------------------------------------------------------------------------


@login_required
@require_GET
def customer_rfm(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Purchases & RFM" tab: the RFM card, trend, segment history and latest purchases."""
    customer = _visible_customer(request, pk)
    rfm = selectors.customer_rfm_get(customer=customer)
    trend = selectors.customer_trend(customer=customer)
    purchases = selectors.customer_purchases_latest(customer=customer)
    chart = {
        "labels": [month.month.strftime("%Y-%m") for month in trend],
        "revenue_12m": [_float(month.snapshot.revenue_12m) if month.snapshot else None for month in trend],
        "monthly": [_float(month.purchase_total) for month in trend],
        "names": {"revenue_12m": _("Revenue, last 12 months"), "monthly": _("Purchase amount in the month")},
    }
    context = {
        "customer": customer,
        "rfm": rfm,
        "info": SEGMENTS.get(rfm.segment) if rfm else None,
        "trend": trend,
        "has_trend": any(month.snapshot or month.purchases for month in trend),
        "chart": chart,
        "purchases": purchases,
        "import_url": _url_if_exists("insights:purchase_import"),
    }
    template = "insights/customer_rfm.html#tab" if request.htmx else "insights/customer_rfm.html"
    return render(request, template, context)


@login_required
@require_GET
def customer_segment(request: HttpRequest, pk: int) -> HttpResponse:
    """The segment badge in the customer page's header."""
    customer = _visible_customer(request, pk)
    rfm = selectors.customer_rfm_get(customer=customer)
    info = SEGMENTS.get(rfm.segment) if rfm else None
    return render(request, "insights/_segment_fact.html", {"customer": customer, "rfm": rfm, "info": info})


# --- segments ------------------------------------------------------------------------------------


@login_required
@require_GET
def segment_overview(request: HttpRequest) -> HttpResponse:
    summary = selectors.segment_summary(user=request.user)
    chart = {
        "labels": [str(row.segment.label) for row in summary.rows],
        "keys": [row.key for row in summary.rows],
        "customers": [row.customers for row in summary.rows],
        "revenue_12m": [float(row.revenue_12m) for row in summary.rows],
        "names": {"customers": _("Customers"), "revenue_12m": _("Revenue, last 12 months")},
    }
    context = {
        "grid": selectors.segment_grid(user=request.user),
        "summary": summary,
        "movement": selectors.segment_movement(user=request.user),
        "as_of": selectors.rfm_as_of(user=request.user),
        "chart": chart,
        "is_manager": role_of(request.user) in SEES_ALL,
    }
    return render(request, "insights/segment_overview.html", context)


def _segment_or_404(segment: str) -> str:
    if segment not in Segment.values:
        raise Http404
    return segment


def _segment_customers(request: HttpRequest, segment: str) -> tuple[SegmentCustomerFilterForm, QuerySet, dict]:
    choices = customer_filter_choices(user=request.user)
    form = SegmentCustomerFilterForm(request.GET or None, owners=choices["owners"])
    rows = selectors.segment_customer_list(user=request.user, segment=segment, **form.selector_kwargs())
    return form, rows, choices


@login_required
@require_GET
def segment_customers(request: HttpRequest, segment: str) -> HttpResponse:
    segment = _segment_or_404(segment)
    form, rows, choices = _segment_customers(request, segment)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    cell = form.cleaned_data if form.is_valid() else {}
    context = {
        "info": SEGMENTS[segment],
        "form": form,
        "choices": choices,
        "page": page,
        "query": _query_without_page(request),
        "cell": (cell.get("r"), cell.get("f")) if cell.get("r") or cell.get("f") else None,
    }
    template = "insights/segment_customers.html#results" if request.htmx else "insights/segment_customers.html"
    return render(request, template, context)


SEGMENT_EXPORT_COLUMNS = (
    "name",
    "external_ref",
    "owner",
    "industry",
    "city",
    "tier",
    "email",
    "phone",
    "segment",
    "r_score",
    "f_score",
    "m_score",
    "recency_days",
    "frequency",
    "monetary",
    "revenue_12m",
    "growth",
    "share_of_wallet",
)


def _export_row(rfm: CustomerRFM) -> tuple:
    customer = rfm.customer
    return (
        customer.name,
        customer.external_ref,
        customer.owner.get_username(),
        customer.industry,
        customer.city,
        customer.tier,
        customer.email,
        customer.phone,
        rfm.segment,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.revenue_12m,
        rfm.growth,
        rfm.share_of_wallet,
    )


def _segment_csv(rows: QuerySet[CustomerRFM]) -> Iterator[str]:
    """One query whatever the number of rows: customer and owner joined, rows read in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(SEGMENT_EXPORT_COLUMNS)
    for rfm in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        writer.writerow([csv_cell(value) for value in _export_row(rfm)])
        if buffer.tell() >= EXPORT_FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@login_required
@require_GET
def segment_export(request: HttpRequest, segment: str) -> StreamingHttpResponse:
    """The segment's customers as CSV for a targeted campaign, with the page's filters and sorting."""
    segment = _segment_or_404(segment)
    _form, rows, _choices = _segment_customers(request, segment)
    response = StreamingHttpResponse(_segment_csv(rows), content_type=CSV_CONTENT_TYPE)
    filename = f"segment-{segment}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- purchases -----------------------------------------------------------------------------------


@login_required
@require_GET
def purchase_list(request: HttpRequest) -> HttpResponse:
    form = PurchaseFilterForm(request.GET or None, customers=Customer.objects.visible_to(request.user))
    purchases = selectors.purchase_list(user=request.user, **form.selector_kwargs())
    page = Paginator(purchases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "totals": selectors.purchase_totals(purchases),
        "customer": form.cleaned_data.get("customer") if form.is_valid() else None,
        "import_url": _url_if_exists("insights:purchase_import"),
        "query": _query_without_page(request),
    }
    template = "insights/purchase_list.html#results" if request.htmx else "insights/purchase_list.html"
    return render(request, template, context)


# --- rollup runs ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rollup_list(request: HttpRequest) -> HttpResponse:
    """Rollup runs, newest first, and "run now"; the list polls while a run is queued or running."""
    _require_manager(request)
    form = RollupRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.rollup_request(
                kind=form.cleaned_data["kind"], as_of=form.cleaned_data["as_of"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(kind)s rollup as of %(as_of)s requested; its status is below.")
                % {"kind": run.get_kind_display(), "as_of": date_format(run.as_of)},
            )
            return redirect(run)
    page = Paginator(selectors.rollup_run_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "polling": selectors.rollup_runs_active(), "query": ""}
    template = "insights/rollup_list.html#runs" if request.htmx else "insights/rollup_list.html"
    return render(request, template, context)


# --- key-account candidates ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def candidate_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    rule = services.candidate_rule_get()
    form = CandidateRuleForm(request.POST or None, initial=CandidateRuleForm.initial_from(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_rule_save(**form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Rule saved; the candidate list is up to date."))
            return redirect("insights:candidate_list")
    candidates = list(selectors.candidate_list(user=request.user))
    context = {
        "form": form,
        "rule": rule,
        "top": [c for c in candidates if c.reason == KeyAccountCandidate.Reason.TOP_REVENUE],
        "growers": [c for c in candidates if c.reason == KeyAccountCandidate.Reason.FAST_GROWTH],
        "nominate_url": _url_if_exists("relationships:key_account_nominate"),
    }
    return render(request, "insights/candidate_list.html", context)


def _url_if_exists(name: str) -> str:
    """For links to pages another app or change brings (the import, the next issue's nominate page):
    without them the link is left out rather than shown dead."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""
