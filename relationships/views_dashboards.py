"""The GM's dashboards under /programme/dashboards/: RM scorecards (an RM sees their own),
programme health and profitability (general managers and admins), the period computations and
the contact-cost rates.

Every dashboard reads the stored period tables through selectors/dashboard_*.py, shares the
filters of forms_dashboards.DashboardFilterForm, draws its charts with crm_project.charts and
answers `?export=<table>` with the table's raw numbers as CSV. As on the other programme pages,
a page only general managers and admins use answers 403 to other roles; a scorecard outside the
user's scope (another RM's, or any for a sales rep) answers 404.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import SEES_ALL
from crm_project import charts
from crm_project.formatting import format_money
from crm_project.roles import Role, role_of
from insights.segments import segment_info
from insights.templatetags.insights_tags import percent, signed_percent

from . import selectors
from .forms_dashboards import ContactCostForm, DashboardFilterForm, parse_period
from .models import Metric, PeriodComputation, RelationshipManagerProfile, RelationshipPlan
from .periods import Period
from .selectors.evaluations import evaluation_bands, metric_numbers_text, metric_value_text
from .services.figures import contact_cost_rates, contact_cost_rates_save, period_request
from .views import _is_manager, _require_manager

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
TIMES = "\u00d7"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# -- formatting shared by the charts and the tables -------------------------------------------------


def score_text(value: Any) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True)


def times_text(value: Any) -> str:
    """A return on cost: 1.5 -> "1.50x" (with the multiplication sign)."""
    return f"{number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)}{TIMES}"


def percent0(value: Any) -> str:
    return percent(value, 0)


def segment_label(key: str) -> str:
    info = segment_info(key) if key else None
    return str(info.label) if info else _("No segment")


# -- requests, filters and the period's computation -----------------------------------------------


@dataclass
class Board:
    """What every dashboard page shows above its figures."""

    form: DashboardFilterForm
    filters: selectors.DashboardFilters
    computation: PeriodComputation | None
    is_manager: bool

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def is_computed(self) -> bool:
        return self.computation is not None and self.computation.data_until is not None

    def context(self, tab: str) -> dict[str, Any]:
        query = self.filters.query()
        return {
            "board": self,
            "form": self.form,
            "filters": self.filters,
            "period": self.period,
            "computation": self.computation,
            "is_manager": self.is_manager,
            "tab": tab,
            "filter_query": urlencode(query),
        }


def _board(request: HttpRequest) -> Board:
    """The filters (bad values fall back to their default, with a message), the choices they
    offer and the period's computation: three queries (two for an RM)."""
    is_manager = _is_manager(request)
    try:
        period = parse_period(request.GET.get("period", ""))
    except ValueError:
        period = selectors.dashboard_default_period()
    choices = selectors.dashboard_filter_choices(user=request.user, period=period)
    form = DashboardFilterForm(request.GET, choices=choices, with_rm=is_manager)
    filters = form.filters()
    if "export" not in request.GET:
        for problem in form.problems:
            messages.warning(request, problem)
    return Board(
        form=form,
        filters=filters,
        computation=selectors.period_computation_get(filters.period),
        is_manager=is_manager,
    )


# -- CSV exports --------------------------------------------------------------------------------------

Rows = Iterable[Sequence[Any]]
Export = tuple[Sequence[str], Callable[[], Rows]]


