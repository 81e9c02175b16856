"""Pages of the GM's dashboards: who may open which, what they show with stored figures set
by hand, filters, CSV exports, computing a period, contact costs and query budgets."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import ContactCostRate, PeriodComputation
from relationships.periods import Period
from relationships.selectors import dashboard_default_period
from relationships.tests.factories_figures import (
    EvaluationFactory,
    KeyAccountPeriodFactory,
    PeriodComputationFactory,
    SegmentPeriodFactory,
    dashboard_world,
    period_account,
    scorecard_rm,
)

pytestmark = pytest.mark.django_db

D = Decimal
PERIOD = dashboard_default_period()
PAGES = ("scorecards", "programme_dashboard", "profitability", "period_list", "contact_costs")
MANAGER_PAGES = ("programme_dashboard", "profitability", "period_list", "contact_costs")


def _url(name, *args, **query):
    url = reverse(f"relationships:{name}", args=args)
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


@pytest.fixture
def world(gm):
    return dashboard_world(gm, PERIOD)


def _rm(gm, name, **kwargs):
    return scorecard_rm(gm, name, period=PERIOD, **kwargs)


def _account(rm, name, **kwargs):
    return period_account(rm, name, period=PERIOD, **kwargs)


# -- who may open what ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_rep_sees_no_dashboard(rep_client, name):
    expected = 404 if name == "scorecards" else 403
    assert rep_client.get(_url(name)).status_code == expected


def test_a_rep_gets_404_on_a_scorecard_drill_down(rep_client, world):
    assert rep_client.get(_url("scorecard_rm", world["rina"].pk)).status_code == 404


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_an_rm_may_not_open_the_gm_pages(rm_client, name):
    assert rm_client.get(_url(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_gm_and_admin_open_every_dashboard(gm_client, admin_client, world, name):
    assert gm_client.get(_url(name)).status_code == 200
    assert admin_client.get(_url(name)).status_code == 200


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(_url("profitability"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_rm_sees_only_their_own_scorecard(client, world):
    client.force_login(world["rina"])

    response = client.get(_url("scorecards"))

    assert [card.user_id for card in response.context["cards"]] == [world["rina"].pk]
    assert "Rudi" not in response.content.decode()
    assert client.get(_url("scorecard_rm", world["rina"].pk)).status_code == 200
    assert client.get(_url("scorecard_rm", world["rudi"].pk)).status_code == 404


def test_gm_drill_down_of_a_user_without_a_profile_is_404(gm_client, rep, world):
    assert gm_client.get(_url("scorecard_rm", rep.pk)).status_code == 404


# -- scorecards -------------------------------------------------------------------------------------


def test_scorecards_show_measured_only_scores_criteria_and_load(gm_client, world):
    html = gm_client.get(_url("scorecards")).content.decode()

    # Rina: (40 x 5 + 30 x 3) / 70 = 4.14; Rudi: (40 x 2 + 30 x 2) / 70 = 2.00
    assert 'data-score="4.14"' in html and 'data-score="2.00"' in html
    assert html.count('data-basis="measured"') >= 2
    assert "Measured only" in html
    assert "Account knowledge" in html
    assert "1 of 3" in html
    assert 'id="chart-scores"' in html and 'id="chart-trend"' in html
    assert "<svg" in html


def test_scorecards_show_a_page_of_rms_best_first_and_the_csv_has_all(gm_client, gm, world, monkeypatch):
    monkeypatch.setattr("relationships.selectors.DASHBOARD_PAGE_SIZE", 2)
    best = _rm(gm, "Ayu", cadence=5, growth=5)  # 5.00, then Rina 4.14, then Rudi 2.00

    first = gm_client.get(_url("scorecards", city="Medan", segment="at_risk"))
    everyone = gm_client.get(_url("scorecards"))
    second = gm_client.get(_url("scorecards", page=2))
    html = everyone.content.decode()

    # Segment and city keep the RMs with such key accounts: only Rudi has one in Medan.
    assert [card.user_id for card in first.context["cards"]] == [world["rudi"].pk]
    assert [card.user_id for card in everyone.context["cards"]] == [best.pk, world["rina"].pk]
    assert [card.user_id for card in second.context["cards"]] == [world["rudi"].pk]
    assert [row[0] for row in everyone.context["scores_chart"].rows] == ["Ayu Test", "Rina Test"]
    assert "?sort=-score&amp;page=2#scorecards" not in html and "?page=2#scorecards" in html
    assert "the CSV has all of them" in html
    # The page's RMs only have their trend read.
    assert [len(card.trend) for card in second.context["cards"]] == [6]
    scores = gm_client.get(_url("scorecards", export="scores")).content.decode("utf-8-sig")
    trend = gm_client.get(_url("scorecards", export="trend")).content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(scores)))) == 3
    assert len(list(csv.DictReader(io.StringIO(trend)))) == 3 * 6


def test_scorecards_sort_by_name_and_the_pages_keep_the_filters(gm_client, gm, world, monkeypatch):
    monkeypatch.setattr("relationships.selectors.DASHBOARD_PAGE_SIZE", 1)

    response = gm_client.get(_url("scorecards", period=PERIOD.key, sort="name"))
    html = response.content.decode()

    assert [card.name for card in response.context["cards"]] == ["Rina Test"]
    assert f"?period={PERIOD.key}&amp;sort=name&amp;page=2#scorecards" in html
    assert 'aria-sort="ascending"' in html
    assert gm_client.get(_url("scorecards", sort="colour")).context["order"] == "-score"
    # Phones hide the table header: the same orders as links above the cards, the current one marked.
    phone = html[html.index('id="sort-phone"') : html.index("</p>", html.index('id="sort-phone"'))]
    assert f'href="?period={PERIOD.key}&amp;sort=-score" class="dash-sort"' in phone
    assert f'href="?period={PERIOD.key}&amp;sort=name" class="dash-sort active"' in phone


def test_programme_per_rm_sorts_on_a_phone_too(gm_client, world):
    html = gm_client.get(_url("programme_dashboard", sort="-overdue")).content.decode()

    phone = html[html.index('id="sort-phone"') : html.index("</p>", html.index('id="sort-phone"'))]
    assert 'href="?sort=adherence#per-rm" class="dash-sort"' in phone
    assert 'href="?sort=-overdue#per-rm" class="dash-sort active"' in phone


def test_scorecards_trend_chart_draws_the_best_scores_of_the_page(gm_client, gm, world, monkeypatch):
    monkeypatch.setattr("relationships.views_dashboards.TREND_SERIES", 1)

    response = gm_client.get(_url("scorecards", sort="name"))

    chart = response.context["trend_chart"]
    assert chart.columns[1:] == ["Rina Test"]  # 4.14 against Rudi's 2.00
    assert "1 relationship manager with the best score on this page" in response.content.decode()


def test_scorecard_links_a_visible_evaluation(gm_client, gm, world):
    evaluation = EvaluationFactory(relationship_manager=world["rina"], period=PERIOD, evaluator=gm, total=D("3.50"))

    html = gm_client.get(_url("scorecards")).content.decode()

    assert 'data-score="3.50"' in html
    assert 'data-basis="draft"' in html
    assert reverse("relationships:evaluation_detail", args=[evaluation.pk]) in html
    assert f'data-evaluation="{evaluation.pk}"' in html
    drill_down = gm_client.get(_url("scorecard_rm", world["rina"].pk)).content.decode()
    assert f'data-evaluation="{evaluation.pk}"' in drill_down


def test_drill_down_shows_metrics_in_words_bands_and_accounts(gm_client, world):
    response = gm_client.get(_url("scorecard_rm", world["rina"].pk))
    html = response.content.decode()

    assert "9 of 10 cadence intervals had a contact" in html
    assert "Relationship manager (v1) · 1 of 3" in html
    assert 'id="band-table"' in html and "≥ 95" in html
    assert "PT Untung" in html and "PT Rugi" not in html
    assert reverse("relationships:key_account_detail", args=[response.context["rows"][0]["row"].key_account_id]) in html
    assert response.context["rows"][0]["return"] == D("1.50")


def test_scorecard_csv_exports_the_raw_scores(gm_client, world):
    response = gm_client.get(_url("scorecards", export="scores"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="relasi-scorecards-scores-{PERIOD.key}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row["name"]: row for row in rows}
    assert by_name["Rina Test"]["weighted_score"] == "4.14"
    assert by_name["Rina Test"]["basis"] == "measured"
    assert (by_name["Rudi Test"]["load"], by_name["Rudi Test"]["capacity"]) == ("1", "3")


def test_an_unknown_export_is_404(gm_client, world):
    assert gm_client.get(_url("scorecards", export="nothing")).status_code == 404


# -- filters and periods ----------------------------------------------------------------------------


def test_a_bad_period_shows_the_default_with_a_message(gm_client, world):
    response = gm_client.get(_url("profitability", period="2026-Q9"))

    assert response.status_code == 200
    assert response.context["filters"].period == PERIOD
    assert "is not a period we can show" in response.content.decode()


def test_a_future_period_or_bad_filter_never_fails(gm_client, world):
    future = Period.of("year", timezone.localdate()).next()
    for query in ({"period": future.key}, {"segment": "royal"}, {"relationship_manager": "abc"}, {"city": "Atlantis"}):
        response = gm_client.get(_url("programme_dashboard"), query)
        assert response.status_code == 200
        assert response.context["filters"].period == PERIOD


def test_an_older_period_can_be_asked_for_by_its_key(gm_client, world):
    response = gm_client.get(_url("profitability", period="2019-Q1"))

    assert response.context["filters"].period == Period.parse("2019-Q1")
    assert 'id="not-computed"' in response.content.decode()


def test_filters_change_the_numbers(gm_client, world):
    everyone = gm_client.get(_url("profitability")).context["result"]
    in_medan = gm_client.get(_url("profitability", city="Medan")).context["result"]

    assert (everyone.key.customers, everyone.regular.customers) == (2, 20)
    assert (in_medan.key.customers, in_medan.key.revenue, in_medan.regular.customers) == (1, D("800000"), 0)


def test_every_page_says_when_its_figures_were_computed(gm_client, world):
    for name in ("scorecards", "programme_dashboard", "profitability"):
        html = gm_client.get(_url(name)).content.decode()
        assert 'id="dashboard-freshness"' in html
        assert "Figures computed at" in html and "data until" in html


def test_a_period_never_computed_offers_compute_now_to_the_gm(gm_client, rm_client, gm):
    gm_html = gm_client.get(_url("profitability")).content.decode()
    rm_html = rm_client.get(_url("scorecards")).content.decode()

    assert "have not been computed yet" in gm_html and 'id="compute-now"' in gm_html
    assert "have not been computed yet" in rm_html and 'id="compute-now"' not in rm_html


def test_compute_now_computes_the_period_and_returns(gm_client, gm, django_capture_on_commit_callbacks):
    back = _url("profitability", period=PERIOD.key)

    with django_capture_on_commit_callbacks(execute=True):
        response = gm_client.post(_url("period_compute"), {"period": PERIOD.key, "next": back})

    assert response.status_code == 302 and response["Location"] == back
    computation = PeriodComputation.objects.get(period_kind=PERIOD.kind, period_start=PERIOD.start)
    assert computation.status == PeriodComputation.Status.DONE
    assert computation.requested_by == gm
    assert computation.data_until == PERIOD.end


def test_compute_refuses_a_future_period_and_a_foreign_next(gm_client, rm_client):
    future = Period.of("year", timezone.localdate()).next()

    response = gm_client.post(_url("period_compute"), {"period": future.key, "next": "https://evil.example/"})

    assert response["Location"] == _url("period_list")
    assert not PeriodComputation.objects.exists()
    assert rm_client.post(_url("period_compute"), {"period": PERIOD.key}).status_code == 403


def test_period_list_shows_computations_and_offers_the_missing(gm_client, gm, world):
    response = gm_client.get(_url("period_list"))
    html = response.content.decode()

    assert f'data-period="{PERIOD.key}"' in html
    assert "change only when someone recomputes it on purpose" in html
    assert PERIOD not in response.context["missing"]
    assert len(response.context["missing"]) == 10


# -- programme and profitability ----------------------------------------------------------------------


def test_programme_dashboard_shows_movement_cadence_and_per_rm(gm_client, world):
    response = gm_client.get(_url("programme_dashboard"))
    html = response.content.decode()
    health = response.context["health"]

    assert (health.improved, health.worsened) == (1, 1)
    # cadence intervals with a contact: 4 + 1 of 4 + 4
    assert health.total.adherence == D("0.625")
    assert 'id="transition-table"' in html and 'id="rm-table"' in html
    for chart in ("chart-segments", "chart-movement", "chart-cadence", "chart-budget", "chart-plans"):
        assert f'id="{chart}"' in html


def test_programme_per_rm_table_is_paged_with_the_total_over_all(gm_client, gm, world, monkeypatch):
    monkeypatch.setattr("relationships.selectors.DASHBOARD_PAGE_SIZE", 1)

    by_name = gm_client.get(_url("programme_dashboard"))
    laggards = gm_client.get(_url("programme_dashboard", sort="adherence"))
    html = by_name.content.decode()

    assert [rm.name for rm in by_name.context["rms"]] == ["Rina Test"]
    # The tiles and the table's total stay over every RM: (4 + 1) / (4 + 4).
    assert by_name.context["health"].total.adherence == D("0.625")
    assert by_name.context["health"].total.key_accounts == 2
    assert [row[0] for row in by_name.context["cadence_chart"].rows] == ["Rina Test"]
    assert "?page=2#per-rm" in html and "the CSV has all of them" in html
    # Lowest cadence adherence first: Rudi kept 1 of 4.
    assert [rm.name for rm in laggards.context["rms"]] == ["Rudi Test"]
    rms = gm_client.get(_url("programme_dashboard", export="rms")).content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(rms)))) == 2


def test_profitability_leads_with_the_answer(gm_client, world):
    response = gm_client.get(_url("profitability"))
    html = response.content.decode()
    result = response.context["result"]

    [loyal] = [s for s in result.segments if s.segment == "loyal"]
    assert loyal.key.return_on_cost == D("1.50") and loyal.key.pays_off
    assert 'id="answer"' in html and 'id="segments-paying"' in html
    assert 'data-segment="loyal"' in html
    assert "It is a comparison, not proof" in html
    assert [account["row"].customer.name for account in response.context["accounts"]] == ["PT Untung", "PT Rugi"]
    assert response.context["accounts"][0]["return"] == D("1.50")
    assert response.context["accounts"][1]["return"] == D("-1.00")


def test_profitability_csv_has_the_raw_rows(gm_client, world):
    response = gm_client.get(_url("profitability", export="key-accounts"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["customer"], row["revenue"], row["relationship_cost"], row["return_on_cost"]) for row in rows] == [
        ("PT Untung", "2000000.00", "100000.00", "1.50"),
        ("PT Rugi", "800000.00", "100000.00", "-1.00"),
    ]
    segments = gm_client.get(_url("profitability", export="segments", segment="loyal"))
    lines = list(csv.reader(io.StringIO(segments.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["period", "segment", "group", "customers"]
    assert [line[1:4] for line in lines[1:]] == [["loyal", "key", "1"], ["loyal", "regular", "20"]]


def test_profitability_sorts_by_worst_return(gm_client, world):
    response = gm_client.get(_url("profitability", sort="return"))

    assert [a["row"].customer.name for a in response.context["accounts"]] == ["PT Rugi", "PT Untung"]


def test_key_account_table_is_paginated_by_twenty_five(gm_client, gm, world):
    rm = world["rina"]
    for n in range(24):
        _account(rm, f"PT Nomor {n:02d}")

    response = gm_client.get(_url("profitability", sort="name"))
    last = gm_client.get(_url("profitability", sort="name", page=2))

    assert response.context["page"].paginator.count == 26
    assert len(response.context["accounts"]) == 25
    assert [account["row"].customer.name for account in last.context["accounts"]] == ["PT Untung"]


# -- contact costs ------------------------------------------------------------------------------------


def test_contact_costs_show_defaults_and_refuse_negatives(gm_client):
    page = gm_client.get(_url("contact_costs")).content.decode()
    assert 'value="750000' in page  # a visit's default

    data = {"phone": "60000", "visit": "-5", "mail": "75000", "email": "25000", "web": "25000", "event": "1500000"}
    response = gm_client.post(_url("contact_costs"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["visit"] == ["Enter an amount of zero or more."]
    assert not ContactCostRate.objects.exists()

    data["visit"] = "900000"
    assert gm_client.post(_url("contact_costs"), data).status_code == 302
    assert ContactCostRate.objects.get(channel="visit").cost == D("900000")


# -- query budgets ----------------------------------------------------------------------------------------


def _more(world, gm, count):
    for n in range(count):
        rm = _rm(gm, f"Extra{n}")
        _account(rm, f"PT Tambahan {n}", city=f"Kota {n}", share_of_wallet_end=D("0.3"))
        KeyAccountPeriodFactory(period=PERIOD.previous(), key_account=_account(rm, f"PT Lagi {n}").key_account)
        EvaluationFactory(relationship_manager=rm, period=PERIOD, evaluator=gm, total=D("3.00"))
        SegmentPeriodFactory(period=PERIOD, segment="champion", is_key=True, relationship_manager=rm, city=f"Kota {n}")


# What every dashboard asks first: session, user, role; the RMs and the industries and cities the
# filters offer; the period's computation.
BOARD = 6


@pytest.mark.parametrize("extra", [1, 4])
def test_scorecards_query_budget(gm_client, gm, world, extra, django_assert_num_queries):
    _more(world, gm, extra)
    # board; every RM's profile (user, job description, load), criteria, metrics and evaluations of the
    # period; the page's RMs' metrics and evaluations of the 5 periods before, their evaluations' scores
    with django_assert_num_queries(BOARD + 7):
        assert gm_client.get(_url("scorecards")).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_scorecard_drill_down_query_budget(gm_client, gm, world, extra, django_assert_num_queries):
    _more(world, gm, extra)
    for n in range(extra):
        _account(world["rina"], f"PT Rina {n}")
    EvaluationFactory(relationship_manager=world["rina"], period=PERIOD, evaluator=gm, total=D("3.00"))
    # board; the scorecard (7 as above); count and page of the RM's key accounts
    with django_assert_num_queries(BOARD + 9):
        assert gm_client.get(_url("scorecard_rm", world["rina"].pk)).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_programme_dashboard_query_budget(gm_client, gm, world, extra, django_assert_num_queries):
    _more(world, gm, extra)
    # board; transitions; per RM; plans by status
    with django_assert_num_queries(BOARD + 3):
        assert gm_client.get(_url("programme_dashboard")).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_profitability_query_budget(gm_client, gm, world, extra, django_assert_num_queries):
    _more(world, gm, extra)
    # board; segments; before/after; count and page of key accounts; their share-of-wallet trends
    with django_assert_num_queries(BOARD + 5):
        assert gm_client.get(_url("profitability")).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_profitability_export_query_budget(gm_client, gm, world, extra, django_assert_num_queries):
    _more(world, gm, extra)
    # board; segments; before/after; every key account (one query, read in chunks)
    with django_assert_num_queries(BOARD + 3):
        assert gm_client.get(_url("profitability", export="key-accounts")).status_code == 200


def test_scorecards_query_budget_for_an_rm(client, world, django_assert_num_queries):
    client.force_login(world["rina"])
    # session, user, role; industries and cities of their key accounts; computation; profiles; criteria;
    # metrics and evaluations of the period; of the 5 periods before (no scores: a draft is not theirs to see)
    with django_assert_num_queries(11):
        assert client.get(_url("scorecards")).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_period_list_query_budget(gm_client, gm, extra, django_assert_num_queries):
    period = PERIOD
    for _n in range(extra):
        PeriodComputationFactory(period=period, requested_by=gm)
        period = period.previous()
    # session, user, role; computations (+ who asked); the periods not computed
    with django_assert_num_queries(5):
        assert gm_client.get(_url("period_list")).status_code == 200
