"""/api/v1/evaluations/: the same visibility and rules as the pages, field-level errors per
criterion row, 409 for a final evaluation, Idempotency-Key on create, a fixed query budget."""

from decimal import Decimal

import pytest

from crm_project.models import IdempotencyRecord
from crm_project.roles import Role
from relationships.models import Evaluation, EvaluationScore, Metric
from relationships.periods import Period

from .factories_evaluations import (
    Q2,
    PeriodComputationFactory,
    RMPeriodMetricFactory,
    evaluation_with,
    rm_with_job,
)

pytestmark = pytest.mark.django_db

EVALUATIONS = "/api/v1/evaluations/"
ROWS = [
    ("Contact cadence kept", "40", "measured", "cadence_adherence", 4, 4),
    ("Revenue growth", "30", "measured", "revenue_growth", 5, 3),
    ("Account knowledge", "30", "manual", "", None, None),
]


def detail(pk: int, action: str = "") -> str:
    return f"{EVALUATIONS}{pk}/{action + '/' if action else ''}"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def draft(rm, gm):
    return evaluation_with(ROWS, relationship_manager=rm, evaluator=gm)


@pytest.fixture
def final(rm, gm):
    return evaluation_with(
        [(n, w, "manual", "", None, s) for n, w, s in (("A", "40", 5), ("B", "30", 4), ("C", "30", 3))],
        relationship_manager=rm,
        evaluator=gm,
        period=Period.parse("2026-Q1"),
        final=True,
    )


@pytest.fixture
def client_of(api_client_for, request):
    def make(name: str):
        return api_client_for(request.getfixturevalue(name))

    return make


# -- reading -------------------------------------------------------------------------------------


def test_visibility_gm_and_admin_all_rm_own_final_rep_none(client_of, draft, final, make_user):
    other = evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), final=True)

    assert set(ids(client_of("gm").get(EVALUATIONS))) == {draft.pk, other.pk, final.pk}
    assert ids(client_of("admin").get(EVALUATIONS))[-1] == final.pk  # newest period first
    assert set(ids(client_of("admin").get(EVALUATIONS))) == {draft.pk, other.pk, final.pk}
    assert ids(client_of("rm").get(EVALUATIONS)) == [final.pk]
    assert ids(client_of("rep").get(EVALUATIONS)) == []
    assert client_of("rm").get(detail(final.pk)).status_code == 200
    for name, evaluation in [("rm", draft), ("rm", other), ("rep", final), ("rep", draft)]:
        assert client_of(name).get(detail(evaluation.pk)).status_code == 404, (name, evaluation)


def test_an_evaluation_with_its_scores(client_of, final, rm, gm):
    answer = client_of("rm").get(detail(final.pk)).json()

    assert {key: answer[key] for key in ("period", "period_kind", "period_start", "period_end", "status", "total")} == {
        "period": "2026-Q1",
        "period_kind": "quarter",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "status": "final",
        "total": "4.10",
    }
    assert answer["period_label"] == "Q1 2026"
    assert answer["relationship_manager"] == rm.pk and answer["evaluator"] == gm.pk
    assert answer["finalised_by"] == gm.pk and answer["finalised_at"]
    assert answer["page_url"].endswith(f"/programme/evaluations/{final.pk}/")
    first = answer["scores"][0]
    assert first == {
        "id": first["id"],
        "criterion": None,
        "name": "A",
        "weight": "40.00",
        "kind": "manual",
        "metric": "",
        "measured_value": None,
        "measured_numerator": None,
        "measured_denominator": None,
        "measured_score": None,
        "score": 5,
        "comment": "",
        "overridden": False,
    }
    assert [row["score"] for row in answer["scores"]] == [5, 4, 3]


def test_measured_scores_and_overrides_in_the_answer(client_of, draft):
    scores = client_of("gm").get(detail(draft.pk)).json()["scores"]
    growth = scores[1]
    assert (growth["metric"], growth["measured_value"], growth["measured_score"], growth["score"]) == (
        "revenue_growth",
        "0.9000",
        5,
        3,
    )
    assert (growth["overridden"], growth["comment"]) == (True, "Explained.")


def test_list_filters_and_ordering(client_of, draft, final, make_user):
    year = evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), period=Period.parse("2026"))
    gm = client_of("gm")

    assert ids(gm.get(EVALUATIONS, {"period": "2026-Q1"})) == [final.pk]
    assert ids(gm.get(EVALUATIONS, {"period": "2026"})) == [year.pk]
    assert ids(gm.get(EVALUATIONS, {"period_kind": "year"})) == [year.pk]
    assert ids(gm.get(EVALUATIONS, {"status": "final"})) == [final.pk]
    assert ids(gm.get(EVALUATIONS, {"relationship_manager": draft.relationship_manager_id})) == [draft.pk, final.pk]
    assert ids(gm.get(EVALUATIONS, {"ordering": "-total"}))[0] == final.pk  # unscored totals last
    assert ids(gm.get(EVALUATIONS, {"ordering": "total"}))[0] == final.pk
    assert ids(gm.get(EVALUATIONS, {"ordering": "period_start"})) == [final.pk, year.pk, draft.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"period": "Q3-2026"}, "period"), ({"period_kind": "month"}, "period_kind"), ({"status": "x"}, "status")],
)
def test_a_bad_filter_is_a_400_with_a_field_message(client_of, query, field):
    response = client_of("gm").get(EVALUATIONS, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if field == "period":
        assert response.json()["period"] == ["Write a period as a year (2026) or a quarter (2026-Q3)."]


@pytest.mark.parametrize("rows", [1, 4])
def test_list_query_budget(client_of, rows, make_user, django_assert_num_queries):
    for index in range(rows):
        evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), final=index % 2 == 0)
    client = client_of("gm")
    # token (user), role, count, the page (RM, job description, evaluator, finaliser joined), their scores
    with django_assert_num_queries(5):
        response = client.get(EVALUATIONS)
    assert response.json()["count"] == rows