def _cell(value: Any) -> Any:
    """Numbers stay raw; text that a spreadsheet would run as a formula is quoted (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return value


def _csv_response(name: str, period: Period, columns: Sequence[str], rows: Rows) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a spreadsheet then reads the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="relasi-{name}-{period.key}.csv"'
    return response


def _export(request: HttpRequest, board: Board, page: str, exports: dict[str, Export]) -> HttpResponse | None:
    """The `?export=<table>` answer, or None when the request is not an export."""
    name = request.GET.get("export")
    if name is None:
        return None
    if name not in exports:
        raise Http404
    columns, rows = exports[name]
    return _csv_response(f"{page}-{name}", board.period, columns, rows())


# -- RM scorecards --------------------------------------------------------------------------------


def _require_scorecard_reader(request: HttpRequest) -> None:
    # A sales rep has no scorecard to see: the page does not exist for them.
    if role_of(request.user) not in (*SEES_ALL, Role.RELATIONSHIP_MANAGER):
        raise Http404


def _evaluation_url(evaluation_id: int | None) -> str:
    return reverse("relationships:evaluation_detail", args=[evaluation_id]) if evaluation_id is not None else ""


def _scorecard_exports(cards: list[selectors.Scorecard], period: Period) -> dict[str, Export]:
    def scores() -> Rows:
        for card in cards:
            yield (
                card.user_id,
                card.username,
                card.name,
                period.key,
                card.score,
                card.basis,
                card.evaluation_id,
                card.evaluation_status or None,
                card.accounts,
                card.load,
                card.capacity,
            )

    def criteria() -> Rows:
        for card in cards:
            for criterion in card.criteria:
                yield (
                    card.user_id,
                    card.username,
                    period.key,
                    criterion.name,
                    criterion.kind,
                    criterion.metric,
                    criterion.weight,
                    criterion.score,
                    criterion.source,
                    criterion.value,
                )

    def trend() -> Rows:
        for card in cards:
            for point in card.trend:
                yield (card.user_id, card.username, point.period.key, point.score, point.basis)

    return {
        "scores": (
            (
                "relationship_manager_id",
                "username",
                "name",
                "period",
                "weighted_score",
                "basis",
                "evaluation_id",
                "evaluation_status",
                "key_accounts",
                "load",
                "capacity",
            ),
            scores,
        ),
        "criteria": (
            (
                "relationship_manager_id",
                "username",
                "period",
                "criterion",
                "kind",
                "metric",
                "weight",
                "score",
                "source",
                "measured_value",
            ),
            criteria,
        ),
        "trend": (("relationship_manager_id", "username", "period", "weighted_score", "basis"), trend),
    }


# The trend chart draws this many lines at most (the best scores of the page): 200 lines were unreadable.
TREND_SERIES = 8


def _ordered(request: HttpRequest, orders: Sequence[str]) -> str:
    """The `sort` asked for, or the first (default) order."""
    order = request.GET.get("sort", "")
    return order if order in orders else orders[0]


def _page_queries(request: HttpRequest) -> dict[str, str]:
    """Links that keep the filters: `query` for the page links (and the sort), `sort_query` for the sort links."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return {"query": query.urlencode(), "sort_query": sort_query.urlencode()}


def _page_note(page: Any) -> str:
    return _("The relationship managers on this page; the CSV has all of them.") if page.has_other_pages() else ""


def _scorecard_charts(cards: list[selectors.Scorecard], page: Any, period: Period) -> dict[str, Any]:
    """The scores of the page's RMs and the trend of its best TREND_SERIES scores."""
    periods = period.recent(selectors.TREND_PERIODS)
    best = sorted(cards, key=lambda card: (card.score is None, -(card.score or 0)))[:TREND_SERIES]
    trend_note = (
        ngettext(
            "%(count)s relationship manager with the best score on this page; the CSV has all of them.",
            "%(count)s relationship managers with the best scores on this page; the CSV has all of them.",
            len(best),
        )
        % {"count": len(best)}
        if len(best) < page.paginator.count
        else ""
    )
    return {
        "periods": periods,
        "scores_note": _page_note(page),
        "trend_note": trend_note,
        "scores_chart": charts.bar_chart(
            title=_("Weighted score per relationship manager, %(period)s") % {"period": period.label},
            items=[(card.name, card.score) for card in cards],
            value_format=score_text,
            label_column=_("Relationship manager"),
            value_column=_("Weighted score"),
        ),
        "trend_chart": charts.line_chart(
            title=_("Weighted score over the last %(count)s periods") % {"count": len(periods)},
            x_labels=[period.label for period in periods],
            series=[charts.Series(card.name, [point.score for point in card.trend]) for card in best],
            value_format=score_text,
            y_min=1,
            y_max=5,
        ),
    }


