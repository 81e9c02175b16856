"""Pages of the key-account programme (except plans, in views_plans.py): key accounts,
nomination, RM assignment and retirement, relationship managers, trainings and job descriptions.

Reads go through selectors.py (scoped to the user), writes through services.py. Pages only a
general manager (or admin) may use answer 403 to other roles, as insights' manager pages do;
a record outside the user's scope answers 404.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import SEES_ALL, Customer
from accounts.selectors import customer_search
from communications.selectors import last_contact
from crm_project.form_errors import apply_service_errors
from crm_project.roles import Role, role_of
from crm_project.selectors import users_in_role
from insights.models import KeyAccountCandidate

from . import selectors, services
from .forms import (
    AssignForm,
    CriterionFormSet,
    JobDescriptionForm,
    KeyAccountFilterForm,
    NewCriterionFormSet,
    NominateForm,
    RetireForm,
    RMProfileForm,
    TrainingFilterForm,
    TrainingForm,
    criteria_initial,
    person_name,
    training_people,
)
from .models import JobDescription, KeyAccount, RelationshipPlan, Training

PAGE_SIZE = 50


def _is_manager(request: HttpRequest) -> bool:
    return role_of(request.user) in SEES_ALL


def _require_manager(request: HttpRequest) -> None:
    if not _is_manager(request):
        raise PermissionDenied


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _or_404(queryset: Any, **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as missing:
        raise Http404 from missing


# --- key accounts ----------------------------------------------------------------------------


def _visible_key_account(request: HttpRequest, pk: int) -> KeyAccount:
    try:
        return selectors.key_account_get(user=request.user, pk=pk)
    except KeyAccount.DoesNotExist as missing:
        raise Http404 from missing


@login_required
@require_GET
def key_account_list(request: HttpRequest) -> HttpResponse:
    form = KeyAccountFilterForm(request.GET or None)
    filters = form.selector_kwargs()
    key_accounts = selectors.key_account_list(user=request.user, **filters)
    page = Paginator(key_accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": selectors.key_account_health(page.object_list),
        "query": _query_without_page(request),
        "is_manager": _is_manager(request),
        "this_year": timezone.localdate().year,
    }
    if request.htmx:
        return render(request, "relationships/key_account_list.html#results", context)
    if context["is_manager"]:
        context["managers"] = selectors.rm_user_list()
        context["approvals"] = list(selectors.pending_approvals(user=request.user))
    return render(request, "relationships/key_account_list.html", context)


@login_required
@require_GET
def key_account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key_account = _visible_key_account(request, pk)
    plans = selectors.key_account_plans(key_account)
    latest = [plan for plan in plans if plan.is_latest]
    may_plan = key_account.is_active and (
        _is_manager(request) or key_account.relationship_manager_id == request.user.pk
    )
    new_plan_url = reverse("relationships:plan_create") if may_plan else ""
    context = {
        "key_account": key_account,
        "customer": key_account.customer,
        "assignments": selectors.key_account_assignments(key_account),
        "terms": selectors.key_account_terms(key_account),
        "long_term": [plan for plan in plans if plan.kind == RelationshipPlan.Kind.LONG_TERM],
        "annual": [plan for plan in plans if plan.kind == RelationshipPlan.Kind.ANNUAL],
        "progress": selectors.plan_progress_many(latest),
        "health": selectors.key_account_health([key_account])[0],
        "last_contact": last_contact(customer=key_account.customer),
        "today": timezone.localdate(),
        "is_manager": _is_manager(request),
        "new_plan_url": f"{new_plan_url}?key_account={key_account.pk}" if new_plan_url else "",
    }
    return render(request, "relationships/key_account_detail.html", context)


def _candidates() -> dict[int, list[KeyAccountCandidate]]:
    found: dict[int, list[KeyAccountCandidate]] = {}
    for candidate in KeyAccountCandidate.objects.order_by("reason", "rank"):
        found.setdefault(candidate.customer_id, []).append(candidate)
    return found


def _offer_raise_if_full(form: NominateForm | AssignForm, rm: Any) -> None:
    """After a refusal: when the chosen RM is at capacity, offer the explicit raise."""
    profile = getattr(rm, "rm_profile", None) if rm is not None else None
    if profile is not None and rm.load >= profile.capacity:
        form.offer_raise(rm=rm, load=rm.load)


def _show_outcome(request: HttpRequest, outcome: services.Outcome, success: str) -> None:
    messages.success(request, success)
    for warning in outcome.warnings:
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def key_account_nominate(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    customers = Customer.objects.active().exclude(pk__in=KeyAccount.objects.active().values("customer"))
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer", "").isdigit() else {}
    form = NominateForm(
        request.POST or None, initial=initial, customers=customers.order_by("name"), managers=selectors.rm_user_list()
    )
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            outcome = services.key_account_nominate(by=request.user, **kwargs)
        except ValidationError as error:
            apply_service_errors(form, error)
            _offer_raise_if_full(form, kwargs["relationship_manager"])
        else:
            name = outcome.key_account.customer.name
            _show_outcome(request, outcome, _("%(customer)s is now a key account.") % {"customer": name})
            return redirect(outcome.key_account)
    candidates = _candidates()
    selected = str(form["customer"].value() or request.GET.get("customer") or "")
    context = {
        "form": form,
        "candidates": candidates,
        "selected": selected,
        **_customer_options(customers, candidates, selected=selected, text=request.GET.get("q", "")),
    }
    if request.htmx and "q" in request.GET:
        return render(request, "relationships/key_account_nominate.html#customer_select", context)
    return render(request, "relationships/key_account_nominate.html", context)


NOMINATE_OPTIONS = 50  # the "other customers" a page lists at once; the search box finds the rest


def _customer_options(customers: Any, candidates: dict, *, selected: str, text: str) -> dict[str, Any]:
    """The candidates, and at most NOMINATE_OPTIONS other customers (matching `text`), plus the
    one selected: a select of every customer would be megabytes at 100,000 customers."""
    others = customers.exclude(pk__in=list(candidates)).order_by("name")
    listed = customers.filter(pk__in=list(candidates)).order_by("name")
    if text.strip():
        others, listed = customer_search(others, text), customer_search(listed, text)
    shown = list(others[: NOMINATE_OPTIONS + 1])
    more = len(shown) > NOMINATE_OPTIONS
    shown = shown[:NOMINATE_OPTIONS]
    if selected.isdigit() and int(selected) not in candidates and all(c.pk != int(selected) for c in shown):
        shown = [*customers.filter(pk=int(selected)), *shown]
    return {
        "candidate_options": list(listed),
        "other_options": shown,
        "more_options": more,
        "search_text": text.strip(),
    }


def _managed_key_account(request: HttpRequest, pk: int) -> KeyAccount:
    _require_manager(request)
    key_account = _visible_key_account(request, pk)
    if not key_account.is_active:
        raise Http404
    return key_account


@login_required
@require_http_methods(["GET", "POST"])
def key_account_assign(request: HttpRequest, pk: int) -> HttpResponse:
    key_account = _managed_key_account(request, pk)
    managers = selectors.rm_user_list()
    form = AssignForm(request.POST or None, managers=managers)
    if request.method == "POST" and form.is_valid():
        rm = form.cleaned_data["relationship_manager"]
        try:
            outcome = services.key_account_assign(
                key_account=key_account,
                relationship_manager=rm,
                by=request.user,
                reason=form.cleaned_data["reason"],
                raise_capacity=form.cleaned_data["raise_capacity"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            _offer_raise_if_full(form, rm)
        else:
            rm = person_name(outcome.key_account.relationship_manager)
            _show_outcome(
                request,
                outcome,
                _("%(rm)s now manages %(customer)s.") % {"rm": rm, "customer": key_account.customer.name},
            )
            return redirect(key_account)
    context = {"form": form, "key_account": key_account, "managers": managers}
    return render(request, "relationships/key_account_assign.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def key_account_retire(request: HttpRequest, pk: int) -> HttpResponse:
    key_account = _managed_key_account(request, pk)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_account_retire(key_account=key_account, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(customer)s is no longer a key account; its history is kept.")
                % {"customer": key_account.customer.name},
            )
            return redirect(key_account)
    return render(request, "relationships/key_account_retire.html", {"form": form, "key_account": key_account})


@login_required
@require_GET
def customer_key_account(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer page's header fact: key account since when, and its RM."""
    customer = _or_404(Customer.objects.visible_to(request.user), pk=pk)
    key_account = KeyAccount.objects.active().filter(customer=customer).select_related("relationship_manager").first()
    return render(request, "relationships/_customer_fact.html", {"key_account": key_account})