# -- starting --------------------------------------------------------------------------------------


@pytest.fixture
def rina(gm):
    rina = rm_with_job(gm=gm, first_name="Rina", last_name="Wijaya")
    PeriodComputationFactory(period=Q2, data_until=Q2.end)
    RMPeriodMetricFactory(
        period=Q2,
        relationship_manager=rina,
        metric=Metric.CADENCE_ADHERENCE,
        value=Decimal("0.9167"),
        numerator=Decimal("33"),
        denominator=Decimal("36"),
        score=4,
    )
    return rina


def test_gm_starts_an_evaluation_with_measured_criteria_filled(client_of, rina):
    response = client_of("gm").post(EVALUATIONS, {"relationship_manager": rina.pk, "period": "2026-Q2"}, format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["status"], answer["period"], answer["relationship_manager"]) == ("draft", "2026-Q2", rina.pk)
    cadence, growth, knowledge = answer["scores"]
    assert (cadence["measured_value"], cadence["measured_numerator"], cadence["measured_score"], cadence["score"]) == (
        "0.9167",
        "33.00",
        4,
        4,
    )
    assert (growth["measured_score"], growth["score"]) == (None, None)  # no figures for this metric
    assert knowledge["kind"] == "manual" and answer["total"] is None

    again = client_of("gm").post(EVALUATIONS, {"relationship_manager": rina.pk, "period": "2026-Q2"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == answer["id"]
    assert Evaluation.objects.count() == 1


def test_start_honours_the_idempotency_key(client_of, rina):
    client = client_of("gm")
    body = {"relationship_manager": rina.pk, "period": "2026-Q2"}

    first = client.post(EVALUATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="start-rina-q2")
    replay = client.post(EVALUATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="start-rina-q2")
    other = client.post(EVALUATIONS, {**body, "period": "2026"}, format="json", HTTP_IDEMPOTENCY_KEY="start-rina-q2")

    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert other.status_code == 422
    assert Evaluation.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"relationship_manager": None, "period": "2026-Q2"}, {"relationship_manager": ["This field is required."]}),
        (
            {"relationship_manager": "RINA", "period": "2026-Q2"},
            {"relationship_manager": ["Incorrect type. Expected pk value, received str."]},
        ),
        ({"period": "Q2"}, {"period": ["Write a period as a year (2026) or a quarter (2026-Q3)."]}),
        ({"period": "2099-Q1"}, {"period": ["Q1 2099 has not started yet."]}),
    ],
)
def test_start_refusals_are_field_errors(client_of, rina, body, errors):
    body = {key: value for key, value in {"relationship_manager": rina.pk, **body}.items() if value is not None}
    response = client_of("gm").post(EVALUATIONS, body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Evaluation.objects.exists()


def test_an_rm_without_a_job_description_cannot_be_evaluated(client_of, rm):
    response = client_of("gm").post(EVALUATIONS, {"relationship_manager": rm.pk, "period": "2026-Q2"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"relationship_manager": ["Only a relationship manager with a profile can be evaluated."]}


@pytest.mark.parametrize("who", ["rm", "rep"])
def test_only_managers_start_evaluations(client_of, rina, who):
    response = client_of(who).post(EVALUATIONS, {"relationship_manager": rina.pk, "period": "2026-Q2"}, format="json")
    assert response.status_code == 403
    assert not Evaluation.objects.exists()


# -- scoring, finalising, refreshing, deleting ------------------------------------------------


def test_gm_scores_a_draft_and_the_total_follows(client_of, draft):
    _cadence, growth, knowledge = draft.scores.all()

    response = client_of("gm").patch(
        detail(draft.pk),
        {"summary": "Solid quarter.", "scores": [{"id": knowledge.pk, "score": 5, "comment": "Knows them all."}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    answer = response.json()
    # 4 x 40 + 3 x 30 + 5 x 30 = 400 / 100
    assert (answer["total"], answer["summary"]) == ("4.00", "Solid quarter.")
    assert answer["scores"][2]["comment"] == "Knows them all."
    # A row that leaves the comment out keeps it.
    kept = client_of("gm").patch(detail(draft.pk), {"scores": [{"id": growth.pk, "score": 2}]}, format="json")
    assert kept.status_code == 200 and kept.json()["scores"][1]["comment"] == "Explained."


def test_row_errors_are_aligned_with_the_rows_sent(client_of, draft):
    cadence, _growth, knowledge = draft.scores.all()
    gm = client_of("gm")

    override = gm.patch(
        detail(draft.pk),
        {"scores": [{"id": knowledge.pk, "score": 3}, {"id": cadence.pk, "score": 1, "comment": " "}]},
        format="json",
    )
    assert override.status_code == 400
    assert override.json() == {"scores": [{}, {"comment": ["Say why you changed the measured score."]}]}

    unknown = gm.patch(detail(draft.pk), {"scores": [{"id": knowledge.pk}, {"id": 999999, "score": 3}]}, format="json")
    assert unknown.status_code == 400
    assert unknown.json() == {"scores": [{}, {"id": ["No criterion score with this id in this evaluation."]}]}

    bad = gm.patch(detail(draft.pk), {"scores": [{"id": cadence.pk}, {"id": knowledge.pk, "score": 7}]}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"scores": [{}, {"score": ["Ensure this value is less than or equal to 5."]}]}
    assert list(EvaluationScore.objects.order_by("position").values_list("score", flat=True)) == [4, 3, None]


def test_finalising_names_the_unscored_criteria_then_finalises(client_of, draft, gm):
    _cadence, _growth, knowledge = draft.scores.all()
    client = client_of("gm")

    refused = client.post(detail(draft.pk, "finalise"))
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["Score every criterion before finalising. Not scored yet: Account knowledge."],
        "scores": [{}, {}, {"score": ["Score this criterion."]}],
    }

    client.patch(detail(draft.pk), {"scores": [{"id": knowledge.pk, "score": 3}]}, format="json")
    final = client.post(detail(draft.pk, "finalise"))
    assert final.status_code == 200
    assert (final.json()["status"], final.json()["total"], final.json()["finalised_by"]) == ("final", "3.40", gm.pk)


def test_a_final_evaluation_refuses_every_change_with_409(client_of, final):
    client = client_of("gm")
    first = final.scores.first()
    message = {"detail": "This evaluation is final: it can no longer be changed."}

    for response in (
        client.patch(detail(final.pk), {"scores": [{"id": first.pk, "score": 1}]}, format="json"),
        client.patch(detail(final.pk), {"scores": [{"id": "junk"}]}, format="json"),
        client.post(detail(final.pk, "finalise")),
        client.post(detail(final.pk, "refresh")),
        client.delete(detail(final.pk)),
    ):
        assert response.status_code == 409
        assert response.json() == message
    assert Evaluation.objects.get().total == Decimal("4.10")
    assert EvaluationScore.objects.get(pk=first.pk).score == 5


def test_non_managers_get_403_on_what_they_see_and_404_on_the_rest(client_of, draft, final):
    rm, rep = client_of("rm"), client_of("rep")
    for response in (
        rm.patch(detail(final.pk), {"summary": "mine"}, format="json"),
        rm.post(detail(final.pk, "finalise")),
        rm.post(detail(final.pk, "refresh")),
        rm.delete(detail(final.pk)),
    ):
        assert response.status_code == 403
    for response in (
        rm.patch(detail(draft.pk), {"summary": "mine"}, format="json"),
        rm.delete(detail(draft.pk)),
        rep.patch(detail(final.pk), {"summary": "x"}, format="json"),
        rep.post(detail(final.pk, "finalise")),
        rep.delete(detail(final.pk)),
    ):
        assert response.status_code == 404
    assert Evaluation.objects.count() == 2


def test_refresh_reads_the_figures_again(client_of, draft, gm):
    response = client_of("gm").post(detail(draft.pk, "refresh"))

    assert response.status_code == 200
    scores = response.json()["scores"]
    # rm manages no key accounts: nothing measured any more; the commented override stays.
    assert [(row["measured_score"], row["score"]) for row in scores] == [(None, None), (None, 3), (None, None)]
    assert response.json()["data_computed_at"] is not None


def test_gm_deletes_a_draft(client_of, draft):
    assert client_of("gm").delete(detail(draft.pk)).status_code == 204
    assert not Evaluation.objects.exists() and not EvaluationScore.objects.exists()


def test_put_is_not_offered(client_of, draft):
    assert client_of("gm").put(detail(draft.pk), {"summary": "x"}, format="json").status_code == 405


def test_schema_documents_the_bodies(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths[EVALUATIONS]) >= {"get", "post"}
    assert set(paths["/api/v1/evaluations/{id}/"]) >= {"get", "patch", "delete"}
    patch = paths["/api/v1/evaluations/{id}/"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PatchedEvaluationUpdateRequest"
    )
    assert set(patch["responses"]) >= {"200", "400", "403", "404", "409"}
    create = paths[EVALUATIONS]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("EvaluationCreateRequest")
    assert set(create["responses"]) >= {"200", "201", "400", "403", "422"}
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    scores = schema["components"]["schemas"]["Evaluation"]["properties"]["scores"]
    assert scores["items"]["$ref"].endswith("EvaluationScore")
    assert set(paths["/api/v1/evaluations/{id}/finalise/"]["post"]["responses"]) >= {"200", "400", "409"}
