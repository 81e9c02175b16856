"""The dashboards API (/api/v1/dashboards/...) and the period computations: who sees what,
the numbers, the filters as query parameters (a bad value is a 400 at its field) and query budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from relationships.models import PeriodComputation
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
SCORECARDS = "/api/v1/dashboards/scorecards/"
PROGRAMME = "/api/v1/dashboards/programme/"
PROFITABILITY = "/api/v1/dashboards/profitability/"
COMPUTATIONS = "/api/v1/period-computations/"


@pytest.fixture
def world(gm):
    return dashboard_world(gm, PERIOD)


# -- who sees what ------------------------------------------------------------------------------------


def test_a_rep_gets_403_on_every_dashboard(api_client_for, rep):
    client = api_client_for(rep)
    for url in (SCORECARDS, PROGRAMME, PROFITABILITY, COMPUTATIONS):
        assert client.get(url).status_code == 403


def test_an_rm_gets_only_their_scorecard_and_403_elsewhere(api_client_for, world):
    client = api_client_for(world["rina"])

    answer = client.get(SCORECARDS).json()

    assert [card["relationship_manager"] for card in answer["results"]] == [world["rina"].pk]
    assert client.get(SCORECARDS, {"relationship_manager": world["rudi"].pk}).status_code == 400
    for url in (PROGRAMME, PROFITABILITY, COMPUTATIONS):
        assert client.get(url).status_code == 403


def test_unauthenticated_is_401(api_client_for):
    assert api_client_for(None).get(PROFITABILITY).status_code == 401


# -- scorecards ------------------------------------------------------------------------------------------


def test_scorecards_answer_scores_criteria_trend_and_load(api_client_for, admin, world):
    answer = api_client_for(admin).get(SCORECARDS).json()

    assert answer["period"]["key"] == PERIOD.key
    assert answer["period"]["computed"] is True
    rina = next(card for card in answer["results"] if card["relationship_manager"] == world["rina"].pk)
    # (40 x 5 + 30 x 3) / (40 + 30)
    assert (rina["weighted_score"], rina["basis"], rina["evaluation"]) == ("4.14", "measured", None)
    assert [(c["name"], c["score"], c["source"]) for c in rina["criteria"]] == [
        ("Contact cadence kept", 5, "measured"),
        ("Revenue growth", 3, "measured"),
        ("Account knowledge", None, ""),
    ]
    assert [point["period"] for point in rina["trend"]] == [p.key for p in PERIOD.recent(6)]
    assert (rina["load"], rina["capacity"], rina["full"]) == (1, 3, False)


def test_scorecards_show_an_evaluation_total(api_client_for, gm, world):
    evaluation = EvaluationFactory(relationship_manager=world["rudi"], period=PERIOD, evaluator=gm, total=D("3.25"))

    answer = api_client_for(gm).get(SCORECARDS, {"relationship_manager": world["rudi"].pk}).json()

    [rudi] = answer["results"]
    assert (rudi["weighted_score"], rudi["basis"], rudi["evaluation"]) == ("3.25", "draft", evaluation.pk)


def test_scorecards_are_paged_best_first_with_links(api_client_for, gm, world):
    client = api_client_for(gm)

    first = client.get(SCORECARDS, {"page_size": 1, "city": "Jakarta"}).json()
    second = client.get(SCORECARDS, {"page_size": 1, "page": 2}).json()
    by_name = client.get(SCORECARDS, {"sort": "name"}).json()

    # Jakarta: Rina's key account only.
    assert (first["count"], first["previous"], first["next"]) == (1, None, None)
    assert [card["name"] for card in second["results"]] == ["Rudi Test"]  # 2.00, after Rina's 4.14
    assert second["count"] == 2 and second["next"] is None
    assert second["previous"].endswith(f"{SCORECARDS}?page_size=1")
    assert len(second["results"][0]["trend"]) == 6
    assert [card["name"] for card in by_name["results"]] == ["Rina Test", "Rudi Test"]
    assert client.get(SCORECARDS, {"page": 3}).status_code == 404
    assert client.get(SCORECARDS, {"sort": "colour"}).status_code == 400


# -- programme and profitability ---------------------------------------------------------------------------


def test_programme_answers_movement_cadence_and_plans(api_client_for, gm, world):
    answer = api_client_for(gm).get(PROGRAMME).json()

    assert answer["key_accounts"] == 2
    assert answer["movement"] == {"improved": 1, "same": 0, "worsened": 1, "unknown": 0}
    # cadence intervals with a contact (4 + 1) / intervals (4 + 4)
    assert (answer["total"]["cadence_met"], answer["total"]["cadence_adherence"]) == (5, "0.6250")
    assert {row["name"] for row in answer["by_relationship_manager"]} == {"Rina Test", "Rudi Test"}
    assert len(answer["plans"]) == 8  # 2 kinds x 4 statuses


def test_profitability_answers_return_on_relationship_cost(api_client_for, gm, world):
    answer = api_client_for(gm).get(PROFITABILITY).json()

    loyal = next(s for s in answer["segments"] if s["segment"] == "loyal")
    assert loyal["key"]["relationship_cost"] == "100000.00"
    assert (loyal["key"]["gain"], loyal["key"]["gain_basis"]) == ("150000.00", "margin")
    assert (loyal["key"]["return_on_cost"], loyal["key"]["pays_off"]) == ("1.50", True)
    assert loyal["regular"]["customers"] == 20
    key, regular = answer["groups"]
    assert (key["group"], key["customers"], regular["customers"]) == ("key", 2, 20)
    [before_after] = answer["before_after"]
    assert before_after["key_accounts"]["improved"] == 1
    assert before_after["similar_customers"]["same"] == 3
    accounts = answer["key_accounts"]
    assert (accounts["count"], accounts["page"], accounts["pages"]) == (2, 1, 1)
    assert [(a["customer_name"], a["return_on_cost"]) for a in accounts["results"]] == [
        ("PT Untung", "1.50"),
        ("PT Rugi", "-1.00"),
    ]
    assert len(accounts["results"][0]["share_of_wallet_trend"]) == 6


def test_profitability_filters_and_pages(api_client_for, gm, world):
    client = api_client_for(gm)

    in_medan = client.get(PROFITABILITY, {"city": "Medan"}).json()
    second = client.get(PROFITABILITY, {"page_size": 1, "page": 2, "sort": "name"}).json()

    assert [g["customers"] for g in in_medan["groups"]] == [1, 0]
    assert [a["customer_name"] for a in second["key_accounts"]["results"]] == ["PT Untung"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "banana"}, "period"),
        ({"segment": "royal"}, "segment"),
        ({"relationship_manager": "999999"}, "relationship_manager"),
        ({"relationship_manager": "abc"}, "relationship_manager"),
        ({"city": "Atlantis"}, "city"),
        ({"sort": "colour"}, "sort"),
    ],
)
def test_a_bad_filter_is_a_400_at_its_field(api_client_for, gm, world, query, field):
    response = api_client_for(gm).get(PROFITABILITY, query)

    assert response.status_code == 400
    assert field in response.json()


def test_a_future_period_is_a_400(api_client_for, gm):
    future = Period.of("year", timezone.localdate()).next()

    response = api_client_for(gm).get(PROGRAMME, {"period": future.key})

    assert response.status_code == 400
    assert response.json()["period"] == ["This period has not started yet."]


def test_a_period_never_computed_says_so(api_client_for, gm):
    answer = api_client_for(gm).get(PROFITABILITY, {"period": "2020"}).json()

    assert answer["period"] == {
        "key": "2020",
        "label": "2020",
        "kind": "year",
        "start": "2020-01-01",
        "end": "2020-12-31",
        "computed": False,
        "status": None,
        "computed_at": None,
        "data_until": None,
    }
    assert answer["segments"] == [] and answer["key_accounts"]["count"] == 0


# -- period computations -----------------------------------------------------------------------------------


def test_gm_lists_computations_newest_first(api_client_for, gm):
    PeriodComputationFactory(period=PERIOD.previous(), requested_by=gm)
    PeriodComputationFactory(period=PERIOD)

    answer = api_client_for(gm).get(COMPUTATIONS).json()

    assert [row["period"] for row in answer["results"]] == [PERIOD.key, PERIOD.previous().key]
    assert answer["results"][1]["requested_by"] == gm.pk


def test_posting_a_period_queues_it_with_202(api_client_for, gm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_client_for(gm).post(COMPUTATIONS, {"period": PERIOD.key}, format="json")

    assert response.status_code == 202
    assert (response.json()["period"], response.json()["status"]) == (PERIOD.key, "queued")
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs it (eagerly here)
    computation = PeriodComputation.objects.get(pk=response.json()["id"])
    assert (computation.status, computation.requested_by) == (PeriodComputation.Status.DONE, gm)
    assert api_client_for(gm).get(f"{COMPUTATIONS}{computation.pk}/").json()["status"] == "done"


def test_posting_a_bad_or_future_period_is_a_400(api_client_for, gm):
    client = api_client_for(gm)
    future = Period.of("year", timezone.localdate()).next()

    assert client.post(COMPUTATIONS, {"period": "Q3"}, format="json").status_code == 400
    assert client.post(COMPUTATIONS, {"period": future.key}, format="json").json() == {
        "period": ["This period has not started yet."]
    }
    assert client.post(COMPUTATIONS, {}, format="json").json()["period"]


def test_an_rm_may_not_queue_a_computation(api_client_for, rm):
    assert api_client_for(rm).post(COMPUTATIONS, {"period": PERIOD.key}, format="json").status_code == 403


# -- query budgets ------------------------------------------------------------------------------------------


def _more(gm, count):
    for n in range(count):
        rm = scorecard_rm(gm, f"Api{n}", period=PERIOD)
        period_account(rm, f"PT Api {n}", period=PERIOD, city=f"Kota {n}")
        KeyAccountPeriodFactory(
            period=PERIOD.previous(), key_account=period_account(rm, f"PT Api Lagi {n}", period=PERIOD).key_account
        )
        EvaluationFactory(relationship_manager=rm, period=PERIOD, evaluator=gm, total=D("3.00"))
        SegmentPeriodFactory(period=PERIOD, segment="champion", is_key=True, relationship_manager=rm, city=f"Kota {n}")


# token (+user), role; the RMs and the industries and cities the filters offer; the computation
BASE = 5


@pytest.mark.parametrize("extra", [1, 4])
def test_api_query_budgets(api_client_for, gm, world, extra, django_assert_num_queries):
    _more(gm, extra)
    client = api_client_for(gm)
    # every RM's profile (user, job description, load), criteria, metrics and evaluations of the period;
    # the page's RMs' metrics and evaluations of the 5 periods before, their evaluations' scores
    with django_assert_num_queries(BASE + 7):
        assert client.get(SCORECARDS).status_code == 200
    # transitions; per RM; plans by status
    with django_assert_num_queries(BASE + 3):
        assert client.get(PROGRAMME).status_code == 200
    # segments; before/after; count and page of key accounts; their share-of-wallet trends
    with django_assert_num_queries(BASE + 5):
        assert client.get(PROFITABILITY).status_code == 200


@pytest.mark.parametrize("extra", [1, 4])
def test_computation_list_query_budget(api_client_for, gm, extra, django_assert_num_queries):
    period = PERIOD
    for _n in range(extra):
        PeriodComputationFactory(period=period, requested_by=gm)
        period = period.previous()
    client = api_client_for(gm)
    # token (+user), role, count, page (+ who asked)
    with django_assert_num_queries(4):
        assert client.get(COMPUTATIONS).status_code == 200
