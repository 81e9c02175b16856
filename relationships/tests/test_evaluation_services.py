"""RM evaluations (services/evaluations.py) against numbers worked out by hand.

The scenario: Q2 2026 (1 April - 30 June, 91 days), evaluated on 25 November 2026. Rina
manages one key account since January 2025 under the key-account cadence of 30 days, so Q2
asks for 91 // 30 = 3 contacts; she made 2 (adherence 2/3 = 0.6667: score 2). The account
bought 1,500,000 in Q2 against 1,000,000 in Q2 2025 (growth 0.5: score 5). Her job
description weighs cadence 40, revenue growth 30 and the manual "account knowledge" 30.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Customer
from communications.models import CadenceRule, Channel
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from insights.tests.factories import PurchaseFactory
from relationships.models import (
    Evaluation,
    EvaluationScore,
    PeriodComputation,
    RelationshipManagerProfile,
    RMPeriodMetric,
)
from relationships.periods import Period
from relationships.services import (
    EvaluationFinal,
    evaluation_delete,
    evaluation_finalise,
    evaluation_refresh,
    evaluation_save,
    evaluation_start,
    evaluation_total,
    period_compute,
)

from .factories import JobDescriptionFactory, KeyAccountFactory, RMProfileFactory
from .factories_evaluations import (
    STANDARD_CRITERIA,
    EvaluationScoreFactory,
    PeriodComputationFactory,
    evaluation_with,
    rm_with_job,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
Q2 = Period.parse("2026-Q2")


def at(day: str, time: str = "12:00") -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{time}"))


@pytest.fixture
def world(gm):
    CadenceRule.objects.update_or_create(
        customer=None, tier=Customer.Tier.KEY, channel="", defaults={"max_gap_days": 30}
    )
    rina = rm_with_job(STANDARD_CRITERIA, gm=gm, first_name="Rina", last_name="Wijaya")
    account = KeyAccountFactory(relationship_manager=rina, nominated_by=gm, nominated_at=at("2025-01-10"))
    account.assignments.update(started_at=at("2025-01-10"))
    for day in ("2026-04-10", "2026-05-20"):
        InteractionFactory(customer=account.customer, channel=Channel.VISIT, occurred_at=at(day))
    PurchaseFactory(customer=account.customer, purchased_at=at("2026-05-05"), amount=Decimal("1500000"))
    PurchaseFactory(customer=account.customer, purchased_at=at("2025-05-05"), amount=Decimal("1000000"))
    return {"gm": gm, "rina": rina, "account": account}


def scores_of(evaluation: Evaluation) -> dict[str, EvaluationScore]:
    return {score.name: score for score in evaluation.scores.all()}


def test_start_prefills_measured_criteria_from_the_period_figures(world):
    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=world["gm"], today=TODAY)

    computation = PeriodComputation.objects.get(period_kind="quarter", period_start=Q2.start)
    assert computation.status == PeriodComputation.Status.DONE and computation.data_until == Q2.end
    assert (evaluation.status, evaluation.period_kind, evaluation.period_start, evaluation.period_end) == (
        Evaluation.Status.DRAFT,
        "quarter",
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    assert evaluation.job_description == world["rina"].rm_profile.job_description
    assert evaluation.evaluator == world["gm"]
    assert evaluation.data_computed_at == computation.finished_at
    rows = scores_of(evaluation)
    assert [(s.name, s.weight, s.kind, s.metric, s.position) for s in evaluation.scores.all()] == [
        ("Contact cadence kept", Decimal("40.00"), "measured", "cadence_adherence", 0),
        ("Revenue growth of key accounts", Decimal("30.00"), "measured", "revenue_growth", 1),
        ("Quality of account knowledge", Decimal("30.00"), "manual", "", 2),
    ]
    cadence, growth, knowledge = rows.values()
    assert (cadence.measured_value, cadence.measured_numerator, cadence.measured_denominator) == (
        Decimal("0.6667"),
        Decimal("2.00"),
        Decimal("3.00"),
    )
    assert (cadence.measured_score, cadence.score) == (2, 2)
    assert (growth.measured_value, growth.measured_numerator, growth.measured_denominator) == (
        Decimal("0.5000"),
        Decimal("500000.00"),
        Decimal("1000000.00"),
    )
    assert (growth.measured_score, growth.score) == (5, 5)
    assert (knowledge.measured_score, knowledge.score, knowledge.measured_value) == (None, None, None)
    # Exactly what period_compute stored for her.
    for score in (cadence, growth):
        metric = RMPeriodMetric.objects.get(
            relationship_manager=world["rina"], metric=score.metric, period_start=Q2.start, period_kind="quarter"
        )
        assert (metric.value, metric.numerator, metric.denominator, metric.score) == (
            score.measured_value,
            score.measured_numerator,
            score.measured_denominator,
            score.measured_score,
        )
    assert all(score.criterion_id for score in rows.values())
    assert evaluation.total is None  # the manual criterion is not scored yet


def test_starting_again_returns_the_same_evaluation_and_reads_the_stored_figures(world):
    first = evaluation_start(relationship_manager=world["rina"], period=Q2, by=world["gm"], today=TODAY)
    finished = PeriodComputation.objects.get().finished_at

    again = evaluation_start(relationship_manager=world["rina"], period=Q2, by=world["gm"], today=TODAY)

    assert again.pk == first.pk
    assert Evaluation.objects.count() == 1 and EvaluationScore.objects.count() == 3
    assert PeriodComputation.objects.get().finished_at == finished


def test_start_reads_done_figures_without_computing_them_again(world, admin):
    period_compute(period=Q2, today=TODAY)
    InteractionFactory(customer=world["account"].customer, occurred_at=at("2026-06-01"))  # recorded late

    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=admin, today=TODAY)

    assert scores_of(evaluation)["Contact cadence kept"].measured_numerator == Decimal("2.00")
    assert evaluation.evaluator == admin


def test_start_computes_again_figures_that_stopped_before_the_period_ended(world):
    PeriodComputationFactory(period=Q2, data_until=dt.date(2026, 5, 15), finished_at=at("2026-05-16"))

    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=world["gm"], today=TODAY)

    computation = PeriodComputation.objects.get()
    assert computation.data_until == Q2.end
    assert evaluation.data_computed_at == computation.finished_at
    assert scores_of(evaluation)["Contact cadence kept"].measured_score == 2


@pytest.mark.parametrize("who", ["rep", "rm"])
def test_only_general_managers_and_admins_start_evaluations(request, world, who):
    with pytest.raises(PermissionDenied):
        evaluation_start(relationship_manager=world["rina"], period=Q2, by=request.getfixturevalue(who), today=TODAY)
    assert not Evaluation.objects.exists()


def test_start_refuses_with_field_messages(gm, rep):
    no_profile = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    no_job = UserFactory(role=Role.RELATIONSHIP_MANAGER, first_name="Budi", last_name="Santoso")
    RMProfileFactory(user=no_job, reports_to=gm)

    for person, text in [
        (no_profile, "Only a relationship manager with a profile can be evaluated."),
        (rep, "Only a relationship manager with a profile can be evaluated."),
        (no_job, "Budi Santoso has no job description yet: give them one on their profile first."),
    ]:
        with pytest.raises(ValidationError) as refused:
            evaluation_start(relationship_manager=person, period=Q2, by=gm, today=TODAY)
        assert refused.value.message_dict == {"relationship_manager": [text]}

    rina = rm_with_job(gm=gm)
    with pytest.raises(ValidationError) as refused:
        evaluation_start(relationship_manager=rina, period=Period.parse("2027-Q1"), by=gm, today=TODAY)
    assert refused.value.message_dict == {"period": ["Q1 2027 has not started yet."]}
    assert not Evaluation.objects.exists() and not PeriodComputation.objects.exists()


def test_a_running_period_can_be_evaluated_with_its_figures_so_far(world):
    evaluation = evaluation_start(
        relationship_manager=world["rina"], period=Period.parse("2026-Q4"), by=world["gm"], today=TODAY
    )
    assert PeriodComputation.objects.get(period_start=dt.date(2026, 10, 1)).data_until == TODAY
    assert evaluation.status == Evaluation.Status.DRAFT


def test_without_key_accounts_the_gm_scores_measured_criteria_by_hand_with_a_comment(gm):
    rudi = rm_with_job(gm=gm)

    evaluation = evaluation_start(relationship_manager=rudi, period=Q2, by=gm, today=TODAY)

    cadence = scores_of(evaluation)["Contact cadence kept"]
    assert (cadence.measured_value, cadence.measured_numerator, cadence.measured_score, cadence.score) == (
        None,
        None,
        None,
        None,
    )
    with pytest.raises(ValidationError) as refused:
        evaluation_save(evaluation=evaluation, by=gm, scores={cadence.pk: (3, "  ")})
    assert refused.value.message_dict == {f"comment_{cadence.pk}": ["Say why you changed the measured score."]}
    assert EvaluationScore.objects.get(pk=cadence.pk).score is None

    evaluation_save(evaluation=evaluation, by=gm, scores={cadence.pk: (3, "Took over the accounts in July.")})
    cadence.refresh_from_db()
    assert (cadence.score, cadence.comment, cadence.overridden) == (3, "Took over the accounts in July.", True)


def test_weighted_total_40_30_30_with_scores_5_4_3_is_4_10(gm, rm):
    evaluation = evaluation_with(
        [
            ("A", "40", "manual", "", None, None),
            ("B", "30", "manual", "", None, None),
            ("C", "30", "manual", "", None, None),
        ],
        relationship_manager=rm,
    )
    a, b, c = evaluation.scores.all()

    saved = evaluation_save(
        evaluation=evaluation, by=gm, scores={a.pk: (5, ""), b.pk: (4, ""), c.pk: (3, "")}, summary=" Good year. "
    )

    assert saved.total == Decimal("4.10")
    assert Evaluation.objects.get().total == Decimal("4.10")
    assert Evaluation.objects.get().summary == "Good year."


def test_total_rounds_half_up_and_waits_for_every_score():
    def rows(*pairs):
        return [EvaluationScoreFactory.build(weight=Decimal(w), score=s) for w, s in pairs]

    assert evaluation_total(rows(("12.5", 5), ("87.5", 4))) == Decimal("4.13")  # 4.125: half up, not to even
    assert evaluation_total(rows(("50", 1), ("50", 2))) == Decimal("1.50")
    assert evaluation_total(rows(("100", 5))) == Decimal("5.00")
    assert evaluation_total(rows(("60", 5), ("40", None))) is None
    assert evaluation_total([]) is None


def test_saving_refuses_bad_rows_and_keeps_everything_as_it_was(gm, rm):
    evaluation = evaluation_with(
        [("Cadence", "50", "measured", "cadence_adherence", 4, 4), ("Knowledge", "50", "manual", "", None, 2)],
        relationship_manager=rm,
    )
    cadence, knowledge = evaluation.scores.all()

    with pytest.raises(ValidationError) as refused:
        evaluation_save(
            evaluation=evaluation,
            by=gm,
            scores={cadence.pk: (2, ""), knowledge.pk: (6, ""), 999999: (3, "")},
            summary="changed",
        )

    assert refused.value.message_dict == {
        "scores": ["These criteria are not part of this evaluation: 999999."],
        f"score_{knowledge.pk}": ["Give a score from 1 to 5."],
        f"comment_{cadence.pk}": ["Say why you changed the measured score."],
    }
    assert [(s.score, s.comment) for s in evaluation.scores.all()] == [(4, ""), (2, "")]
    assert Evaluation.objects.get().summary == ""


def test_a_measured_score_changed_with_a_comment_is_an_override_and_back_to_measured_is_not(gm, rm):
    evaluation = evaluation_with(
        [("Cadence", "50", "measured", "cadence_adherence", 4, 4), ("Knowledge", "50", "manual", "", None, 3)],
        relationship_manager=rm,
    )
    cadence, knowledge = evaluation.scores.all()

    evaluation_save(evaluation=evaluation, by=gm, scores={cadence.pk: (2, "Half the visits were phone calls.")})
    cadence.refresh_from_db()
    assert cadence.overridden and Evaluation.objects.get().total == Decimal("2.50")

    evaluation_save(evaluation=evaluation, by=gm, scores={cadence.pk: (4, ""), knowledge.pk: (None, "")})
    cadence.refresh_from_db()
    assert not cadence.overridden
    assert Evaluation.objects.get().total is None  # knowledge cleared


def test_finalising_needs_every_criterion_scored_and_names_the_missing_ones(world):
    gm = world["gm"]
    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=gm, today=TODAY)
    rows = scores_of(evaluation)
    knowledge = rows["Quality of account knowledge"]

    with pytest.raises(ValidationError) as refused:
        evaluation_finalise(evaluation=evaluation, by=gm)
    assert refused.value.message_dict == {
        "scores": ["Score every criterion before finalising. Not scored yet: Quality of account knowledge."],
        f"score_{knowledge.pk}": ["Score this criterion."],
    }
    assert Evaluation.objects.get().status == Evaluation.Status.DRAFT

    evaluation_save(evaluation=evaluation, by=gm, scores={knowledge.pk: (4, "Knows every decision maker.")})
    final = evaluation_finalise(evaluation=evaluation, by=gm)

    # cadence 2 x 40 + growth 5 x 30 + knowledge 4 x 30 = 350 / 100
    assert (final.status, final.total, final.finalised_by) == (Evaluation.Status.FINAL, Decimal("3.50"), gm)
    assert final.finalised_at is not None
    assert Evaluation.objects.get().total == Decimal("3.50")


def test_a_final_evaluation_is_read_only_for_every_write(gm, rm):
    evaluation = evaluation_with(
        [("A", "60", "manual", "", None, 5), ("B", "40", "measured", "revenue_growth", 3, 3)],
        relationship_manager=rm,
        final=True,
    )
    a, _b = evaluation.scores.all()
    before = list(EvaluationScore.objects.values_list("score", "comment"))

    for write in (
        lambda: evaluation_save(evaluation=evaluation, by=gm, scores={a.pk: (1, "")}, summary="x"),
        lambda: evaluation_refresh(evaluation=evaluation, by=gm, today=TODAY),
        lambda: evaluation_finalise(evaluation=evaluation, by=gm),
        lambda: evaluation_delete(evaluation=evaluation, by=gm),
    ):
        with pytest.raises(EvaluationFinal) as refused:
            write()
        assert refused.value.messages == ["This evaluation is final: it can no longer be changed."]

    assert list(EvaluationScore.objects.values_list("score", "comment")) == before
    assert Evaluation.objects.get().total == Decimal("4.20") and Evaluation.objects.get().summary == ""
    assert not PeriodComputation.objects.exists()


def test_refresh_reads_new_figures_and_keeps_the_gms_overrides(world):
    gm = world["gm"]
    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=gm, today=TODAY)
    rows = scores_of(evaluation)
    cadence, growth = rows["Contact cadence kept"], rows["Revenue growth of key accounts"]
    evaluation_save(evaluation=evaluation, by=gm, scores={growth.pk: (4, "One-off project order in May.")})
    first_read = Evaluation.objects.get().data_computed_at
    # Recorded late: a third contact (3 of 3: adherence 1.0, score 5) and an order of Q2 2025.
    InteractionFactory(customer=world["account"].customer, channel=Channel.PHONE, occurred_at=at("2026-06-20"))
    PurchaseFactory(customer=world["account"].customer, purchased_at=at("2025-06-21"), amount=Decimal("500000"))

    refreshed = evaluation_refresh(evaluation=evaluation, by=gm, today=TODAY)

    cadence.refresh_from_db()
    growth.refresh_from_db()
    assert (cadence.measured_value, cadence.measured_score, cadence.score) == (Decimal("1.0000"), 5, 5)
    # 1,500,000 against 1,500,000: 0% scores 3; the GM's 4 stays, with its comment.
    assert (growth.measured_value, growth.measured_score) == (Decimal("0.0000"), 3)
    assert (growth.score, growth.comment, growth.overridden) == (4, "One-off project order in May.", True)
    assert refreshed.data_computed_at > first_read
    assert refreshed.data_computed_at == PeriodComputation.objects.get().finished_at
    assert PeriodComputation.objects.get().requested_by == gm


def test_refresh_lets_unexplained_measured_scores_follow_the_figures(world):
    gm = world["gm"]
    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=gm, today=TODAY)
    PurchaseFactory(customer=world["account"].customer, purchased_at=at("2025-06-21"), amount=Decimal("700000"))

    evaluation_refresh(evaluation=evaluation, by=gm, today=TODAY)

    growth = scores_of(evaluation)["Revenue growth of key accounts"]
    # 1,500,000 against 1,700,000: -11.76% scores 1, and the score follows.
    assert (growth.measured_value, growth.measured_score, growth.score) == (Decimal("-0.1176"), 1, 1)
    assert Evaluation.objects.get().total is None


def test_only_drafts_are_deleted_and_only_by_managers(gm, rm):
    draft = evaluation_with([("A", "100", "manual", "", None, 3)], relationship_manager=rm)

    with pytest.raises(PermissionDenied):
        evaluation_delete(evaluation=draft, by=rm)
    with pytest.raises(PermissionDenied):
        evaluation_save(evaluation=draft, by=rm, scores={})
    evaluation_delete(evaluation=draft, by=gm)

    assert not Evaluation.objects.exists() and not EvaluationScore.objects.exists()


def test_the_criteria_stay_as_copied_when_the_job_description_changes(world):
    gm = world["gm"]
    evaluation = evaluation_start(relationship_manager=world["rina"], period=Q2, by=gm, today=TODAY)
    job = world["rina"].rm_profile.job_description
    job.criteria.filter(name="Quality of account knowledge").update(name="Renamed", weight=Decimal("10"))
    RelationshipManagerProfile.objects.filter(user=world["rina"]).update(job_description=JobDescriptionFactory())

    rows = scores_of(Evaluation.objects.get(pk=evaluation.pk))
    assert rows["Quality of account knowledge"].weight == Decimal("30.00")
    assert Evaluation.objects.get().job_description == job
