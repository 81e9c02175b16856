"""The GM's dashboards' reads (selectors/dashboards.py and dashboard_*.py) over stored period rows set by hand:
weighted scores, programme health, profitability with its return on relationship cost, the
before/after comparison, and who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from relationships import selectors
from relationships.models import Evaluation, EvaluationCriterion, Metric, RelationshipManagerProfile, RelationshipPlan
from relationships.periods import Period, PeriodKind
from relationships.selectors import DashboardFilters
from relationships.tests.factories import (
    CriterionFactory,
    JobDescriptionFactory,
    KeyAccountFactory,
    PlanFactory,
    RMProfileFactory,
)
from relationships.tests.factories_figures import (
    EvaluationFactory,
    EvaluationScoreFactory,
    KeyAccountPeriodFactory,
    PeriodComputationFactory,
    RMPeriodMetricFactory,
    SegmentMovementFactory,
    SegmentPeriodFactory,
)

pytestmark = pytest.mark.django_db

Q3 = Period.parse("2026-Q3")
Q2 = Period.parse("2026-Q2")
D = Decimal


def _rm_with_job(gm, *, capacity=3, **user):
    """An RM whose job description weighs cadence 40 (measured), growth 30 (measured) and
    account knowledge 30 (manual)."""
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER, **user)
    job = JobDescriptionFactory(written_by=gm)
    CriterionFactory(
        job_description=job,
        name="Contact cadence kept",
        weight=D("40"),
        kind=EvaluationCriterion.Kind.MEASURED,
        metric=Metric.CADENCE_ADHERENCE,
        position=1,
    )
    CriterionFactory(
        job_description=job,
        name="Revenue growth",
        weight=D("30"),
        kind=EvaluationCriterion.Kind.MEASURED,
        metric=Metric.REVENUE_GROWTH,
        position=2,
    )
    CriterionFactory(job_description=job, name="Account knowledge", weight=D("30"), position=3)
    RMProfileFactory(user=rm, reports_to=gm, capacity=capacity, job_description=job)
    return rm


def _cards(user, filters):
    """The scorecards as a page shows them: the list, then the details of the ones shown."""
    return selectors.scorecard_details(
        user=user, cards=selectors.scorecard_list(user=user, filters=filters), filters=filters
    )


def _scores(rm, period, cadence, growth):
    RMPeriodMetricFactory(relationship_manager=rm, period=period, metric=Metric.CADENCE_ADHERENCE, score=cadence)
    RMPeriodMetricFactory(relationship_manager=rm, period=period, metric=Metric.REVENUE_GROWTH, score=growth)


# -- weighted scores --------------------------------------------------------------------------------


def test_measured_only_score_weighs_the_measured_criteria_with_a_score():
    # (40 x 5 + 30 x 3) / (40 + 30) = 290 / 70 = 4.142857...
    assert selectors.measured_weighted_score([(D("40"), 5), (D("30"), 3), (D("30"), None)]) == D("4.14")
    assert selectors.measured_weighted_score([(D("40"), None)]) is None


def test_scorecard_without_an_evaluation_is_measured_only(gm):
    rm = _rm_with_job(gm, first_name="Rina", last_name="Wijaya")
    _scores(rm, Q3, cadence=5, growth=3)

    [card] = _cards(gm, DashboardFilters(period=Q3))

    assert card.score == D("4.14")
    assert card.basis == "measured"
    assert [(c.name, c.score, c.source) for c in card.criteria] == [
        ("Contact cadence kept", 5, "measured"),
        ("Revenue growth", 3, "measured"),
        ("Account knowledge", None, ""),
    ]
    assert card.evaluation_id is None


def test_scorecard_shows_the_evaluation_total_final_or_draft_to_the_gm(gm):
    rm = _rm_with_job(gm)
    _scores(rm, Q3, cadence=5, growth=3)
    evaluation = EvaluationFactory(relationship_manager=rm, period=Q3, evaluator=gm, total=D("3.70"))
    EvaluationScoreFactory(
        evaluation=evaluation,
        name="Contact cadence kept",
        weight=D("40"),
        kind="measured",
        metric=Metric.CADENCE_ADHERENCE,
        measured_score=5,
        score=4,
        position=1,
    )
    EvaluationScoreFactory(
        evaluation=evaluation, name="Account knowledge", weight=D("60"), kind="manual", score=3, position=2
    )

    [card] = _cards(gm, DashboardFilters(period=Q3))
    assert (card.score, card.basis, card.evaluation_id) == (D("3.70"), "draft", evaluation.pk)
    assert [(c.name, c.score, c.source) for c in card.criteria] == [
        ("Contact cadence kept", 4, "evaluation"),
        ("Account knowledge", 3, "evaluation"),
    ]

    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.FINAL)
    [card] = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3))
    assert card.basis == "final"


def test_an_rm_sees_only_their_own_scorecard_and_not_their_draft_evaluation(gm):
    rina = _rm_with_job(gm)
    rudi = _rm_with_job(gm)
    _scores(rina, Q3, cadence=5, growth=3)
    _scores(rudi, Q3, cadence=1, growth=1)
    EvaluationFactory(relationship_manager=rina, period=Q3, evaluator=gm, total=D("2.00"))  # a draft

    cards = _cards(rina, DashboardFilters(period=Q3))

    assert [card.user_id for card in cards] == [rina.pk]
    assert (cards[0].score, cards[0].basis, cards[0].evaluation_id) == (D("4.14"), "measured", None)
    with pytest.raises(RelationshipManagerProfile.DoesNotExist):
        selectors.scorecard_get(user=rina, rm_id=rudi.pk, filters=DashboardFilters(period=Q3))


def test_a_rep_sees_no_scorecard(gm, rep):
    _scores(_rm_with_job(gm), Q3, cadence=5, growth=3)
    assert selectors.scorecard_list(user=rep, filters=DashboardFilters(period=Q3)) == []


def test_scorecard_trend_covers_six_periods_of_the_same_kind(gm):
    rm = _rm_with_job(gm)
    _scores(rm, Q3, cadence=5, growth=3)
    _scores(rm, Q2, cadence=3, growth=3)
    _scores(rm, Period.parse("2026"), cadence=1, growth=1)  # a year: another kind, not in the trend

    [card] = _cards(gm, DashboardFilters(period=Q3))

    assert [point.period.key for point in card.trend] == [
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    ]
    assert [point.score for point in card.trend] == [None, None, None, None, D("3.00"), D("4.14")]


def test_scorecards_rank_best_score_first_or_by_name(gm):
    anna = _rm_with_job(gm, first_name="Anna", last_name="A")
    bima = _rm_with_job(gm, first_name="Bima", last_name="B")
    cici = _rm_with_job(gm, first_name="Cici", last_name="C")
    dodi = _rm_with_job(gm, first_name="Dodi", last_name="D")
    _scores(anna, Q3, cadence=2, growth=2)  # 2.00
    _scores(cici, Q3, cadence=5, growth=3)  # 4.14
    _scores(dodi, Q3, cadence=1, growth=1)  # 1.00, but an evaluation's total counts first
    EvaluationFactory(relationship_manager=dodi, period=Q3, evaluator=gm, total=D("4.50"))
    # Bima: no metrics, no score: last

    ranked = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3))
    by_name = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3), order="name")

    assert [(card.name, card.score) for card in ranked] == [
        ("Dodi D", D("4.50")),
        ("Cici C", D("4.14")),
        ("Anna A", D("2.00")),
        ("Bima B", None),
    ]
    assert [card.user_id for card in by_name] == [anna.pk, bima.pk, cici.pk, dodi.pk]
    # The list leaves the trend to scorecard_details, which the pages ask for the RMs they show.
    assert all(card.trend == [] for card in ranked)


def test_scorecard_details_fill_only_the_cards_asked_for(gm, django_assert_num_queries):
    rms = [_rm_with_job(gm, first_name=f"Rm{n}") for n in range(3)]
    for rm in rms:
        _scores(rm, Q3, cadence=5, growth=3)
        _scores(rm, Q2, cadence=3, growth=3)
    EvaluationFactory(relationship_manager=rms[0], period=Q3, evaluator=gm, total=D("3.00"))
    cards = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3), order="name")

    # earlier periods' metrics; their evaluations; the criterion scores of the shown evaluation
    with django_assert_num_queries(3):
        selectors.scorecard_details(user=gm, cards=cards[:2], filters=DashboardFilters(period=Q3))

    assert [point.score for point in cards[0].trend][-2:] == [D("3.00"), D("3.00")]
    assert [point.score for point in cards[1].trend][-2:] == [D("3.00"), D("4.14")]
    assert cards[2].trend == []


def test_scorecard_load_against_capacity(gm):
    rm = _rm_with_job(gm, capacity=2)
    KeyAccountFactory.create_batch(2, relationship_manager=rm, nominated_by=gm)
    KeyAccountFactory(relationship_manager=rm, nominated_by=gm, retired_at=timezone.now())

    [card] = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3))

    assert (card.load, card.capacity, card.is_full) == (2, 2, True)


def test_segment_and_city_keep_the_rms_with_such_key_accounts(gm):
    rina, rudi = _rm_with_job(gm), _rm_with_job(gm)
    KeyAccountPeriodFactory(
        period=Q3, key_account=KeyAccountFactory(relationship_manager=rina, customer__city="Medan"), segment_end="loyal"
    )
    KeyAccountPeriodFactory(
        period=Q3,
        key_account=KeyAccountFactory(relationship_manager=rudi, customer__city="Bandung"),
        segment_end="loyal",
    )

    by_city = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3, city="Medan"))
    by_segment = selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3, segment="champion"))

    assert [card.user_id for card in by_city] == [rina.pk]
    assert by_segment == []
    assert len(selectors.scorecard_list(user=gm, filters=DashboardFilters(period=Q3))) == 2


def test_scorecard_accounts_are_the_rms_rows_of_the_period(gm):
    rm = _rm_with_job(gm)
    mine = KeyAccountPeriodFactory(period=Q3, key_account=KeyAccountFactory(relationship_manager=rm))
    KeyAccountPeriodFactory(period=Q2, key_account=mine.key_account)
    KeyAccountPeriodFactory(period=Q3)  # someone else's

    rows = selectors.scorecard_accounts(user=rm, rm_id=rm.pk, filters=DashboardFilters(period=Q3))

    assert list(rows) == [mine]


# -- programme health ---------------------------------------------------------------------------------


def test_programme_health_counts_movement_cadence_actions_and_budget(gm):
    rina, rudi = _rm_with_job(gm, first_name="Rina"), _rm_with_job(gm, first_name="Rudi")
    common = {"period": Q3}
    KeyAccountPeriodFactory(
        **common,
        key_account=KeyAccountFactory(relationship_manager=rina),
        segment_start="need_attention",
        segment_end="loyal",
        contacts=5,
        expected_contacts=4,
        cadence_met=4,
        actions_due=3,
        actions_done=2,
        actions_overdue=1,
        plan_budget=D("1000000"),
        plan_spent=D("250000"),
    )
    KeyAccountPeriodFactory(
        **common,
        key_account=KeyAccountFactory(relationship_manager=rina),
        segment_start="loyal",
        segment_end="at_risk",
        contacts=1,
        expected_contacts=4,
        cadence_met=1,
        actions_due=1,
        actions_done=1,
        plan_budget=D("1000000"),
        plan_spent=D("750000"),
    )
    KeyAccountPeriodFactory(
        **common,
        key_account=KeyAccountFactory(relationship_manager=rudi),
        segment_start="loyal",
        segment_end="loyal",
        contacts=3,
        expected_contacts=3,
        cadence_met=3,
    )
    KeyAccountPeriodFactory(
        **common, key_account=KeyAccountFactory(relationship_manager=rudi), segment_start="", segment_end="new_customer"
    )
    KeyAccountPeriodFactory(period=Q2, segment_start="loyal", segment_end="champion")  # another period

    health = selectors.programme_health(user=gm, filters=DashboardFilters(period=Q3))

    assert health.key_accounts == 4
    assert (health.improved, health.same, health.worsened, health.unknown) == (1, 1, 1, 1)
    assert health.by_segment == [("loyal", 2), ("new_customer", 1), ("at_risk", 1)]
    # cadence intervals with a contact: 4 + 1 + 3 = 8 of 4 + 4 + 3 = 11
    assert (health.total.cadence_met, health.total.cadence_due) == (8, 11)
    assert health.total.adherence == D(8) / D(11)
    by_name = {rm.name.split()[0]: rm for rm in health.rms}
    assert by_name["Rina"].adherence == D("0.625")  # (4 + 1) / 8
    assert (by_name["Rina"].actions_done, by_name["Rina"].actions_due, by_name["Rina"].actions_overdue) == (3, 4, 1)
    assert (by_name["Rina"].plan_spent, by_name["Rina"].plan_budget) == (D("1000000"), D("2000000"))
    assert by_name["Rina"].budget_used == D("0.5")
    ends, rows = health.matrix
    assert ends == ["loyal", "new_customer", "at_risk"]
    assert dict(rows)["need_attention"] == [("loyal", 1, 1), ("new_customer", 0, 1), ("at_risk", 0, -1)]


def test_programme_health_rm_filter_narrows_the_rows(gm):
    rina, rudi = _rm_with_job(gm), _rm_with_job(gm)
    KeyAccountPeriodFactory(period=Q3, key_account=KeyAccountFactory(relationship_manager=rina), actions_overdue=2)
    KeyAccountPeriodFactory(period=Q3, key_account=KeyAccountFactory(relationship_manager=rudi), actions_overdue=5)

    health = selectors.programme_health(user=gm, filters=DashboardFilters(period=Q3, relationship_manager=rina.pk))

    assert (health.key_accounts, health.total.actions_overdue) == (1, 2)


def test_plans_by_status_are_the_latest_versions_covering_the_year(gm):
    rm = _rm_with_job(gm)
    key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    PlanFactory(key_account=key_account, start_year=2026, status=RelationshipPlan.Status.APPROVED)
    PlanFactory(
        key_account=key_account,
        kind=RelationshipPlan.Kind.LONG_TERM,
        start_year=2025,
        end_year=2027,
        status=RelationshipPlan.Status.SUBMITTED,
    )
    PlanFactory(key_account=key_account, start_year=2025, status=RelationshipPlan.Status.APPROVED)  # not 2026
    retired = KeyAccountFactory(relationship_manager=rm, nominated_by=gm, retired_at=timezone.now())
    PlanFactory(key_account=retired, start_year=2026)  # a retired key account's

    health = selectors.programme_health(user=gm, filters=DashboardFilters(period=Q3))

    assert health.plans == {"long_term": {"submitted": 1}, "annual": {"approved": 1}}


# -- profitability -------------------------------------------------------------------------------------


def _two_segments():
    """Loyal key accounts: margin 500,000 against 350,000 a year before, cost 60,000 + 40,000:
    return 150,000 / 100,000 = 1.50. At-risk key accounts: margin 200,000 against 230,000,
    cost 100,000: return -0.30. Regular loyal customers: no cost of goods, revenue flat."""
    SegmentPeriodFactory(
        period=Q3,
        segment="loyal",
        is_key=True,
        customers=2,
        city="Jakarta",
        revenue=D("2000000"),
        revenue_prev=D("1600000"),
        margin=D("500000"),
        margin_prev=D("350000"),
        plan_spent=D("60000"),
        contact_cost=D("40000"),
        contacts=8,
    )
    SegmentPeriodFactory(
        period=Q3,
        segment="at_risk",
        is_key=True,
        customers=1,
        city="Medan",
        revenue=D("800000"),
        revenue_prev=D("900000"),
        margin=D("200000"),
        margin_prev=D("230000"),
        plan_spent=D("50000"),
        contact_cost=D("50000"),
        contacts=4,
    )
    SegmentPeriodFactory(
        period=Q3,
        segment="loyal",
        is_key=False,
        customers=10,
        city="Jakarta",
        revenue=D("1000000"),
        revenue_prev=D("1000000"),
        contact_cost=D("10000"),
        contacts=2,
    )
    SegmentPeriodFactory(period=Q2, segment="loyal", is_key=True, customers=99, revenue=D("1"))  # another period


def test_return_on_relationship_cost_per_segment_and_group():
    _two_segments()

    result = selectors.profitability(filters=DashboardFilters(period=Q3))

    loyal, at_risk = result.segments
    assert (loyal.segment, at_risk.segment) == ("loyal", "at_risk")
    assert loyal.key.relationship_cost == D("100000")
    assert (loyal.key.gain, loyal.key.gain_basis) == (D("150000"), "margin")
    assert loyal.key.return_on_cost == D("1.50")
    assert loyal.key.pays_off
    assert loyal.key.growth == D("0.25")  # (2,000,000 - 1,600,000) / 1,600,000
    assert (at_risk.key.gain, at_risk.key.return_on_cost, at_risk.key.pays_off) == (D("-30000"), D("-0.30"), False)
    assert (loyal.regular.gain_basis, loyal.regular.gain, loyal.regular.return_on_cost) == ("revenue", D("0"), D("0"))
    assert at_risk.regular.customers == 0 and at_risk.regular.return_on_cost is None
    # All key accounts: (700,000 - 580,000) / 200,000
    assert (result.key.customers, result.key.return_on_cost) == (3, D("0.60"))
    assert result.key.growth == D("0.12")  # (2,800,000 - 2,500,000) / 2,500,000
    assert [s.segment for s in result.paying] == ["loyal"]
    assert [s.segment for s in result.not_paying] == ["at_risk"]


def test_profitability_filters_change_the_numbers(gm):
    _two_segments()
    rina = _rm_with_job(gm)
    SegmentPeriodFactory(
        period=Q3,
        segment="champion",
        is_key=True,
        relationship_manager=rina,
        customers=1,
        revenue=D("500000"),
        revenue_prev=D("100000"),
        plan_spent=D("100000"),
    )

    in_medan = selectors.profitability(filters=DashboardFilters(period=Q3, city="Medan"))
    loyal_only = selectors.profitability(filters=DashboardFilters(period=Q3, segment="loyal"))
    of_rina = selectors.profitability(filters=DashboardFilters(period=Q3, relationship_manager=rina.pk))

    assert (in_medan.key.customers, in_medan.key.revenue, in_medan.regular.customers) == (1, D("800000"), 0)
    assert [s.segment for s in loyal_only.segments] == ["loyal"]
    # An RM narrows the key accounts only; the regular customers stay to compare with.
    assert (of_rina.key.customers, of_rina.key.return_on_cost) == (1, D("4.00"))
    assert of_rina.regular.customers == 10


def test_key_accounts_sorted_by_return_best_first_without_cost_last(gm):
    def row(name, gain, cost, **extra):
        return KeyAccountPeriodFactory(
            period=Q3,
            key_account=KeyAccountFactory(customer__name=name),
            revenue=D("1000000") + gain,
            revenue_prev=D("1000000"),
            contact_cost=cost,
            **extra,
        )

    low = row("PT Rendah", D("100000"), D("200000"))  # 0.50
    high = row("PT Tinggi", D("300000"), D("100000"))  # 3.00
    free = row("PT Gratis", D("500000"), D("0"))  # no cost, no return
    by_margin = row("PT Marjin", D("0"), D("100000"), margin=D("400000"), margin_prev=D("250000"))  # 1.50

    best = selectors.profitability_key_accounts(user=gm, filters=DashboardFilters(period=Q3))
    worst = selectors.profitability_key_accounts(user=gm, filters=DashboardFilters(period=Q3), order="return")

    assert list(best) == [high, by_margin, low, free]
    assert list(worst) == [low, by_margin, high, free]
    assert selectors.key_account_gain(by_margin) == (D("150000.00"), "margin")


def test_share_of_wallet_trend_over_six_periods(gm):
    first = KeyAccountPeriodFactory(period=Q3, share_of_wallet_end=D("0.4000"))
    KeyAccountPeriodFactory(period=Q2, key_account=first.key_account, share_of_wallet_end=D("0.3000"))
    KeyAccountPeriodFactory(period=Period.parse("2025-Q3"), key_account=first.key_account, share_of_wallet_end=D("0.1"))
    second = KeyAccountPeriodFactory(period=Q3)

    trends = selectors.share_of_wallet_trends(key_account_ids=[first.key_account_id, second.key_account_id], period=Q3)

    assert trends[first.key_account_id] == [None, D("0.1000"), None, None, D("0.3000"), D("0.4000")]
    assert trends[second.key_account_id] == [None] * 6


# -- before/after ---------------------------------------------------------------------------------------


def test_before_after_compares_key_accounts_with_similar_customers(gm):
    rina, rudi = _rm_with_job(gm), _rm_with_job(gm)
    january, february = dt.date(2026, 1, 1), dt.date(2026, 2, 1)

    def move(after, n, *, key=True, rm=None, month=january):
        SegmentMovementFactory(
            period=Q3,
            is_key=key,
            relationship_manager=rm,
            cohort_month=month,
            segment_before="need_attention",
            segment_after=after,
            customers=n,
        )

    move("loyal", 2, rm=rina)
    move("need_attention", 1, rm=rina)
    move("at_risk", 1, key=False)
    move("loyal", 1, key=False)
    move("need_attention", 2, key=False)
    move("hibernating", 1, rm=rudi, month=february)
    move("hibernating", 5, key=False, month=february)

    [group] = selectors.profitability(filters=DashboardFilters(period=Q3)).before_after
    assert group.segment_before == "need_attention"
    assert (group.key.customers, group.key.improved, group.key.same, group.key.worsened) == (4, 2, 1, 1)
    assert (group.similar.customers, group.similar.improved, group.similar.worsened) == (9, 1, 6)
    assert group.key.improved_share == D("0.5")

    # Rina's key accounts, and the similar customers of her (January, need attention) cohort only.
    [mine] = selectors.profitability(filters=DashboardFilters(period=Q3, relationship_manager=rina.pk)).before_after
    assert (mine.key.customers, mine.key.improved, mine.key.same) == (3, 2, 1)
    assert (mine.similar.customers, mine.similar.improved, mine.similar.same, mine.similar.worsened) == (4, 1, 2, 1)
    assert mine.similar.improved_share == D("0.25")


# -- periods and filters ---------------------------------------------------------------------------------


def test_period_options_are_eight_quarters_and_three_years_newest_first():
    options = selectors.dashboard_period_options(dt.date(2026, 11, 25))

    assert [p.key for p in options] == [
        "2026-Q4",
        "2026-Q3",
        "2026-Q2",
        "2026-Q1",
        "2025-Q4",
        "2025-Q3",
        "2025-Q2",
        "2025-Q1",
        "2026",
        "2025",
        "2024",
    ]
    assert selectors.dashboard_default_period(dt.date(2026, 11, 25)) == Q3


def test_periods_not_computed_are_the_started_offered_ones_without_a_computation():
    today = timezone.localdate()
    latest = selectors.dashboard_default_period(today)
    PeriodComputationFactory(period=latest)
    PeriodComputationFactory(period=Period.of(PeriodKind.YEAR, today))

    missing = selectors.periods_not_computed(today=today)

    assert latest not in missing and Period.of(PeriodKind.YEAR, today) not in missing
    assert Period.of(PeriodKind.QUARTER, today) in missing
    assert len(missing) == 9


def test_filter_choices_come_from_the_stored_rows(gm, rm):
    rina = _rm_with_job(gm, first_name="Rina", last_name="Wijaya")
    SegmentPeriodFactory(period=Q3, industry="Retail", city="Medan")
    SegmentPeriodFactory(period=Q3, industry="Logistics", city="Bandung")
    SegmentPeriodFactory(period=Q2, industry="Mining", city="Balikpapan")
    KeyAccountPeriodFactory(
        period=Q3,
        key_account=KeyAccountFactory(relationship_manager=rm, customer__city="Solo", customer__industry="Batik"),
    )

    for_gm = selectors.dashboard_filter_choices(user=gm, period=Q3)
    for_rm = selectors.dashboard_filter_choices(user=rm, period=Q3)

    assert (rina.pk, "Rina Wijaya") in for_gm.relationship_managers
    assert (for_gm.industries, for_gm.cities) == (["Logistics", "Retail"], ["Bandung", "Medan"])
    assert for_rm.relationship_managers == [(rm.pk, rm.get_full_name())]
    assert (for_rm.industries, for_rm.cities) == (["Batik"], ["Solo"])
