"""The relationship plan pages: list, new plan, plan page (progress, workflow, versions, print),
the inline editor and action evidence.

Reads go through selectors.py, writes through services.py. A plan outside the user's
scope answers 404; a visible plan the user may not change answers 403. Inline rows
answer htmx fragments (`{% partialdef %}`); every page also works without JavaScript.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from accounts.models import SEES_ALL
from crm_project.form_errors import apply_service_errors
from crm_project.roles import Role, role_of

from . import selectors, services
from .forms_plans import (
    ITEM_FORMS,
    PROGRESS_FORMS,
    ApproveForm,
    CopyPreviousForm,
    EvidenceLinkForm,
    EvidenceLogForm,
    PlanCreateForm,
    PlanFieldsForm,
    PlanFilterForm,
    ReturnForm,
)
from .models import Action, Objective, RelationshipPlan

PAGE_SIZE = 25
ITEM_TYPES = ("objective", "strategy", "action", "resource")
MANAGERS = SEES_ALL  # general managers and admins


# -- helpers ------------------------------------------------------------------------------


def _plan(request: HttpRequest, pk: int) -> RelationshipPlan:
    try:
        return selectors.plan_get(user=request.user, pk=pk)
    except RelationshipPlan.DoesNotExist as missing:
        raise Http404 from missing


def _editable_plan(request: HttpRequest, pk: int) -> RelationshipPlan:
    plan = _plan(request, pk)
    if not services.plan_may_write(user=request.user, plan=plan):
        raise PermissionDenied
    return plan


def _item_type(item_type: str) -> str:
    if item_type not in ITEM_TYPES:
        raise Http404
    return item_type


def _item(plan: RelationshipPlan, item_type: str, item_pk: int) -> models.Model:
    model = services.ITEM_MODELS[_item_type(item_type)]
    queryset = model.objects.filter(plan=plan)
    if model is Action:
        queryset = queryset.select_related("owner", "strategy").prefetch_related(
            Prefetch("evidence", queryset=selectors.EVIDENCE)
        )
    try:
        item = queryset.get(pk=item_pk)
    except model.DoesNotExist as missing:
        raise Http404 from missing
    if isinstance(item, Action):
        item.plan = plan
        item.overdue = item.is_overdue(timezone.localdate())
    return item


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


def _htmx_alert(request: HttpRequest, text: str, level: str = "danger") -> HttpResponse:
    """A refused inline change: its reason in the page's alert area instead of the row."""
    html = render_to_string("relationships/plan_alert.html", {"text": text, "level": level}, request=request)
    return reswap(retarget(HttpResponse(html), "#plan-alerts"), "innerHTML")


def _refuse(request: HttpRequest, plan: RelationshipPlan, error: ValidationError, fallback: str) -> HttpResponse:
    text = " ".join(_errors(error))
    if request.htmx:
        return _htmx_alert(request, text)
    messages.error(request, text)
    return redirect(fallback)


def _progress_fragments(request: HttpRequest, plan: RelationshipPlan, where: str = "") -> str:
    """The progress tiles (and on the plan page the objectives) again, swapped out of band."""
    where = where or request.POST.get("where") or request.GET.get("where") or "detail"
    context = {
        "plan": plan,
        "progress": selectors.plan_progress(plan),
        "oob": True,
        "where": where,
        "can_progress": services.plan_can_update_progress(user=request.user, plan=plan),
    }
    return render_to_string("relationships/plan_progress.html", context, request=request)


# -- list ---------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    choices = selectors.plan_filter_choices(user=request.user)
    form = PlanFilterForm(request.GET or None, managers=choices["managers"], years=choices["years"])
    is_manager = role_of(request.user) in MANAGERS
    plans = selectors.plan_list(user=request.user, waiting_first=is_manager, **form.selector_kwargs())
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = selectors.plan_progress_many(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(plan, progress[plan.pk]) for plan in page.object_list],
        "query": query.urlencode(),
        "is_manager": is_manager,
        "may_create": selectors.plan_key_accounts(user=request.user).exists() if not is_manager else True,
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    template = "relationships/plan_list.html#results" if request.htmx else "relationships/plan_list.html"
    return render(request, template, context)


# -- a new plan ---------------------------------------------------------------------------