# --- relationship managers -------------------------------------------------------------------


@login_required
@require_GET
def rm_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return render(request, "relationships/rm_list.html", {"managers": selectors.rm_user_list()})


@login_required
@require_GET
def rm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rm = selectors.rm_user_get(user=request.user, pk=pk)
    except get_user_model().DoesNotExist as missing:
        raise Http404 from missing
    profile = getattr(rm, "rm_profile", None)
    key_accounts = selectors.key_account_list(user=request.user, rm=str(rm.pk))
    job_description = profile.job_description if profile else None
    context = {
        "rm": rm,
        "profile": profile,
        "rows": selectors.key_account_health(key_accounts),
        "assignments": selectors.rm_assignments(rm=rm, user=request.user)[:30],
        "trainings": selectors.training_list(user=request.user, person=rm),
        "job_description": job_description,
        "criteria": list(job_description.criteria.all()) if job_description else [],
        "is_manager": _is_manager(request),
        "this_year": timezone.localdate().year,
    }
    return render(request, "relationships/rm_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rm_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    rm = _or_404(selectors.rm_user_list(), pk=pk)
    profile = getattr(rm, "rm_profile", None)
    if profile is not None:
        initial = {
            "reports_to": profile.reports_to_id,
            "capacity": profile.capacity,
            "start_date": profile.start_date,
            "languages": profile.languages,
            "notes": profile.notes,
            "job_description": profile.job_description_id,
        }
    else:
        boss = request.user if role_of(request.user) is Role.GENERAL_MANAGER else None
        initial = {"reports_to": boss.pk if boss else None, "capacity": 3, "start_date": timezone.localdate()}
    form = RMProfileForm(
        request.POST or None,
        initial=initial,
        managers=users_in_role(Role.GENERAL_MANAGER),
        job_descriptions=JobDescription.objects.filter(is_current=True).order_by("title"),
        load=rm.load,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = services.rm_profile_save(user=rm, **form.profile_kwargs())
                job_description = form.cleaned_data["job_description"]
                if saved.job_description_id != (job_description.pk if job_description else None):
                    services.job_description_assign(profile=saved, job_description=job_description, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Profile of %(rm)s saved.") % {"rm": person_name(rm)})
            return redirect("relationships:rm_detail", rm.pk)
    return render(request, "relationships/rm_form.html", {"form": form, "rm": rm, "profile": profile})


# --- trainings -------------------------------------------------------------------------------


@login_required
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) is None:
        raise PermissionDenied
    is_manager = _is_manager(request)
    filter_form = TrainingFilterForm(request.GET or None, people=training_people()) if is_manager else None
    person = filter_form.cleaned_data.get("person") if filter_form and filter_form.is_valid() else None
    trainings = selectors.training_list(user=request.user, person=person)
    page = Paginator(trainings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter_form": filter_form,
        "is_manager": is_manager,
        "query": _query_without_page(request),
        "expiry_days": selectors.TRAINING_EXPIRY_WARNING_DAYS,
    }
    return render(request, "relationships/training_list.html", context)


def _training_form(request: HttpRequest, training: Training | None) -> HttpResponse:
    is_manager = _is_manager(request)
    people = training_people() if is_manager and training is None else None
    initial = TrainingForm.initial_from(training) if training else {"person": request.GET.get("person")}
    form = TrainingForm(request.POST or None, request.FILES or None, initial=initial, people=people)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data.get("person") or (training.user if training else request.user)
        old_file = training.certificate.name if training and training.certificate else ""
        try:
            saved = services.training_save(by=request.user, user=person, training=training, **form.service_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if old_file and old_file != saved.certificate.name:
                saved.certificate.storage.delete(old_file)
            messages.success(request, _("Training “%(course)s” saved.") % {"course": saved.course})
            return redirect("relationships:training_list")
    return render(request, "relationships/training_form.html", {"form": form, "training": training})


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in (Role.SALES_REP, Role.RELATIONSHIP_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN):
        raise PermissionDenied
    return _training_form(request, None)


def _visible_training(request: HttpRequest, pk: int) -> Training:
    return _or_404(Training.objects.visible_to(request.user).select_related("user"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _training_form(request, _visible_training(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    training = _visible_training(request, pk)
    if request.method == "POST":
        services.training_delete(training=training, by=request.user)
        messages.success(request, _("Training “%(course)s” deleted.") % {"course": training.course})
        return redirect("relationships:training_list")
    return render(request, "relationships/training_confirm_delete.html", {"training": training})


@login_required
@require_GET
def training_certificate(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate file, only for who may see the training (never a public media URL)."""
    training = _visible_training(request, pk)
    if not training.certificate:
        raise Http404
    try:
        handle = training.certificate.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    name = Path(training.certificate.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, filename=name)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- job descriptions ------------------------------------------------------------------------


def _require_reader_of_job_descriptions(request: HttpRequest) -> None:
    if role_of(request.user) not in (Role.GENERAL_MANAGER, Role.ADMIN, Role.RELATIONSHIP_MANAGER):
        raise PermissionDenied


@login_required
@require_GET
def job_description_list(request: HttpRequest) -> HttpResponse:
    _require_reader_of_job_descriptions(request)
    visible = selectors.job_descriptions_visible(user=request.user)
    job_descriptions = selectors.job_description_list().filter(pk__in=visible.values("pk"))
    context = {"job_descriptions": job_descriptions, "is_manager": _is_manager(request)}
    return render(request, "relationships/job_description_list.html", context)


@login_required
@require_GET
def job_description_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job_description = _or_404(selectors.job_descriptions_visible(user=request.user).select_related("written_by"), pk=pk)
    criteria = list(job_description.criteria.all())
    context = {
        "job_description": job_description,
        "criteria": criteria,
        "total": sum((criterion.weight for criterion in criteria), 0),
        "versions": selectors.job_description_versions(job_description),
        "holders": job_description.holders.select_related("user"),
        "is_manager": _is_manager(request),
    }
    return render(request, "relationships/job_description_detail.html", context)


def _criteria_errors(kept: list[Any], error: services.CriteriaErrors) -> None:
    for form, row in zip(kept, error.rows, strict=False):
        apply_service_errors(form, row)


def _job_description_form(request: HttpRequest, job_description: JobDescription | None) -> HttpResponse:
    initial = JobDescriptionForm.initial_from(job_description) if job_description else {}
    form = JobDescriptionForm(request.POST or None, initial=initial)
    if job_description is None:
        formset = NewCriterionFormSet(request.POST or None, prefix="criteria")
    else:
        rows = None if request.method == "POST" else criteria_initial(job_description)
        formset = CriterionFormSet(request.POST or None, initial=rows, prefix="criteria")
    total_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = formset.kept_forms()
        try:
            saved = services.job_description_save(
                by=request.user,
                fields=form.cleaned_data,
                criteria=[row.service_row() for row in kept],
                job_description=job_description,
            )
        except services.CriteriaErrors as error:
            _criteria_errors(kept, error)
            total_errors = list(error.total)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            total_errors = errors.pop("criteria", [])
            if errors:
                apply_service_errors(form, ValidationError(errors))
        else:
            if job_description is None:
                messages.success(request, _("Job description “%(title)s” published.") % {"title": saved.title})
            else:
                messages.success(
                    request,
                    _(
                        "Version %(version)d of “%(title)s” published; "
                        "the relationship managers who held it moved to it."
                    )
                    % {"version": saved.version, "title": saved.title},
                )
            return redirect(saved)
    context = {
        "form": form,
        "formset": formset,
        "total_errors": total_errors,
        "job_description": job_description,
        "metric_kind": "measured",
    }
    return render(request, "relationships/job_description_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_description_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return _job_description_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def job_description_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    job_description = _or_404(JobDescription.objects.all(), pk=pk)
    if not job_description.is_current:
        current = JobDescription.objects.get(lineage=job_description.lineage, is_current=True)
        messages.info(request, _("You were editing an older version; this is the current one."))
        return redirect("relationships:job_description_edit", current.pk)
    return _job_description_form(request, job_description)
