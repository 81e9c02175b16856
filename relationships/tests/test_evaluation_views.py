"""The evaluation pages: who sees and writes what, the numbers they show, bad input answered at
the field, and the query budget of the list, the evaluation page and the scoring form."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import CustomerFactory
from crm_project.roles import Role
from relationships.models import Evaluation, EvaluationScore, Metric, PeriodComputation
from relationships.periods import Period, PeriodKind, latest_closed
from relationships.selectors import evaluation_bands, metric_value_text
from relationships.selectors.evaluations import metric_missing_text, metric_numbers_text

from .factories import KeyAccountFactory
from .factories_evaluations import (
    Q2,
    KeyAccountPeriodFactory,
    PeriodComputationFactory,
    evaluation_with,
    rm_with_job,
)

pytestmark = pytest.mark.django_db

ROWS = [
    ("Contact cadence kept", "40", "measured", "cadence_adherence", 4, 4),
    ("Revenue growth", "30", "measured", "revenue_growth", 5, 3),
    ("Account knowledge", "30", "manual", "", None, None),
]


def url(name: str, *args) -> str:
    return reverse(f"relationships:{name}", args=args)


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def draft(rm, gm):
    return evaluation_with(ROWS, relationship_manager=rm, evaluator=gm)


@pytest.fixture
def final(rm, gm):
    return evaluation_with(
        [
            ("Cadence", "40", "manual", "", None, 5),
            ("Growth", "30", "manual", "", None, 4),
            ("Care", "30", "manual", "", None, 3),
        ],
        relationship_manager=rm,
        evaluator=gm,
        period=Period.parse("2026-Q1"),
        final=True,
        summary="A strong quarter.",
    )


# -- the list ------------------------------------------------------------------------------------


def test_gm_lists_every_evaluation_with_its_progress_and_a_start_form(gm_client, draft, final):
    response = gm_client.get(url("evaluation_list"))

    assert response.status_code == 200
    html = html_of(response)
    assert [e.pk for e in response.context["page"].object_list] == [draft.pk, final.pk]  # newest period first
    assert "2 of 3 scored" in html and "4.10" in html
    form = response.context["start_form"]
    assert form["period"].value() == latest_closed(PeriodKind.QUARTER, timezone.localdate()).key
    assert 'id="start-form"' in html and 'id="start_relationship_manager"' in html


def test_gm_filters_by_period_rm_and_status(gm_client, draft, final, make_user):
    other = evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), final=True)

    def listed(**query):
        return [e.pk for e in gm_client.get(url("evaluation_list"), query).context["page"].object_list]

    assert listed(period="2026-Q1") == [final.pk]
    assert listed(status="final") == [other.pk, final.pk]
    assert listed(relationship_manager=draft.relationship_manager_id, status="draft") == [draft.pk]
    # Nonsense filters fall back to no filter rather than failing.
    assert len(listed(period="2026-Q9", status="bogus")) == 3


def test_rm_lists_only_their_own_final_evaluations_and_cannot_start_one(rm_client, draft, final, make_user):
    evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), final=True)

    response = rm_client.get(url("evaluation_list"))

    assert [e.pk for e in response.context["page"].object_list] == [final.pk]
    html = html_of(response)
    assert "start_form" not in response.context and 'id="start-form"' not in html
    assert rm_client.get(url("evaluation_start")).status_code == 403


def test_rep_lists_no_evaluations(rep_client, final):
    response = rep_client.get(url("evaluation_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert 'id="no-evaluations"' in html_of(response)


@pytest.mark.parametrize("rows", [3, 6])
def test_list_query_budget(gm_client, gm, rows, make_user, django_assert_num_queries):
    for index in range(rows):
        evaluation_with(ROWS, relationship_manager=make_user(Role.RELATIONSHIP_MANAGER), final=index % 2 == 0)
    # session, user, role; the periods for the filter; RMs for the filter and the start form
    # (one query each: the forms share the queryset definition, not the result); count; the page
    # of evaluations (RM, job description, evaluator, finaliser joined; criteria counted in subqueries)
    with django_assert_num_queries(8):
        response = gm_client.get(url("evaluation_list"))
    assert len(response.context["page"].object_list) == rows


def test_rm_list_query_budget(rm_client, rm, django_assert_num_queries):
    for quarter in (1, 2, 3):
        evaluation_with(ROWS, relationship_manager=rm, period=Period.parse(f"2026-Q{quarter}"), final=True)
    # session, user, role; count; the page
    with django_assert_num_queries(5):
        response = rm_client.get(url("evaluation_list"))
    assert len(response.context["page"].object_list) == 3


# -- starting --------------------------------------------------------------------------------------


def test_gm_starts_an_evaluation_and_lands_on_the_scoring_form(gm_client, gm):
    rina = rm_with_job(gm=gm, first_name="Rina", last_name="Wijaya")
    PeriodComputationFactory(period=Q2, data_until=Q2.end)

    response = gm_client.post(url("evaluation_start"), {"relationship_manager": rina.pk, "period": "2026-Q2"})

    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == url("evaluation_edit", evaluation.pk)
    assert (evaluation.relationship_manager, evaluation.period_start, evaluation.status) == (rina, Q2.start, "draft")
    assert evaluation.scores.count() == 3
    page = gm_client.get(response["Location"])
    assert "Evaluation of Rina Wijaya for Q2 2026 started" in html_of(page)


def test_starting_an_existing_evaluation_opens_it(gm_client, gm):
    rina = rm_with_job(gm=gm)
    existing = evaluation_with(ROWS, relationship_manager=rina, evaluator=gm)

    response = gm_client.post(
        url("evaluation_start"), {"relationship_manager": rina.pk, "period": "2026-Q2"}, follow=True
    )

    assert response.redirect_chain[-1][0] == existing.get_absolute_url()
    assert "already has an evaluation for Q2 2026: here it is." in html_of(response)
    assert Evaluation.objects.filter(relationship_manager=rina).count() == 1


def test_start_refusals_are_shown_at_the_fields_and_keep_the_input(gm_client, gm, make_user):
    no_job = make_user(Role.RELATIONSHIP_MANAGER, first_name="Budi", last_name="Santoso")
    from .factories import RMProfileFactory

    RMProfileFactory(user=no_job, reports_to=gm)
    response = gm_client.post(url("evaluation_start"), {"relationship_manager": no_job.pk, "period": "2026-Q2"})

    assert response.status_code == 200
    html = html_of(response)
    assert 'id="start_relationship_manager-error"' in html
    assert "Budi Santoso has no job description yet" in html
    assert f'<option value="{no_job.pk}" selected>' in html
    assert not Evaluation.objects.exists()

    bad = gm_client.post(url("evaluation_start"), {"relationship_manager": "abc", "period": "2026-Q9"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"relationship_manager", "period"}

    future = Period.of(PeriodKind.QUARTER, timezone.localdate()).next()
    rina = rm_with_job(gm=gm)
    later = gm_client.post(url("evaluation_start"), {"relationship_manager": rina.pk, "period": future.key})
    # Not offered in the list of periods: refused by the form before the service.
    assert later.status_code == 200 and "period" in later.context["form"].errors


def test_start_form_preselects_the_rm_and_period_of_the_scorecards_link(gm_client, gm):
    rina = rm_with_job(gm=gm, first_name="Rina", last_name="Wijaya")
    today = timezone.localdate()
    earlier = latest_closed(PeriodKind.QUARTER, today).previous()
    last_year = Period.of(PeriodKind.YEAR, today).previous()

    quarter = gm_client.get(url("evaluation_start"), {"relationship_manager": rina.pk, "period": earlier.key})
    year = gm_client.get(url("evaluation_start"), {"relationship_manager": rina.pk, "period": last_year.key})
    unknown = gm_client.get(url("evaluation_start"), {"period": "2026-Q9"})

    html = html_of(quarter)
    assert f'<option value="{rina.pk}" selected>' in html
    assert f'<option value="{earlier.key}" selected>' in html
    assert f'<option value="{last_year.key}" selected>' in html_of(year)
    # Not a period the form offers: the default (the latest closed quarter) stays selected.
    assert unknown.context["form"]["period"].value() == latest_closed(PeriodKind.QUARTER, today).key


# -- one evaluation --------------------------------------------------------------------------------


def _figures(rm, period=Q2, **extra):
    key_account = KeyAccountFactory(relationship_manager=rm, customer=CustomerFactory(name="PT Alfa Baja"))
    return KeyAccountPeriodFactory(period=period, key_account=key_account, relationship_manager=rm, **extra)


def test_detail_shows_criteria_measured_values_and_the_data_behind_them(gm_client, draft, rm):
    PeriodComputationFactory(period=Q2, finished_at=draft.data_computed_at)
    row = _figures(rm)
    cadence = draft.scores.get(name="Contact cadence kept")
    EvaluationScore.objects.filter(pk=cadence.pk).update(
        measured_value=Decimal("0.9167"), measured_numerator=Decimal("33"), measured_denominator=Decimal("36")
    )

    response = gm_client.get(draft.get_absolute_url())

    html = html_of(response)
    assert response.status_code == 200
    assert "91.7%" in html and "33 of 36 cadence intervals had a contact" in html
    assert re.search(r'id="criterion-\d+"[^>]*data-score="3"[^>]*data-measured-score="5"', html)  # growth overridden
    assert "data-overridden" in html and "Explained." in html
    assert 'href="#data"' in html and 'id="data"' in html
    assert f'href="{row.key_account.get_absolute_url()}"' in html and "PT Alfa Baja" in html
    assert "IDR 1,200,000,000" in html and "+20.0%" in html  # revenue against a year before
    assert "5 of 6 intervals" in html and "7 contacts" in html and "every 14 days" in html and "3 of 4 done" in html
    assert "40.0%" in html and "45.0%" in html  # share of wallet start and end
    assert 'id="bands-table"' in html and "≥&nbsp;95.0%" in html
    assert 'id="score-evaluation"' in html and 'id="finalise-evaluation"' in html
    assert 'id="figures-recomputed"' not in html


def test_the_score_button_is_a_verb_in_indonesian(gm_client, draft):
    gm_client.cookies["relasi_language"] = "id"

    html = gm_client.get(draft.get_absolute_url()).content.decode()

    button = html[html.index('id="score-evaluation"') : html.index("</a>", html.index('id="score-evaluation"'))]
    assert button.endswith(" Beri skor")


def test_detail_says_when_the_figures_were_computed_again_after_the_evaluation_read_them(gm_client, draft):
    PeriodComputationFactory(period=Q2, finished_at=draft.data_computed_at + dt.timedelta(hours=2))
    assert 'id="figures-recomputed"' in html_of(gm_client.get(draft.get_absolute_url()))


def test_rm_reads_their_final_evaluation_with_its_data_and_no_controls(rm_client, rm, final, make_user):
    own = _figures(rm, period=final.period)
    lost = KeyAccountFactory(customer=CustomerFactory(name="PT Pindah Tangan"))  # managed by someone else now
    KeyAccountPeriodFactory(period=final.period, key_account=lost, relationship_manager=rm)

    response = rm_client.get(final.get_absolute_url())

    html = html_of(response)
    assert response.status_code == 200
    assert "A strong quarter." in html and 'id="final-note"' in html
    assert f'href="{own.key_account.get_absolute_url()}"' in html
    assert "PT Pindah Tangan" in html and f'href="{lost.get_absolute_url()}"' not in html
    for control in ("score-evaluation", "finalise-evaluation", "refresh-evaluation", "delete-evaluation"):
        assert f'id="{control}"' not in html
    assert url("evaluation_edit", final.pk) not in html


def test_nobody_else_sees_an_evaluation(client, rep, rm, make_user, draft, final):
    other_rm = make_user(Role.RELATIONSHIP_MANAGER, username="t_other_rm")
    for user, evaluation in [(rm, draft), (rep, final), (other_rm, final), (rep, draft)]:
        client.force_login(user)
        for name in ("evaluation_detail", "evaluation_edit", "evaluation_finalise", "evaluation_delete"):
            assert client.get(url(name, evaluation.pk)).status_code == 404, (user, name)
        assert client.post(url("evaluation_refresh", evaluation.pk)).status_code == 404
    assert client.get(url("evaluation_detail", 999999)).status_code == 404


def test_an_rm_writing_to_their_final_evaluation_gets_403(rm_client, final):
    assert rm_client.get(url("evaluation_edit", final.pk)).status_code == 403
    assert rm_client.post(url("evaluation_finalise", final.pk)).status_code == 403
    assert rm_client.post(url("evaluation_delete", final.pk)).status_code == 403


@pytest.mark.parametrize("accounts", [2, 5])
def test_detail_query_budget(gm_client, draft, rm, accounts, django_assert_num_queries):
    PeriodComputationFactory(period=Q2)
    for _ in range(accounts):
        _figures(rm)
    # session, user, role; the evaluation (RM, job description, evaluator, finaliser joined);
    # its criteria; the key-account figures (customer joined); the period's computation
    with django_assert_num_queries(7):
        response = gm_client.get(draft.get_absolute_url())
    assert len(response.context["figures"].rows) == accounts


@pytest.mark.parametrize("accounts", [2, 5])
def test_rm_detail_query_budget(rm_client, rm, final, accounts, django_assert_num_queries):
    for _ in range(accounts):
        _figures(rm, period=final.period)
    # as for a GM, and which of the key accounts the RM may open
    with django_assert_num_queries(8):
        response = rm_client.get(final.get_absolute_url())
    assert len(response.context["figures"].rows) == accounts


# -- scoring -------------------------------------------------------------------------------------


def _form_data(evaluation, **changes) -> dict:
    data = {"summary": evaluation.summary}
    for score in evaluation.scores.all():
        data[f"score_{score.pk}"] = "" if score.score is None else str(score.score)
        data[f"comment_{score.pk}"] = score.comment
    data.update(changes)
    return data


def test_gm_scores_the_manual_criterion_and_the_total_appears(gm_client, draft):
    knowledge = draft.scores.get(name="Account knowledge")

    response = gm_client.post(
        url("evaluation_edit", draft.pk), _form_data(draft, **{f"score_{knowledge.pk}": "5", "summary": "Solid."})
    )

    assert response.status_code == 302 and response["Location"] == url("evaluation_edit", draft.pk)
    draft.refresh_from_db()
    # 4 x 40 + 3 x 30 + 5 x 30 = 400 / 100
    assert (draft.total, draft.summary) == (Decimal("4.00"), "Solid.")
    page = html_of(gm_client.get(response["Location"]))
    assert "Draft saved." in page and 'id="live-total-value">4.00<' in page


def test_an_unexplained_override_is_refused_at_its_comment_and_nothing_is_lost(gm_client, draft):
    cadence = draft.scores.get(name="Contact cadence kept")
    knowledge = draft.scores.get(name="Account knowledge")
    data = _form_data(draft, **{f"score_{cadence.pk}": "2", f"score_{knowledge.pk}": "4", "summary": "Kept text"})

    response = gm_client.post(url("evaluation_edit", draft.pk), data)

    assert response.status_code == 200
    html = html_of(response)
    assert f'id="id_comment_{cadence.pk}-error">Say why you changed the measured score.<' in html
    assert '<option value="2" selected>2 · Below expectations</option>' in html
    assert re.search(
        rf'value="4"[^>]*id="id_score_{knowledge.pk}_4"[^>]*checked|id="id_score_{knowledge.pk}_4"[^>]*checked', html
    )
    assert "Kept text" in html
    assert [(s.name, s.score) for s in EvaluationScore.objects.order_by("position")] == [
        ("Contact cadence kept", 4),
        ("Revenue growth", 3),
        ("Account knowledge", None),
    ]


def test_a_score_outside_1_to_5_is_a_field_error(gm_client, draft):
    knowledge = draft.scores.get(name="Account knowledge")
    response = gm_client.post(url("evaluation_edit", draft.pk), _form_data(draft, **{f"score_{knowledge.pk}": "9"}))
    assert response.status_code == 200
    assert f"score_{knowledge.pk}" in response.context["form"].errors
    assert "Give a score from 1 to 5." in html_of(response)


def test_save_and_finalise_goes_to_the_confirm_step_which_names_what_is_missing(gm_client, draft):
    response = gm_client.post(url("evaluation_edit", draft.pk), {**_form_data(draft), "finalise": "1"})
    assert response["Location"] == url("evaluation_finalise", draft.pk)

    confirm = gm_client.get(response["Location"])
    html = html_of(confirm)
    assert "Score every criterion before finalising. Not scored yet: Account knowledge." in html
    assert 'id="confirm-finalise"' not in html and 'id="back-to-scoring"' in html
    refused = gm_client.post(url("evaluation_finalise", draft.pk))
    assert refused.status_code == 200 and 'id="finalise-errors"' in html_of(refused)
    assert Evaluation.objects.get().status == "draft"


def test_gm_finalises_and_the_evaluation_becomes_read_only(gm_client, gm, draft):
    knowledge = draft.scores.get(name="Account knowledge")
    gm_client.post(url("evaluation_edit", draft.pk), _form_data(draft, **{f"score_{knowledge.pk}": "3"}))
    assert 'id="confirm-finalise"' in html_of(gm_client.get(url("evaluation_finalise", draft.pk)))

    response = gm_client.post(url("evaluation_finalise", draft.pk), follow=True)

    draft.refresh_from_db()
    assert (draft.status, draft.total, draft.finalised_by) == ("final", Decimal("3.40"), gm)
    html = html_of(response)
    assert "is final." in html and 'id="final-note"' in html and 'id="score-evaluation"' not in html
    # Every write now answers with the page and a message, and changes nothing.
    for name in ("evaluation_edit", "evaluation_finalise", "evaluation_delete", "evaluation_refresh"):
        answer = gm_client.post(url(name, draft.pk), _form_data(draft, **{f"score_{knowledge.pk}": "1"}))
        assert answer.status_code == 302 and answer["Location"] == draft.get_absolute_url(), name
    assert Evaluation.objects.get().total == Decimal("3.40")
    assert EvaluationScore.objects.get(pk=knowledge.pk).score == 3


@pytest.mark.parametrize("rows", [3, 6])
def test_scoring_form_query_budget(gm_client, gm, rm, rows, django_assert_num_queries):
    evaluation = evaluation_with(
        [
            (f"Criterion {n}", "10", "manual" if n % 2 else "measured", "" if n % 2 else "voice_of_customer", None, 3)
            for n in range(rows)
        ],
        relationship_manager=rm,
    )
    # session, user, role; the evaluation (RM, job description, evaluator, finaliser joined); its criteria
    with django_assert_num_queries(5):
        response = gm_client.get(url("evaluation_edit", evaluation.pk))
    assert len(response.context["form"].rows) == rows


def test_refresh_recomputes_the_period_and_returns_to_the_form(gm_client, gm, rm, draft):
    response = gm_client.post(url("evaluation_refresh", draft.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("evaluation_edit", draft.pk)
    assert "were computed again" in html_of(response)
    computation = PeriodComputation.objects.get(period_start=Q2.start)
    draft.refresh_from_db()
    assert draft.data_computed_at == computation.finished_at and computation.requested_by == gm
    # rm manages no key accounts: the measured criteria now have no data; the override stays.
    assert [(s.measured_score, s.score) for s in draft.scores.order_by("position")] == [
        (None, None),
        (None, 3),
        (None, None),
    ]


def test_gm_deletes_a_draft_after_confirming(gm_client, draft):
    assert 'id="confirm-delete"' in html_of(gm_client.get(url("evaluation_delete", draft.pk)))
    response = gm_client.post(url("evaluation_delete", draft.pk))
    assert response["Location"] == url("evaluation_list")
    assert not Evaluation.objects.exists()


def test_pages_answer_get_and_post_only_as_documented(gm_client, draft):
    assert gm_client.get(url("evaluation_refresh", draft.pk)).status_code == 405
    assert gm_client.post(url("evaluation_detail", draft.pk)).status_code == 405
    assert gm_client.post(url("evaluation_list")).status_code == 405


# -- numbers in words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "english", "indonesian"),
    [
        (Metric.CADENCE_ADHERENCE, "0.9167", "91.7%", "91,7%"),
        (Metric.ACTION_COMPLETION, "0.5", "50.0%", "50,0%"),
        (Metric.REVENUE_GROWTH, "0.052", "+5.2%", "+5,2%"),
        (Metric.REVENUE_GROWTH, "-0.1176", "-11.8%", "-11,8%"),
        (Metric.SEGMENT_MOVEMENT, "-0.25", "-25.0%", "-25,0%"),
        (Metric.SHARE_OF_WALLET_CHANGE, "0.025", "+2.5 pts", None),
        (Metric.SHARE_OF_WALLET_CHANGE, "-0.0004", "0.0 pts", None),
        (Metric.VOICE_OF_CUSTOMER, "2.5", "2.5 per account", None),
    ],
)
def test_measured_values_in_words(metric, value, english, indonesian):
    with translation.override("en"):
        assert metric_value_text(metric, Decimal(value)) == english
    if indonesian:
        with translation.override("id"):
            assert metric_value_text(metric, Decimal(value)) == indonesian
    assert metric_value_text(metric, None) == ""


def test_the_numbers_behind_each_metric_in_words():
    with translation.override("en"):
        assert metric_numbers_text(Metric.ACTION_COMPLETION, Decimal("9"), Decimal("10")) == (
            "9 of 10 plan actions due were done"
        )
        assert metric_numbers_text(Metric.REVENUE_GROWTH, Decimal("200000"), Decimal("1000000")) == (
            "IDR 1,200,000 against IDR 1,000,000 a year before"
        )
        assert metric_numbers_text(Metric.SEGMENT_MOVEMENT, Decimal("2"), Decimal("4")) == (
            "net +2 of 4 accounts (segments improved minus worsened)"
        )
        assert metric_numbers_text(Metric.VOICE_OF_CUSTOMER, Decimal("5"), Decimal("1")) == (
            "5 entries from 1 key account"
        )
        assert metric_missing_text(Metric.CADENCE_ADHERENCE, has_row=True) == (
            "No whole cadence interval fell in this period."
        )
        assert metric_missing_text(Metric.CADENCE_ADHERENCE, has_row=False) == (
            "The RM managed no key accounts in this period."
        )
        bands = evaluation_bands([Metric.REVENUE_GROWTH, Metric.REVENUE_GROWTH, Metric.VOICE_OF_CUSTOMER])
    assert [band.metric for band in bands] == [Metric.REVENUE_GROWTH, Metric.VOICE_OF_CUSTOMER]
    assert bands[0].thresholds == [(5, "+20.0%"), (4, "+10.0%"), (3, "0.0%"), (2, "-10.0%")]
    assert bands[1].below == "0.5 per account"


def test_the_confirm_step_names_the_criterion_whose_change_is_unexplained(gm_client, draft):
    draft.scores.filter(name="Account knowledge").update(score=4)
    draft.scores.filter(name="Revenue growth").update(comment="")

    html = html_of(gm_client.get(url("evaluation_finalise", draft.pk)))

    assert "Revenue growth: Say why you changed the measured score." in html
    assert "Score this criterion." not in html and 'id="confirm-finalise"' not in html
