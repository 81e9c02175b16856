"""Customer pages: list, detail with inline sections, forms, archive, history, birthdays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import retarget

from crm_project.form_errors import apply_service_errors
from crm_project.roles import role_of

from . import history, selectors, services
from .forms import (
    CompetitorIntelForm,
    ContactPersonForm,
    CustomerFilterForm,
    CustomerForm,
    FeedbackForm,
    HouseholdForm,
    HouseholdMemberForm,
    InterestForm,
    TeamMemberForm,
)
from .models import (
    SEES_ALL,
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
)
from .panels import CUSTOMER_FACTS, CUSTOMER_TABS

PAGE_SIZE = 25


def _visible_customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk)
    except Customer.DoesNotExist as missing:
        raise Http404 from missing


def _editable_customer(request: HttpRequest, pk: int) -> Customer:
    customer = _visible_customer(request, pk)
    if not selectors.customer_can_edit(user=request.user, customer=customer):
        raise PermissionDenied
    return customer


def _can_assign_owner(request: HttpRequest) -> bool:
    return role_of(request.user) in SEES_ALL


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    choices = selectors.customer_filter_choices(user=request.user)
    form = CustomerFilterForm(request.GET or None, owners=choices["owners"])
    customers = selectors.customer_list(user=request.user, **form.selector_kwargs())
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "choices": choices, "query": query.urlencode()}
    template = "accounts/customer_list.html#results" if request.htmx else "accounts/customer_list.html"
    return render(request, template, context)


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        customer = selectors.customer_detail(user=request.user, pk=pk)
    except Customer.DoesNotExist as missing:
        raise Http404 from missing
    return render(request, "accounts/customer_detail.html", _detail_context(request, customer))


def _detail_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    interests = list(customer.interests.all())
    team = list(customer.team_members.all())
    role = role_of(request.user)
    can_edit = (
        role in SEES_ALL
        or customer.owner_id == request.user.pk
        or any(member.user_id == request.user.pk and member.can_edit for member in team)
    )
    return {
        "customer": customer,
        "extra_tabs": CUSTOMER_TABS,
        "extra_facts": CUSTOMER_FACTS,
        "can_edit": can_edit,
        "can_manage_team": role in SEES_ALL or customer.owner_id == request.user.pk,
        "likes": [i for i in interests if i.sentiment == Interest.Sentiment.LIKE],
        "dislikes": [i for i in interests if i.sentiment == Interest.Sentiment.DISLIKE],
        "team": team,
        "competitor_total": selectors.competitor_spend_total(customer),
    }


def _render_section(request: HttpRequest, customer_pk: int, section: str) -> HttpResponse:
    customer = selectors.customer_detail(user=request.user, pk=customer_pk)
    return render(request, f"accounts/customer_detail.html#{section}", _detail_context(request, customer))


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    return _customer_form(request, customer=None)


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _customer_form(request, customer=_editable_customer(request, pk))


def _customer_form(request: HttpRequest, *, customer: Customer | None) -> HttpResponse:
    can_assign = _can_assign_owner(request)
    owners = selectors.owner_candidates() if can_assign else None
    form = CustomerForm(request.POST or None, instance=customer, can_assign_owner=can_assign, owners=owners)
    similar: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        similar = selectors.customer_similar(
            user=request.user, name=fields["name"], exclude_pk=customer.pk if customer else None
        )
        if customer is not None and customer.name == fields["name"]:
            similar = []
        if similar and not form.cleaned_data.get("confirm_similar"):
            form.add_error("confirm_similar", _("Similar customers exist. Check them, then confirm to save."))
        else:
            try:
                if customer is None:
                    saved = services.customer_create(by=request.user, **fields)
                    messages.success(request, _("Customer %(name)s created.") % {"name": saved.name})
                else:
                    saved = services.customer_update(customer=customer, by=request.user, **fields)
                    messages.success(request, _("Changes to %(name)s saved.") % {"name": saved.name})
                return redirect(saved)
            except ValidationError as error:
                apply_service_errors(form, error)
    duplicates = selectors.customer_duplicates_for_form(user=request.user, form=form, exclude=customer)
    return render(
        request,
        "accounts/customer_form.html",
        {
            "form": form,
            "customer": customer,
            "similar": similar,
            "duplicates": duplicates,
            "vocabulary": selectors.customer_vocabulary(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable_customer(request, pk)
    if request.method == "POST":
        services.customer_archive(customer=customer, by=request.user)
        messages.success(request, _("%(name)s was archived. It no longer shows in lists.") % {"name": customer.name})
        return redirect("accounts:customer_list")
    return render(request, "accounts/customer_confirm_delete.html", {"customer": customer})


@login_required
@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _editable_customer(request, pk)
    services.customer_restore(customer=customer, by=request.user)
    messages.success(request, _("%(name)s is active again.") % {"name": customer.name})
    return redirect(customer)


@dataclass(frozen=True)
class Section:
    """One inline-editable part of the customer page."""

    key: str
    model: type[models.Model]
    form_class: type
    title_add: str
    title_edit: str
    save: Callable[..., Any]
    form_needs_customer: bool = False
    lookup: str = "customer"

    def get(self, customer: Customer, child_pk: int) -> models.Model:
        try:
            return self.model.objects.get(pk=child_pk, **{self.lookup: customer})
        except self.model.DoesNotExist as missing:
            raise Http404 from missing

    def form(self, request: HttpRequest, customer: Customer, instance: models.Model | None) -> Any:
        kwargs: dict[str, Any] = {"instance": instance}
        if self.form_needs_customer:
            kwargs["customer"] = customer
        return self.form_class(request.POST or None, **kwargs)


def _save_contact(form, customer, instance, by):
    return services.contact_save(by=by, customer=customer, contact=instance, **form.cleaned_data)


def _save_household(form, customer, instance, by):
    return services.household_save(by=by, customer=customer, household=instance, **form.cleaned_data)


def _save_member(form, customer, instance, by):
    fields = dict(form.cleaned_data)
    household = fields.pop("household", None)
    new_name = fields.pop("new_household", "")
    if instance is None and household is None:
        household = services.household_save(by=by, customer=customer, name=new_name)
    if household is not None and instance is not None:
        instance.household = household
    return services.household_member_save(by=by, household=household, member=instance, **fields)


def _save_interest(form, customer, instance, by):
    return services.interest_save(by=by, customer=customer, interest=instance, **form.cleaned_data)


def _save_feedback(form, customer, instance, by):
    return services.feedback_save(by=by, customer=customer, feedback=instance, **form.cleaned_data)


def _save_intel(form, customer, instance, by):
    return services.competitor_intel_save(by=by, customer=customer, intel=instance, **form.cleaned_data)


SECTIONS = {
    section.key: section
    for section in (
        Section(
            "contacts",
            ContactPerson,
            ContactPersonForm,
            gettext_lazy("Add contact person"),
            gettext_lazy("Edit contact person"),
            _save_contact,
        ),
        Section(
            "households",
            Household,
            HouseholdForm,
            gettext_lazy("Add household"),
            gettext_lazy("Edit household"),
            _save_household,
        ),
        Section(
            "members",
            HouseholdMember,
            HouseholdMemberForm,
            gettext_lazy("Add family member"),
            gettext_lazy("Edit family member"),
            _save_member,
            form_needs_customer=True,
            lookup="household__customer",
        ),
        Section(
            "interests",
            Interest,
            InterestForm,
            gettext_lazy("Add like or dislike"),
            gettext_lazy("Edit interest"),
            _save_interest,
            form_needs_customer=True,
        ),
        Section(
            "feedback",
            Feedback,
            FeedbackForm,
            gettext_lazy("Record voice of customer"),
            gettext_lazy("Edit voice of customer"),
            _save_feedback,
            form_needs_customer=True,
        ),
        Section(
            "competitors",
            CompetitorIntel,
            CompetitorIntelForm,
            gettext_lazy("Add competitor intelligence"),
            gettext_lazy("Edit competitor intelligence"),
            _save_intel,
        ),
    )
}

# The page section a change refreshes (family members live in the household section).
SECTION_PARTIAL = {
    "contacts": "contacts",
    "households": "household",
    "members": "household",
    "interests": "interests",
    "feedback": "feedback",
    "competitors": "competitors",
}


def _section(kind: str) -> Section:
    if kind not in SECTIONS:
        raise Http404
    return SECTIONS[kind]


@login_required
@require_http_methods(["GET", "POST"])
def section_form(request: HttpRequest, pk: int, kind: str, child_pk: int | None = None) -> HttpResponse:
    """Add or edit a contact, household, member, interest, feedback or competitor entry.

    With htmx the form opens inside the customer page and a save refreshes only its
    section; without JavaScript it is an ordinary page that redirects back.
    """
    section = _section(kind)
    customer = _editable_customer(request, pk)
    instance = section.get(customer, child_pk) if child_pk else None
    form = section.form(request, customer, instance)
    if request.method == "POST" and form.is_valid():
        try:
            section.save(form, customer, instance, request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                return _render_section(request, customer.pk, SECTION_PARTIAL[kind])
            messages.success(request, _("Saved."))
            return redirect(f"{customer.get_absolute_url()}#{SECTION_PARTIAL[kind]}")
    context = {
        "customer": customer,
        "form": form,
        "section": section,
        "title": section.title_edit if instance else section.title_add,
        "action": request.path,
        "target": SECTION_PARTIAL[kind],
        "topics": selectors.interest_topic_names() if kind == "interests" else [],
    }
    if request.htmx:
        response = render(request, "accounts/_section_form.html", context)
        return retarget(response, f"#{SECTION_PARTIAL[kind]}-form-slot") if request.method == "POST" else response
    return render(request, "accounts/section_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def section_delete(request: HttpRequest, pk: int, kind: str, child_pk: int) -> HttpResponse:
    section = _section(kind)
    customer = _editable_customer(request, pk)
    record = section.get(customer, child_pk)
    if request.method == "POST":
        services.record_delete(record=record, by=request.user)
        if request.htmx:
            return _render_section(request, customer.pk, SECTION_PARTIAL[kind])
        messages.success(request, _("Removed."))
        return redirect(f"{customer.get_absolute_url()}#{SECTION_PARTIAL[kind]}")
    return render(
        request, "accounts/section_confirm_delete.html", {"customer": customer, "record": record, "section": section}
    )


def _managed_team_customer(request: HttpRequest, pk: int) -> Customer:
    customer = _visible_customer(request, pk)
    if not (role_of(request.user) in SEES_ALL or customer.owner_id == request.user.pk):
        raise PermissionDenied
    return customer


@login_required
@require_http_methods(["GET", "POST"])
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _managed_team_customer(request, pk)
    form = TeamMemberForm(request.POST or None, candidates=selectors.team_candidates(customer=customer))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_member_add(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                return _render_section(request, customer.pk, "team")
            return redirect(customer)
    context = {
        "customer": customer,
        "form": form,
        "title": _("Add to the account team"),
        "action": request.path,
        "target": "team",
    }
    if request.htmx:
        response = render(request, "accounts/_section_form.html", context)
        return retarget(response, "#team-form-slot") if request.method == "POST" else response
    return render(request, "accounts/section_form.html", context)


@login_required
@require_POST
def team_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    customer = _managed_team_customer(request, pk)
    try:
        member = customer.team_members.get(pk=member_pk)
    except AccountTeamMember.DoesNotExist as missing:
        raise Http404 from missing
    services.team_member_remove(member=member, by=request.user)
    if request.htmx:
        return _render_section(request, customer.pk, "team")
    return redirect(customer)


@login_required
def customer_history(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    changes = history.customer_changes(customer=customer)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    template = "accounts/customer_history.html#changes" if request.htmx else "accounts/customer_history.html"
    return render(request, template, {"customer": customer, "page": page})


@login_required
def birthday_list(request: HttpRequest) -> HttpResponse:
    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 366)
    except ValueError:
        days = 30
    birthdays = selectors.upcoming_birthdays(user=request.user, days=days)
    return render(request, "accounts/birthday_list.html", {"birthdays": birthdays, "days": days})