def _long_term_choices(key_accounts: Any) -> Any:
    return (
        RelationshipPlan.objects.latest()
        .filter(kind=RelationshipPlan.Kind.LONG_TERM, key_account__in=key_accounts)
        .select_related("customer")
        .order_by("customer__name", "-start_year")
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    key_accounts = selectors.plan_key_accounts(user=request.user)
    if role_of(request.user) not in (Role.RELATIONSHIP_MANAGER, *MANAGERS):
        raise PermissionDenied
    initial = {
        "key_account": request.GET.get("key_account"),
        "kind": request.GET.get("kind") or RelationshipPlan.Kind.ANNUAL,
    }
    if request.GET.get("year", "").isdigit():
        initial["start_year"] = int(request.GET["year"])
    form = PlanCreateForm(
        request.POST or None,
        initial=initial,
        key_accounts=key_accounts,
        long_term_plans=_long_term_choices(key_accounts),
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(by=request.user, **form.service_kwargs())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Plan created. Now add its objectives, strategies, actions and resources."))
            return redirect("relationships:plan_edit", pk=plan.pk)
    context = {"form": form, "copy_form": CopyPreviousForm(initial=initial, key_accounts=key_accounts)}
    return render(request, "relationships/plan_form.html", context)


@login_required
@require_POST
def plan_copy_previous(request: HttpRequest) -> HttpResponse:
    """ "Start from last year's plan": the new draft copies objectives, strategies, open actions and resources."""
    form = CopyPreviousForm(request.POST, key_accounts=selectors.plan_key_accounts(user=request.user))
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("relationships:plan_create")
    if not form.is_valid():
        messages.error(request, _("Choose one of your key accounts and a year."))
        return redirect(back)
    try:
        plan = services.plan_copy_from_previous(
            key_account=form.cleaned_data["key_account"], by=request.user, year=form.cleaned_data.get("year")
        )
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return redirect(back)
    messages.success(
        request,
        _("Started from %(source)s: check the objectives and dates, then submit.") % {"source": plan.copied_from},
    )
    return redirect("relationships:plan_edit", pk=plan.pk)


# -- the plan page ------------------------------------------------------------------------


def _detail_context(request: HttpRequest, plan: RelationshipPlan, **extra: Any) -> dict[str, Any]:
    user = request.user
    content = selectors.plan_content(plan)
    related = list(selectors.plan_related(plan, user=user))
    may_write = services.plan_may_write(user=user, plan=plan)
    next_year = plan.start_year + 1
    has_next = any(p.kind == RelationshipPlan.Kind.ANNUAL and p.start_year == next_year for p in related)
    is_gm = role_of(user) in MANAGERS
    context = {
        "plan": plan,
        "content": content,
        "progress": selectors.plan_progress(plan),
        "events": plan.events.select_related("by"),
        "versions": selectors.plan_versions(plan),
        "related": related,
        "can_edit": services.plan_can_edit(user=user, plan=plan),
        "can_progress": services.plan_can_update_progress(user=user, plan=plan),
        "progress_open": plan.superseded_by_id is None and plan.status != RelationshipPlan.Status.SUBMITTED,
        "resource_groups": _resource_groups(plan, content.resources),
        "can_submit": may_write and plan.is_latest and plan.status in ("draft", "returned"),
        "can_decide": is_gm and plan.status == RelationshipPlan.Status.SUBMITTED,
        "can_revise": may_write and plan.is_latest and plan.status == RelationshipPlan.Status.APPROVED,
        "can_start_next": may_write and plan.kind == "annual" and plan.status == "approved" and not has_next,
        "next_year": next_year,
        "may_write": may_write,
        "user_pk": user.pk,
        "return_form": ReturnForm(),
        "approve_form": ApproveForm(),
        "where": "detail",
    }
    context.update(extra)
    return context


def _resource_groups(plan: RelationshipPlan, resources: list[Any]) -> list[dict[str, Any]]:
    """Resources by kind (in the order of the kinds), each kind with its totals."""
    groups = []
    for kind, label in services.ITEM_MODELS["resource"].Kind.choices:
        items = [resource for resource in resources if resource.kind == kind]
        if items:
            amount = sum((resource.amount for resource in items), Decimal("0"))
            spent = sum((resource.spent for resource in items), Decimal("0"))
            groups.append({"kind": kind, "label": label, "items": items, "amount": amount, "spent": spent})
    return groups


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return render(request, "relationships/plan_detail.html", _detail_context(request, plan))


@login_required
@require_GET
def plan_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan page laid out for paper (A4); the same page prints cleanly from the browser too."""
    plan = _plan(request, pk)
    return render(request, "relationships/plan_detail.html", _detail_context(request, plan, print_mode=True))


# -- workflow -----------------------------------------------------------------------------


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    try:
        services.plan_submit(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        if request.POST.get("from") == "edit":
            return redirect("relationships:plan_edit", pk=plan.pk)
        return redirect(plan)
    messages.success(request, _("Submitted. The general manager will approve it or return it with a comment."))
    return redirect(plan)


@login_required
@require_POST
def plan_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """The GM approves a submitted plan, or returns it with a comment (required)."""
    plan = _plan(request, pk)
    if role_of(request.user) not in MANAGERS:
        raise PermissionDenied
    if decision not in ("approve", "return"):
        raise Http404
    form = (ApproveForm if decision == "approve" else ReturnForm)(request.POST)
    if form.is_valid():
        service = services.plan_approve if decision == "approve" else services.plan_return
        try:
            service(plan=plan, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            if "comment" not in getattr(error, "error_dict", {}):
                # Decided meanwhile (by another GM, or withdrawn): say so on the plan page.
                messages.error(request, " ".join(_errors(error)))
                return redirect(plan)
            apply_service_errors(form, error)
        else:
            done = _("Plan approved.") if decision == "approve" else _("Plan returned to the relationship manager.")
            messages.success(request, done)
            return redirect(plan)
    extra = {"return_form": form, "decision_open": True} if decision == "return" else {"approve_form": form}
    return render(request, "relationships/plan_detail.html", _detail_context(request, plan, **extra))


@login_required
@require_POST
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    try:
        revision = services.plan_revise(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return redirect(plan)
    messages.success(
        request,
        _("Version %(version)s started as a draft. Version %(old)s stays in force until this one is approved.")
        % {"version": revision.version, "old": plan.version},
    )
    return redirect("relationships:plan_edit", pk=revision.pk)


# -- the editor ---------------------------------------------------------------------------


def _item_form(plan: RelationshipPlan, item_type: str, data: Any = None, instance: Any = None) -> Any:
    form_class = ITEM_FORMS[item_type]
    # Several rows may be open at once: their fields need ids of their own.
    row = instance.pk if instance is not None else f"new{secrets.token_hex(3)}"
    kwargs: dict[str, Any] = {"plan": plan, "instance": instance, "auto_id": f"{item_type}-{row}-%s"}
    if item_type == "action":
        kwargs["owners"] = selectors.plan_owner_choices(plan)
        kwargs["strategies"] = list(plan.strategies.all())
    return form_class(data, **kwargs)


def _section(plan: RelationshipPlan, item_type: str, content: Any = None) -> dict[str, Any]:
    content = content or selectors.plan_content(plan)
    return {
        "item_type": item_type,
        "items": {
            "objective": content.objectives,
            "strategy": content.strategies,
            "action": content.actions,
            "resource": content.resources,
        }[item_type],
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    if not services.plan_can_edit(user=request.user, plan=plan):
        locked = _("This plan is %(status)s and cannot be changed. Start a revision to change an approved plan.") % {
            "status": plan.get_status_display().lower()
        }
        if request.htmx:  # a stale editor: say why in place rather than swap a page into the form
            return _htmx_alert(request, locked)
        messages.warning(request, locked)
        return redirect(plan)
    form = PlanFieldsForm(request.POST or None, instance=plan)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_update(plan=plan, by=request.user, **form.service_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Saved."))
                return redirect("relationships:plan_edit", pk=plan.pk)
            saved = True
            form = PlanFieldsForm(instance=plan)
    if request.htmx:
        return render(request, "relationships/plan_edit.html#fields", {"plan": plan, "form": form, "saved": saved})
    content = selectors.plan_content(plan)
    context = {
        "plan": plan,
        "form": form,
        "sections": [_section(plan, item_type, content) for item_type in ITEM_TYPES],
        "progress": selectors.plan_progress(plan),
        "baselines_json": _baselines_json(plan),
        "where": "editor",
        "can_progress": True,
        "user_pk": request.user.pk,
    }
    return render(request, "relationships/plan_edit.html", context)


def _baselines_json(plan: RelationshipPlan) -> dict[str, str | None]:
    """Last year's measured figures, offered as baselines when a measured metric is chosen."""
    return {
        metric: None if value is None else format(value.normalize(), "f")
        for metric, value in selectors.objective_baselines(plan).items()
    }


def _row_context(plan: RelationshipPlan, item_type: str, item: Any) -> dict[str, Any]:
    return {"plan": plan, "item_type": item_type, "item": item, "can_edit": True, "where": "editor"}


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_form(request: HttpRequest, pk: int, item_type: str, item_pk: int | None = None) -> HttpResponse:
    """Add or change a row inline: GET opens its form in place, POST saves and answers the row."""
    plan = _editable_plan(request, pk)
    item_type = _item_type(item_type)
    item = _item(plan, item_type, item_pk) if item_pk else None
    form = _item_form(plan, item_type, request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.plan_item_save(
                plan=plan, by=request.user, item_type=item_type, item=item, **form.service_fields()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                return redirect(reverse("relationships:plan_edit", args=[plan.pk]) + f"#section-{item_type}")
            saved = _item(plan, item_type, saved.pk)
            html = render_to_string(
                "relationships/plan_item_row.html", _row_context(plan, item_type, saved), request=request
            )
            response = HttpResponse(html + _progress_fragments(request, plan, "editor"))
            if item_type == "strategy":
                # The actions show their strategy's title: the page updates it in place.
                return trigger_client_event(response, "planStrategyChanged", {"pk": saved.pk, "title": saved.title})
            return response
    context = {"plan": plan, "item_type": item_type, "item": item, "form": form}
    template = "relationships/plan_item_form.html" if request.htmx else "relationships/plan_item_page.html"
    return render(request, template, context)


@login_required
@require_GET
def plan_item_row(request: HttpRequest, pk: int, item_type: str, item_pk: int) -> HttpResponse:
    """A row as it shows in the editor (the Cancel of its inline form)."""
    plan = _editable_plan(request, pk)
    item = _item(plan, item_type, item_pk)
    return render(request, "relationships/plan_item_row.html", _row_context(plan, item_type, item))


@login_required
@require_POST
def plan_item_delete(request: HttpRequest, pk: int, item_type: str, item_pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    item = _item(plan, item_type, item_pk)
    editor = reverse("relationships:plan_edit", args=[plan.pk])
    try:
        services.plan_item_delete(plan=plan, by=request.user, item=item)
    except ValidationError as error:
        return _refuse(request, plan, error, editor)
    if request.htmx:
        response = HttpResponse(_progress_fragments(request, plan, "editor"))
        if item_type == "strategy":
            return trigger_client_event(response, "planStrategyChanged", {"pk": item_pk, "title": None})
        return response
    return redirect(f"{editor}#section-{item_type}")


@login_required
@require_POST
def plan_item_move(request: HttpRequest, pk: int, item_type: str, item_pk: int) -> HttpResponse:
    """Up or down one place; the editor's buttons, for fingers rather than a mouse."""
    plan = _editable_plan(request, pk)
    item = _item(plan, item_type, item_pk)
    model = services.ITEM_MODELS[item_type]
    ids = list(model.objects.filter(plan=plan).values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return _reorder(request, plan, item_type, ids)


@login_required
@require_POST
def plan_items_reorder(request: HttpRequest, pk: int, item_type: str) -> HttpResponse:
    """The whole order at once (`ids`, first to last), for clients that drag rows."""
    plan = _editable_plan(request, pk)
    item_type = _item_type(item_type)
    try:
        ids = [int(value) for value in request.POST.getlist("ids")]
    except ValueError:
        ids = []
    return _reorder(request, plan, item_type, ids)


def _reorder(request: HttpRequest, plan: RelationshipPlan, item_type: str, ids: list[int]) -> HttpResponse:
    editor = reverse("relationships:plan_edit", args=[plan.pk])
    try:
        services.plan_items_reorder(plan=plan, by=request.user, item_type=item_type, ids=ids)
    except ValidationError as error:
        return _refuse(request, plan, error, editor)
    if not request.htmx:
        return redirect(f"{editor}#section-{item_type}")
    context = {"plan": plan, "can_edit": True, "where": "editor", **_section(plan, item_type)}
    return render(request, "relationships/plan_edit.html#rows", context)


# -- progress on a running plan -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_progress(request: HttpRequest, pk: int, item_type: str, item_pk: int) -> HttpResponse:
    """What changes while a plan runs, also once approved: an action's status, an objective's
    actual entered by hand, a resource's amount used."""
    plan = _plan(request, pk)
    if item_type not in PROGRESS_FORMS:
        raise Http404
    item = _item(plan, item_type, item_pk)
    action = item if isinstance(item, Action) else None
    if not services.plan_can_update_progress(user=request.user, plan=plan, action=action):
        raise PermissionDenied
    if isinstance(item, Objective) and item.is_measured:
        raise Http404
    form = PROGRESS_FORMS[item_type](request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_item_save(plan=plan, by=request.user, item_type=item_type, item=item, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Progress saved."))
                return redirect(plan)
            return _progress_response(request, plan, item_type, item.pk)
    if request.htmx and request.method == "POST":
        return _htmx_alert(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    context = {"plan": plan, "item_type": item_type, "item": item, "form": form, "progress_page": True}
    return render(request, "relationships/plan_item_page.html", context)


def _progress_response(request: HttpRequest, plan: RelationshipPlan, item_type: str, item_pk: int) -> HttpResponse:
    """The changed row (as the page shows it) and, out of band, the plan's progress."""
    item = _item(plan, item_type, item_pk)
    where = request.POST.get("where") or "detail"
    context = {
        "plan": plan,
        "item": item,
        "item_type": item_type,
        "can_progress": True,
        "can_edit": where == "editor",
        "where": where,
        "user_pk": request.user.pk,
    }
    if item_type == "action":
        context["action"] = item
        template = "relationships/plan_item_row.html" if where == "editor" else "relationships/plan_action.html"
    elif item_type == "resource":
        context["resource"] = item
        template = "relationships/plan_detail.html#resource-row"
    else:
        # The objective comes back with the objectives list, out of band.
        return HttpResponse(_progress_fragments(request, plan))
    html = render_to_string(template, context, request=request) + _progress_fragments(request, plan)
    return HttpResponse(html)


# -- evidence -----------------------------------------------------------------------------


def _progress_action(request: HttpRequest, pk: int, action_pk: int) -> tuple[RelationshipPlan, Action]:
    plan = _plan(request, pk)
    action = _item(plan, "action", action_pk)
    if not services.plan_can_update_progress(user=request.user, plan=plan, action=action):
        raise PermissionDenied
    return plan, action


@login_required
@require_http_methods(["GET", "POST"])
def action_log(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Log the visit or call that carried out an action: it lands in the customer's communication
    log, is linked as the action's evidence and (by default) completes the action."""
    plan, action = _progress_action(request, pk, action_pk)
    form = EvidenceLogForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        mark_done = fields.pop("mark_done", False)
        try:
            interaction = services.action_log_interaction(action=action, by=request.user, mark_done=mark_done, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Logged: %(subject)s") % {"subject": interaction.subject})
                return redirect(plan)
            return _progress_response(request, plan, "action", action.pk)
    return _evidence_form(request, plan, action, form, "log")


@login_required
@require_http_methods(["GET", "POST"])
def action_link(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Link one of the customer's recent interactions to an action as its evidence."""
    plan, action = _progress_action(request, pk, action_pk)
    choices = list(selectors.action_evidence_choices(action))
    form = EvidenceLinkForm(request.POST or None, choices=choices, initial={"mark_done": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_link_interaction(
                action=action,
                interaction=form.cleaned_data["interaction"],
                by=request.user,
                mark_done=form.cleaned_data["mark_done"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Interaction linked."))
                return redirect(plan)
            return _progress_response(request, plan, "action", action.pk)
    return _evidence_form(request, plan, action, form, "link", choices=choices)


def _evidence_form(
    request: HttpRequest, plan: RelationshipPlan, action: Action, form: Any, mode: str, **extra: Any
) -> HttpResponse:
    where = request.POST.get("where") or request.GET.get("where") or "detail"
    context = {"plan": plan, "action": action, "form": form, "mode": mode, "where": where, **extra}
    if not request.htmx:
        return render(request, "relationships/plan_item_page.html", context)
    response = render(request, "relationships/plan_evidence_form.html", context)
    if request.method == "POST":
        # The form comes back with its errors in the action's slot, not over the action.
        response = reswap(retarget(response, f"#action-{action.pk}-slot"), "innerHTML")
    return response
