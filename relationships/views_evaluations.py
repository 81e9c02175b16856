"""The RM evaluation pages under /programme/evaluations/: the list (and the start form), one
evaluation with the data behind its measured criteria, scoring, finalising, refreshing the
figures and deleting a draft.

Reads go through selectors, writes through services. An evaluation the user may not see
answers 404 (an RM sees only their own final ones, a rep none); general managers and admins
write, anyone else gets 403 on a write to an evaluation they see. A final evaluation is
read-only: its pages show no edit controls and a write to it is refused with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm_project.form_errors import apply_service_errors

from . import selectors, services
from .forms import person_name
from .forms_evaluations import SCORE_WORDS, EvaluationFilterForm, EvaluationScoresForm, EvaluationStartForm
from .models import Evaluation
from .periods import PeriodKind, latest_closed
from .views import _is_manager

PAGE_SIZE = 25
# By number and by the text of a form's choice value, for the templates' lookups.
WORDS = {**SCORE_WORDS, **{str(score): words for score, words in SCORE_WORDS.items()}}


def _evaluation(request: HttpRequest, pk: int) -> Evaluation:
    try:
        return selectors.evaluation_get(user=request.user, pk=pk)
    except Evaluation.DoesNotExist as missing:
        raise Http404 from missing


def _draft(request: HttpRequest, pk: int) -> Evaluation | HttpResponse:
    """The evaluation a manager changes; a final one sends them back to its page, read-only."""
    evaluation = _evaluation(request, pk)
    if not _is_manager(request):
        raise PermissionDenied
    if evaluation.is_final:
        messages.info(request, str(services.EvaluationFinal().messages[0]))
        return redirect(evaluation)
    return evaluation


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for field_messages in error.message_dict.values() for message in field_messages]
    return list(error.messages)


def _finalise_problems(errors: dict[str, list[str]], rows: list[selectors.ScoreRow]) -> list[str]:
    """The service's reasons in sentences: a row's comment problem names its criterion; an
    unscored row is already named in the message about all of them (and marked in the table)."""
    names = {str(row.score.pk): row.score.name for row in rows}
    problems = []
    for key, texts in errors.items():
        field, _sep, pk = key.partition("_")
        if field == "score" and pk in names:
            continue
        for text in texts:
            problems.append(f"{names[pk]}: {text}" if field == "comment" and pk in names else text)
    return problems


def _names(evaluation: Evaluation) -> dict[str, str]:
    return {"rm": person_name(evaluation.relationship_manager), "period": evaluation.period.label}


@login_required
@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    is_manager = _is_manager(request)
    filter_form, filters = None, {}
    if is_manager:
        managers = selectors.evaluation_rm_choices()
        periods = selectors.evaluation_list_periods(user=request.user)
        filter_form = EvaluationFilterForm(request.GET or None, managers=managers, periods=periods)
        filters = filter_form.selector_kwargs()
    evaluations = selectors.evaluation_list(user=request.user, **filters)
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "page": page,
        "filter_form": filter_form,
        "filtered": any(value not in (None, "") for value in filters.values()),
        "has_periods": bool(filter_form and filter_form.fields["period"].choices[1:]),
        "is_manager": is_manager,
        "query": query.urlencode(),
    }
    if is_manager:
        context["start_form"] = _start_form(request, None, managers=managers)
    return render(request, "relationships/evaluation_list.html", context)


def _start_form(request: HttpRequest, data: Any, *, managers: Any = None) -> EvaluationStartForm:
    """The start form, pre-selecting `?relationship_manager=<id>` and `?period=<key>` (the
    scorecards' "Evaluate" link sends both); a period that is not offered leaves the default."""
    today = timezone.localdate()
    periods = selectors.evaluation_period_choices(today=today)
    offered = {period.key for _group, group_periods in periods for period in group_periods}
    initial = {"period": latest_closed(PeriodKind.QUARTER, today).key}
    if request.GET.get("relationship_manager", "").isdigit():
        initial["relationship_manager"] = request.GET["relationship_manager"]
    if request.GET.get("period") in offered:
        initial["period"] = request.GET["period"]
    return EvaluationStartForm(
        data,
        auto_id="start_%s",  # the list page also has a filter form with the same field names
        initial=initial,
        managers=managers if managers is not None else selectors.evaluation_rm_choices(),
        periods=periods,
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_start(request: HttpRequest) -> HttpResponse:
    if not _is_manager(request):
        raise PermissionDenied
    form = _start_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        rm, period = form.cleaned_data["relationship_manager"], form.cleaned_data["period"]
        existing = selectors.evaluation_for(relationship_manager=rm, period=period)
        try:
            evaluation = services.evaluation_start(relationship_manager=rm, period=period, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            names = _names(evaluation)
            if existing is not None:
                messages.info(request, _("%(rm)s already has an evaluation for %(period)s: here it is.") % names)
                return redirect(evaluation)
            messages.success(
                request,
                _(
                    "Evaluation of %(rm)s for %(period)s started: the measured criteria are filled in "
                    "from the period's figures. Score the others."
                )
                % names,
            )
            return redirect("relationships:evaluation_edit", evaluation.pk)
    return render(request, "relationships/evaluation_start.html", {"form": form})


@login_required
@require_GET
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    rows = selectors.evaluation_rows(evaluation)
    is_manager = _is_manager(request)
    context = {
        "evaluation": evaluation,
        "rows": rows,
        "figures": selectors.evaluation_figures(evaluation, user=request.user),
        "bands": selectors.evaluation_bands([row.score.metric for row in rows if row.score.is_measured]),
        "is_manager": is_manager,
        "may_edit": is_manager and not evaluation.is_final,
        "unscored": services.evaluation_unscored([row.score for row in rows]),
        "score_words": WORDS,
    }
    return render(request, "relationships/evaluation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _draft(request, pk)
    if isinstance(evaluation, HttpResponse):
        return evaluation
    rows = selectors.evaluation_rows(evaluation)
    form = EvaluationScoresForm(request.POST or None, evaluation=evaluation, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_save(
                evaluation=evaluation,
                by=request.user,
                scores=form.service_scores(),
                summary=form.cleaned_data["summary"],
            )
        except services.EvaluationFinal as final:
            messages.info(request, final.messages[0])
            return redirect(evaluation)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if "finalise" in request.POST:
                return redirect("relationships:evaluation_finalise", evaluation.pk)
            messages.success(request, _("Draft saved."))
            return redirect("relationships:evaluation_edit", evaluation.pk)
    context = {"evaluation": evaluation, "form": form, "score_words": WORDS}
    return render(request, "relationships/evaluation_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirm step (what stops finalising, if anything); POST: finalise."""
    evaluation = _draft(request, pk)
    if isinstance(evaluation, HttpResponse):
        return evaluation
    rows = selectors.evaluation_rows(evaluation)
    problems = _finalise_problems(services.evaluation_finalise_problems([row.score for row in rows]), rows)
    if request.method == "POST":
        try:
            services.evaluation_finalise(evaluation=evaluation, by=request.user)
        except ValidationError as error:
            messages_ = error.message_dict if hasattr(error, "error_dict") else {"scores": error.messages}
            problems = _finalise_problems(messages_, rows)
        else:
            messages.success(request, _("The evaluation of %(rm)s for %(period)s is final.") % _names(evaluation))
            return redirect(evaluation)
    total = services.evaluation_total([row.score for row in rows])
    context = {"evaluation": evaluation, "rows": rows, "problems": problems, "total": total}
    return render(request, "relationships/evaluation_finalise.html", context)


@login_required
@require_POST
def evaluation_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _draft(request, pk)
    if isinstance(evaluation, HttpResponse):
        return evaluation
    try:
        services.evaluation_refresh(evaluation=evaluation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(_messages_of(error)))
    else:
        messages.success(
            request,
            _("The figures of %(period)s were computed again and the measured criteria read again.")
            % _names(evaluation),
        )
    return redirect("relationships:evaluation_edit", evaluation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _draft(request, pk)
    if isinstance(evaluation, HttpResponse):
        return evaluation
    if request.method == "POST":
        try:
            services.evaluation_delete(evaluation=evaluation, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(_messages_of(error)))
            return redirect(evaluation)
        messages.success(request, _("The draft evaluation of %(rm)s for %(period)s was deleted.") % _names(evaluation))
        return redirect("relationships:evaluation_list")
    return render(request, "relationships/evaluation_confirm_delete.html", {"evaluation": evaluation})