def _criteria_texts(cards: list[selectors.Scorecard]) -> None:
    """Each criterion's weight and score as the table prints them, formatted once per value: a page
    is 25 RMs of about 7 criteria, and `floatformat` and a translation per criterion were a tenth of
    the page's time."""
    titles = {score: _("Score %(score)s of 5") % {"score": score} for score in range(1, 6)}
    weights: dict[Any, str] = {}
    for card in cards:
        for criterion in card.criteria:
            if criterion.weight not in weights:
                weights[criterion.weight] = floatformat(criterion.weight, "-2")
            criterion.weight_text = weights[criterion.weight]
            criterion.score_title = titles.get(criterion.score, "")


@login_required
@require_GET
def scorecards(request: HttpRequest) -> HttpResponse:
    _require_scorecard_reader(request)
    board = _board(request)
    order = _ordered(request, selectors.SCORECARD_ORDERS)
    cards = selectors.scorecard_list(user=request.user, filters=board.filters, order=order)
    if "export" in request.GET:
        # The CSV files hold every RM, so every RM's trend and criteria (three queries, values only).
        selectors.scorecard_details(user=request.user, cards=cards, filters=board.filters)
        return _export(request, board, "scorecards", _scorecard_exports(cards, board.period))
    page = Paginator(cards, selectors.DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.scorecard_details(user=request.user, cards=list(page.object_list), filters=board.filters)
    _criteria_texts(shown)
    for card in shown:
        card.evaluation_url = _evaluation_url(card.evaluation_id)
        card.sparkline = charts.sparkline(
            title=_("Weighted score of %(rm)s, last %(count)s periods") % {"rm": card.name, "count": len(card.trend)},
            values=[point.score for point in card.trend],
            value_format=score_text,
        )
    context = board.context("scorecards")
    context.update(
        cards=shown,
        page=page,
        order=order,
        evaluate_url=reverse("relationships:evaluation_start"),
        **_page_queries(request),
        **_scorecard_charts(shown, page, board.period),
    )
    return render(request, "relationships/dashboard_scorecards.html", context)


def _metric_lines(card: selectors.Scorecard) -> list[dict[str, Any]]:
    lines = []
    for metric, label in Metric.choices:
        row = card.metrics.get(metric)
        lines.append(
            {
                "metric": metric,
                "label": label,
                "row": row,
                "value": metric_value_text(metric, row.value) if row else "",
                "words": metric_numbers_text(metric, row.numerator, row.denominator) if row else "",
                "score": row.score if row else None,
            }
        )
    return lines


def _account_row(row: Any) -> dict[str, Any]:
    gain, basis = selectors.key_account_gain(row)
    cost = row.relationship_cost
    value = selectors.return_on_cost(gain, cost)
    return {
        "row": row,
        "growth": (row.revenue - row.revenue_prev) / row.revenue_prev if row.revenue_prev else None,
        "cost": cost,
        "gain": gain,
        "basis": basis,
        "return": value,
        "figures": {"return_on_cost": value, "pays_off": value is not None and value > 1},
    }


ACCOUNT_COLUMNS = (
    "key_account_id",
    "customer_id",
    "customer",
    "relationship_manager_id",
    "period",
    "revenue",
    "revenue_prev",
    "growth",
    "margin",
    "margin_prev",
    "purchases",
    "contacts",
    "expected_contacts",
    "visits",
    "actions_due",
    "actions_done",
    "actions_overdue",
    "segment_start",
    "segment_end",
    "share_of_wallet_start",
    "share_of_wallet_end",
    "voc_entries",
    "plan_budget",
    "plan_spent",
    "contact_cost",
    "relationship_cost",
    "gain",
    "gain_basis",
    "return_on_cost",
)


def _account_export_rows(rows: Any, period: Period) -> Rows:
    for row in rows.iterator(chunk_size=2000):
        figures = _account_row(row)
        yield (
            row.key_account_id,
            row.customer_id,
            row.customer.name,
            row.relationship_manager_id,
            period.key,
            row.revenue,
            row.revenue_prev,
            figures["growth"],
            row.margin,
            row.margin_prev,
            row.purchases,
            row.contacts,
            row.expected_contacts,
            row.visits,
            row.actions_due,
            row.actions_done,
            row.actions_overdue,
            row.segment_start,
            row.segment_end,
            row.share_of_wallet_start,
            row.share_of_wallet_end,
            row.voc_entries,
            row.plan_budget,
            row.plan_spent,
            row.contact_cost,
            figures["cost"],
            figures["gain"],
            figures["basis"],
            figures["return"],
        )


@login_required
@require_GET
def scorecard_rm(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_scorecard_reader(request)
    board = _board(request)
    try:
        card = selectors.scorecard_get(user=request.user, rm_id=user_id, filters=board.filters)
    except RelationshipManagerProfile.DoesNotExist as missing:
        raise Http404 from missing
    accounts = selectors.scorecard_accounts(user=request.user, rm_id=user_id, filters=board.filters)
    lines = _metric_lines(card)
    exported = _export(
        request,
        board,
        f"scorecard-{card.username}",
        {
            "metrics": (
                ("metric", "value", "numerator", "denominator", "score", "key_accounts"),
                lambda: (
                    (
                        line["metric"],
                        line["row"].value,
                        line["row"].numerator,
                        line["row"].denominator,
                        line["score"],
                        line["row"].accounts,
                    )
                    for line in lines
                    if line["row"]
                ),
            ),
            "accounts": (ACCOUNT_COLUMNS, lambda: _account_export_rows(accounts, board.period)),
        },
    )
    if exported:
        return exported
    page = Paginator(accounts, selectors.DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    card.evaluation_url = _evaluation_url(card.evaluation_id)
    context = board.context("scorecards")
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        card=card,
        lines=lines,
        bands=evaluation_bands([metric for metric, _label in Metric.choices]),
        page=page,
        rows=[_account_row(row) for row in page.object_list],
        query=query.urlencode(),
        metrics_chart=charts.bar_chart(
            title=_("Measured score per metric, %(period)s") % {"period": board.period.label},
            items=[(str(line["label"]), line["score"]) for line in lines],
            value_format=str,
            label_column=_("Metric"),
            value_column=_("Score (1-5)"),
        ),
        trend_chart=charts.line_chart(
            title=_("Weighted score over the last %(count)s periods") % {"count": len(card.trend)},
            x_labels=[point.period.label for point in card.trend],
            series=[charts.Series(card.name, [point.score for point in card.trend])],
            value_format=score_text,
            y_min=1,
            y_max=5,
        ),
        scorecards_query=urlencode(board.filters.query()),
    )
    return render(request, "relationships/dashboard_scorecard_rm.html", context)


# -- programme health -----------------------------------------------------------------------------

MOVE_CLASSES = {"improved": "chart-positive", "same": "chart-muted", "worsened": "chart-negative"}
PLAN_STATUS_CLASSES = {
    RelationshipPlan.Status.DRAFT: "chart-series-7",
    RelationshipPlan.Status.SUBMITTED: "chart-series-1",
    RelationshipPlan.Status.APPROVED: "chart-positive",
    RelationshipPlan.Status.RETURNED: "chart-negative",
}


def _programme_exports(health: selectors.ProgrammeHealth, period: Period) -> dict[str, Export]:
    return {
        "segments": (
            ("period", "segment", "key_accounts"),
            lambda: ((period.key, key, n) for key, n in health.by_segment),
        ),
        "movement": (
            ("period", "segment_start", "segment_end", "movement", "key_accounts"),
            lambda: ((period.key, t.start, t.end, t.move, t.key_accounts) for t in health.transitions),
        ),
        "rms": (
            (
                "period",
                "relationship_manager_id",
                "name",
                "key_accounts",
                "cadence_met",
                "cadence_due",
                "cadence_adherence",
                "actions_due",
                "actions_done",
                "actions_overdue",
                "plan_budget",
                "plan_spent",
            ),
            lambda: (
                (
                    period.key,
                    rm.user_id,
                    rm.name,
                    rm.key_accounts,
                    rm.cadence_met,
                    rm.cadence_due,
                    rm.adherence,
                    rm.actions_due,
                    rm.actions_done,
                    rm.actions_overdue,
                    rm.plan_budget,
                    rm.plan_spent,
                )
                for rm in health.rms
            ),
        ),
        "plans": (
            ("year", "kind", "status", "plans"),
            lambda: (
                (period.start.year, kind, status, health.plans[kind].get(status, 0))
                for kind in RelationshipPlan.Kind.values
                for status in RelationshipPlan.Status.values
            ),
        ),
    }


def _rm_name(rm: selectors.RMProgramme) -> str:
    return rm.name or _("No RM")


@login_required
@require_GET
def programme_dashboard(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    board = _board(request)
    order = _ordered(request, selectors.PROGRAMME_RM_ORDERS)
    health = selectors.programme_health(user=request.user, filters=board.filters, order=order)
    exported = _export(request, board, "programme", _programme_exports(health, board.period))
    if exported:
        return exported
    # The per-RM table and charts show a page of RMs; the tiles and the table's total are over all.
    page = Paginator(health.rms, selectors.DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    rms: list[selectors.RMProgramme] = list(page.object_list)
    label = board.period.label
    statuses = RelationshipPlan.Status.choices
    kinds = RelationshipPlan.Kind.choices
    context = board.context("programme")
    context.update(
        health=health,
        page=page,
        rms=rms,
        order=order,
        rms_note=_page_note(page),
        **_page_queries(request),
        segment_chart=charts.bar_chart(
            title=_("Key accounts by segment at the end of %(period)s") % {"period": label},
            items=[(segment_label(key), n) for key, n in health.by_segment],
            key=[charts.segment_class(key) if key else "chart-muted" for key, _n in health.by_segment],
            value_format=lambda v: number_format(v, force_grouping=True),
            label_column=_("Segment"),
            value_column=_("Key accounts"),
        ),
        movement_chart=charts.bar_chart(
            title=_("Segment movement during %(period)s") % {"period": label},
            items=[
                (_("Improved"), health.improved),
                (_("Same segment"), health.same),
                (_("Worsened"), health.worsened),
                (_("No segment at the start or end"), health.unknown),
            ],
            key=[MOVE_CLASSES["improved"], MOVE_CLASSES["same"], MOVE_CLASSES["worsened"], "chart-series-7"],
            value_format=lambda v: number_format(v, force_grouping=True),
            label_column=_("Movement"),
            value_column=_("Key accounts"),
        ),
        cadence_chart=charts.bar_chart(
            title=_("Cadence adherence per relationship manager, %(period)s") % {"period": label},
            items=[(_rm_name(rm), rm.adherence) for rm in rms],
            value_format=percent0,
            label_column=_("Relationship manager"),
            value_column=_("Cadence adherence"),
        ),
        overdue_chart=charts.bar_chart(
            title=_("Plan actions overdue per relationship manager, %(period)s") % {"period": label},
            items=[(_rm_name(rm), rm.actions_overdue) for rm in rms],
            key=["chart-negative" if rm.actions_overdue else "chart-muted" for rm in rms],
            value_format=lambda v: number_format(v, force_grouping=True),
            label_column=_("Relationship manager"),
            value_column=_("Actions overdue"),
        ),
        plans_chart=charts.stacked_bar_chart(
            title=_("Plans covering %(year)s by status (latest versions)") % {"year": board.period.start.year},
            categories=[str(kind_label) for _kind, kind_label in kinds],
            series=[
                charts.Series(
                    str(status_label),
                    [health.plans[kind].get(status, 0) for kind, _k in kinds],
                    PLAN_STATUS_CLASSES[status],
                )
                for status, status_label in statuses
            ],
            value_format=lambda v: number_format(v, force_grouping=True),
            label_column=_("Plan"),
        ),
        budget_chart=charts.grouped_bar_chart(
            title=_("Plan budget used against planned, %(period)s") % {"period": label},
            categories=[_rm_name(rm) for rm in rms],
            series=[
                charts.Series(_("Planned"), [rm.plan_budget for rm in rms], "chart-series-7"),
                charts.Series(_("Used"), [rm.plan_spent for rm in rms], "chart-series-0"),
            ],
            value_format=format_money,
            label_column=_("Relationship manager"),
        ),
    )
    return render(request, "relationships/dashboard_programme.html", context)


# -- profitability ----------------------------------------------------------------------------------

FIGURE_COLUMNS = (
    "customers",
    "revenue",
    "revenue_prev",
    "growth",
    "margin",
    "margin_prev",
    "plan_spent",
    "contact_cost",
    "relationship_cost",
    "gain",
    "gain_basis",
    "return_on_cost",
    "pays_off",
)


def _figure_values(figures: selectors.Figures) -> tuple[Any, ...]:
    return tuple(getattr(figures, name) for name in FIGURE_COLUMNS)


def _profitability_exports(result: selectors.Profitability, rows: Any, period: Period) -> dict[str, Export]:
    def groups() -> Rows:
        yield (period.key, "key", *_figure_values(result.key))
        yield (period.key, "regular", *_figure_values(result.regular))

    def segments() -> Rows:
        for segment in result.segments:
            yield (period.key, segment.segment, "key", *_figure_values(segment.key))
            yield (period.key, segment.segment, "regular", *_figure_values(segment.regular))

    def before_after() -> Rows:
        for group in result.before_after:
            for name, counts in (("key", group.key), ("similar", group.similar)):
                yield (
                    period.key,
                    group.segment_before,
                    name,
                    counts.customers,
                    counts.improved,
                    counts.same,
                    counts.worsened,
                    counts.improved_share,
                    counts.same_share,
                    counts.worsened_share,
                )

    return {
        "groups": (("period", "group", *FIGURE_COLUMNS), groups),
        "segments": (("period", "segment", "group", *FIGURE_COLUMNS), segments),
        "before-after": (
            (
                "period",
                "segment_before",
                "group",
                "customers",
                "improved",
                "same",
                "worsened",
                "improved_share",
                "same_share",
                "worsened_share",
            ),
            before_after,
        ),
        "key-accounts": (ACCOUNT_COLUMNS, lambda: _account_export_rows(rows, period)),
    }


def _before_after_chart(result: selectors.Profitability, period: Period) -> charts.Chart:
    categories, improved, same, worsened = [], [], [], []
    for group in result.before_after:
        for counts, who in ((group.key, _("key accounts")), (group.similar, _("similar customers"))):
            categories.append(f"{segment_label(group.segment_before)} · {who}")
            improved.append(counts.improved)
            same.append(counts.same)
            worsened.append(counts.worsened)
    return charts.stacked_bar_chart(
        title=_("After becoming a key account: segment %(months)s months later, against similar customers")
        % {"months": settings.RELASI_EFFECT_MONTHS},
        categories=categories,
        series=[
            charts.Series(_("Improved"), improved, MOVE_CLASSES["improved"]),
            charts.Series(_("Same segment"), same, MOVE_CLASSES["same"]),
            charts.Series(_("Worsened"), worsened, MOVE_CLASSES["worsened"]),
        ],
        value_format=lambda v: number_format(v, force_grouping=True),
        percent=True,
        label_column=_("Segment before · group"),
    )


@login_required
@require_GET
def profitability(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    board = _board(request)
    result = selectors.profitability(filters=board.filters)
    order = _ordered(request, list(selectors.PROFITABILITY_ORDERS))
    rows = selectors.profitability_key_accounts(user=request.user, filters=board.filters, order=order)
    exported = _export(request, board, "profitability", _profitability_exports(result, rows, board.period))
    if exported:
        return exported
    page = Paginator(rows, selectors.DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = [_account_row(row) for row in page.object_list]
    trends = selectors.share_of_wallet_trends(
        key_account_ids=[row.key_account_id for row in page.object_list], period=board.period
    )
    for account in accounts:
        account["sparkline"] = charts.sparkline(
            title=_("Share of wallet of %(customer)s, last %(count)s periods")
            % {"customer": account["row"].customer.name, "count": selectors.TREND_PERIODS},
            values=trends.get(account["row"].key_account_id, []),
            value_format=percent0,
        )
    label = board.period.label
    with_key = [segment for segment in result.segments if segment.key.customers]
    context = board.context("profitability")
    context.update(
        result=result,
        page=page,
        accounts=accounts,
        order=order,
        **_page_queries(request),
        effect_months=settings.RELASI_EFFECT_MONTHS,
        return_chart=charts.bar_chart(
            title=_("Return on relationship cost of key accounts by segment, %(period)s") % {"period": label},
            items=[(segment_label(s.segment), s.key.return_on_cost) for s in with_key],
            key=["chart-positive" if s.key.pays_off else "chart-negative" for s in with_key],
            value_format=times_text,
            label_column=_("Segment"),
            value_column=_("Return on relationship cost"),
        ),
        growth_chart=charts.grouped_bar_chart(
            title=_("Revenue growth against a year before: key accounts and regular customers, %(period)s")
            % {"period": label},
            categories=[segment_label(s.segment) for s in with_key],
            series=[
                charts.Series(_("Key accounts"), [s.key.growth for s in with_key], "chart-series-0"),
                charts.Series(_("Regular customers"), [s.regular.growth for s in with_key], "chart-series-7"),
            ],
            value_format=lambda v: signed_percent(v, 0),
            label_column=_("Segment"),
        ),
        before_after_chart=_before_after_chart(result, board.period),
    )
    return render(request, "relationships/dashboard_profitability.html", context)


# -- period computations --------------------------------------------------------------------------


@login_required
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    context = {
        "computations": list(selectors.period_computation_list()),
        "missing": selectors.periods_not_computed(),
        "today": timezone.localdate(),
        "tab": "periods",
        "is_manager": True,
    }
    return render(request, "relationships/dashboard_periods.html", context)


@login_required
@require_POST
def period_compute(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("relationships:period_list")
    try:
        period = parse_period(request.POST.get("period", ""))
        computation = period_request(period=period, by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        computation.refresh_from_db()
        if computation.status == PeriodComputation.Status.FAILED:
            messages.error(
                request,
                _("Computing %(period)s failed: %(error)s") % {"period": period.label, "error": computation.error},
            )
        elif computation.status == PeriodComputation.Status.DONE:
            messages.success(
                request, _("The figures of %(period)s were computed from today's data.") % {"period": period.label}
            )
        else:
            messages.info(
                request,
                _("The figures of %(period)s are being computed; this page shows them once they are done.")
                % {"period": period.label},
            )
    return redirect(target)


# -- contact costs ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_costs(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ContactCostForm(request.POST or None, rates=contact_cost_rates())
    if request.method == "POST" and form.is_valid():
        try:
            contact_cost_rates_save(rates=form.rates())
        except ValidationError as error:
            for channel, problems in error.message_dict.items():
                form.add_error(channel if channel in form.fields else None, problems)
        else:
            messages.success(
                request,
                _(
                    "Contact costs saved. They count in a period's relationship cost when the period "
                    "is computed next: recompute past periods to apply them there."
                ),
            )
            return redirect("relationships:contact_costs")
    return render(
        request,
        "relationships/dashboard_contact_costs.html",
        {"form": form, "tab": "contact_costs", "is_manager": True},
    )
