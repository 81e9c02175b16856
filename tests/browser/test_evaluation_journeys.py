"""Issue 7's evaluation journey: the general manager starts an evaluation of Rina for the last
closed quarter and finds the measured criteria already filled from the period's figures; trying
to finalise with the manual criterion unscored names it; scoring it and changing a measured
score without a comment is refused at that comment; with the comment the evaluation is
finalised. Rina then reads her final evaluation and the data behind it (also on a phone); a
sales rep sees no evaluations and gets a 404 on the GM's page.

The figures are known in advance. Rina's one key account asks for a contact every 14 days, so
the quarter holds 6 whole intervals (90 to 92 days // 14); she made a contact in each:
cadence adherence 100%, score 5. It
bought 1,100,000 in the quarter against 1,000,000 a year before: growth +10%, score 4. With
the GM's 4 for account knowledge and revenue growth lowered to 3: (5 x 40 + 3 x 30 + 4 x 30) /
100 = 4.10. The journey runs in English and in Bahasa Indonesia (every UI text from `t`).
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django.utils.translation import ngettext, override
from playwright.sync_api import expect

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory
from communications.models import CadenceRule, Channel
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory
from insights.tests.factories import PurchaseFactory
from relationships.models import Evaluation, EvaluationScore
from relationships.periods import PeriodKind, latest_closed
from relationships.tests.factories import KeyAccountFactory
from relationships.tests.factories_evaluations import rm_with_job

from .conftest import LAPTOP, PHONE, t

pytestmark = pytest.mark.django_db(transaction=True)

CRITERIA = [
    ("Contact cadence kept", "40", "measured", "cadence_adherence"),
    ("Revenue growth of key accounts", "30", "measured", "revenue_growth"),
    ("Quality of account knowledge", "30", "manual", ""),
]
# Numbers as each language writes them.
TOTAL = {"en": "4.10", "id": "4,10"}
CADENCE = {"en": "100.0%", "id": "100,0%"}
GROWTH = {"en": "+10.0%", "id": "+10,0%"}


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def world():
    quarter = latest_closed(PeriodKind.QUARTER, timezone.localdate())
    CadenceRule.objects.update_or_create(
        customer=None, tier=Customer.Tier.KEY, channel="", defaults={"max_gap_days": 14}
    )
    gm = UserFactory(role=Role.GENERAL_MANAGER, first_name="Gita", last_name="Manajer")
    rina = rm_with_job(CRITERIA, gm=gm, first_name="Rina", last_name="Wijaya")
    rep = UserFactory(role=Role.SALES_REP, first_name="Adi", last_name="Saputra")
    customer = CustomerFactory(name="PT Sinar Jaya", owner=rep, city="Surabaya", tier=Customer.Tier.KEY)
    nominated = _noon(quarter.start - dt.timedelta(days=400))
    account = KeyAccountFactory(customer=customer, relationship_manager=rina, nominated_by=gm, nominated_at=nominated)
    account.assignments.update(started_at=nominated)
    for week in range(6):
        InteractionFactory(
            customer=customer,
            channel=Channel.VISIT,
            logged_by=rina,
            occurred_at=_noon(quarter.start + dt.timedelta(days=3 + 14 * week)),
        )
    PurchaseFactory(
        customer=customer, purchased_at=_noon(quarter.start + dt.timedelta(days=20)), amount=Decimal("1100000")
    )
    PurchaseFactory(
        customer=customer,
        purchased_at=_noon(quarter.year_before().start + dt.timedelta(days=20)),
        amount=Decimal("1000000"),
    )
    return SimpleNamespace(gm=gm, rina=rina, rep=rep, account=account, quarter=quarter)


def _row(page, score: EvaluationScore):
    return page.locator(f"#criterion-{score.pk}")


def _shot(person, name: str) -> None:
    # The scoring form's bar is sticky at the bottom: shoot with it in its place at the end.
    person.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    person.shot(name)


@pytest.mark.parametrize("language", ["en", "id"])
def test_gm_scores_and_finalises_rm_reads_it_rep_sees_nothing(visit, world, language):
    gm = visit(LAPTOP, locale=language)
    page = gm.page
    gm.login(world.gm.username, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", language)

    period = t(language, "Q%(quarter)s %(year)s", quarter=world.quarter.quarter, year=world.quarter.start.year)

    # -- the GM starts the evaluation from the list ------------------------------------------
    gm.go("/programme/evaluations/")
    expect(page.locator("#no-evaluations")).to_be_visible()
    expect(page.locator("#start_period")).to_have_value(world.quarter.key)  # the last closed quarter
    gm.shot(f"evaluation-list-empty-laptop-{language}")
    page.locator("#start_relationship_manager").select_option(str(world.rina.pk))
    page.locator("#start-evaluation").click()
    expect(page.locator(".alert-success")).to_contain_text(
        t(
            language,
            "Evaluation of %(rm)s for %(period)s started: the measured criteria are filled in "
            "from the period's figures. Score the others.",
            rm="Rina Wijaya",
            period=period,
        )
    )
    evaluation = Evaluation.objects.get()
    scores = {score.name: score for score in evaluation.scores.all()}
    cadence = scores["Contact cadence kept"]
    growth = scores["Revenue growth of key accounts"]
    knowledge = scores["Quality of account knowledge"]

    # Measured criteria are filled from the figures; the manual one waits for the GM.
    expect(_row(page, cadence).locator("[data-value]")).to_have_text(CADENCE[language])
    with override(language):
        # A plural message (ngettext), so not `t()`, which looks up singular ones.
        words = ngettext(
            "%(met)s of %(intervals)s cadence interval had a contact",
            "%(met)s of %(intervals)s cadence intervals had a contact",
            6,
        ) % {"met": 6, "intervals": 6}
    expect(_row(page, cadence).locator("[data-numbers]")).to_have_text(words)
    expect(page.locator(f"#id_score_{cadence.pk}")).to_have_value("5")
    expect(_row(page, growth).locator("[data-value]")).to_have_text(GROWTH[language])
    expect(page.locator(f"#id_score_{growth.pk}")).to_have_value("4")
    expect(page.locator(f"#id_score_{knowledge.pk}_0")).to_be_checked()  # "not scored"
    expect(page.locator("#live-total-label")).to_have_text(
        # A `{% translate %}` literal with percent signs: its msgid has them doubled.
        t(language, "%%(scored)s of %%(count)s criteria scored")
        .replace("%%", "%")
        .replace("%(scored)s", "2")
        .replace("%(count)s", "3")
    )
    _shot(gm, f"evaluation-edit-prefilled-laptop-{language}")

    # -- finalising with the manual criterion unscored names it ------------------------------
    page.locator("#save-and-finalise").click()
    expect(page.locator("#finalise-errors")).to_contain_text(
        t(
            language,
            "Score every criterion before finalising. Not scored yet: %(names)s.",
            names="Quality of account knowledge",
        )
    )
    expect(page.locator("#confirm-finalise")).to_have_count(0)
    gm.shot(f"evaluation-finalise-refused-laptop-{language}")
    page.locator("#back-to-scoring").click()

    # -- scoring it, and lowering a measured score without saying why ------------------------
    page.locator(f"label[for=id_score_{knowledge.pk}_4]").click()
    page.locator(f"#id_score_{growth.pk}").select_option("3")
    expect(page.locator("#live-total-value")).to_have_text(TOTAL[language])  # the live total, before saving
    page.locator("#save-draft").click()
    error = page.locator(f"#id_comment_{growth.pk}-error")
    expect(error).to_have_text(t(language, "Say why you changed the measured score."))
    expect(page.locator(f"#id_score_{growth.pk}")).to_have_value("3")  # nothing typed is lost
    expect(page.locator(f"#id_score_{knowledge.pk}_4")).to_be_checked()
    _shot(gm, f"evaluation-edit-comment-needed-laptop-{language}")
    assert EvaluationScore.objects.get(pk=growth.pk).score == 4

    page.locator(f"#id_comment_{growth.pk}").fill("A one-off project order made up most of the growth.")
    page.locator(f"#id_comment_{knowledge.pk}").fill("Knows every decision maker and their families.")
    page.locator("#id_summary").fill("A strong quarter: keep the visits going.")
    page.locator("#save-and-finalise").click()
    expect(page.locator("#confirm-total")).to_have_text(TOTAL[language])
    page.locator("#confirm-finalise").click()

    expect(page.locator(".alert-success[role=alert]")).to_contain_text(
        t(language, "The evaluation of %(rm)s for %(period)s is final.", rm="Rina Wijaya", period=period)
    )
    expect(page.locator("#evaluation-header [data-status]")).to_have_attribute("data-status", "final")
    expect(page.locator("#evaluation-total .eval-total-value")).to_have_text(TOTAL[language])
    expect(page.locator("#score-evaluation")).to_have_count(0)
    expect(_row(page, growth).locator("[data-overridden]")).to_be_visible()
    gm.shot(f"evaluation-final-laptop-{language}")
    assert Evaluation.objects.get().total == Decimal("4.10")
    assert gm.console_errors == []

    # -- Rina reads her final evaluation and the data behind it -------------------------------
    rina = visit(LAPTOP, locale=language)
    rina.login(world.rina.username, PASSWORD)
    rina.go("/programme/evaluations/")
    rows = rina.page.locator("#evaluations tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    expect(rina.page.locator("#evaluation-summary")).to_have_text("A strong quarter: keep the visits going.")
    expect(_row(rina.page, growth)).to_contain_text("A one-off project order made up most of the growth.")
    rina.page.locator(f"#criterion-{cadence.pk} a[href='#data']").first.click()
    data = rina.page.locator(f"#data-table tr[data-key-account='{world.account.pk}']")
    expect(data).to_contain_text("PT Sinar Jaya")
    expect(data.locator("[data-contacts]")).to_contain_text(
        t(language, "%(met)s of %(intervals)s intervals", met=6, intervals=6)
    )
    expect(rina.page.locator("#refresh-evaluation")).to_have_count(0)
    rina.shot(f"evaluation-rm-reads-laptop-{language}")
    assert rina.console_errors == []

    phone = visit(PHONE, locale=language)
    phone.login(world.rina.username, PASSWORD)
    phone.go(f"/programme/evaluations/{evaluation.pk}/")
    expect(phone.page.locator("#data-table")).to_contain_text("PT Sinar Jaya")
    phone.page.wait_for_load_state("networkidle")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.shot(f"evaluation-rm-reads-phone-{language}")

    # -- a sales rep sees none and cannot open the GM's page ----------------------------------
    rep = visit(LAPTOP, locale=language)
    rep.login(world.rep.username, PASSWORD)
    rep.go("/programme/evaluations/")
    expect(rep.page.locator("#no-evaluations")).to_be_visible()
    expect(rep.page.locator("#evaluations")).to_have_count(0)
    assert rep.go(f"/programme/evaluations/{evaluation.pk}/").status == 404


def test_scoring_form_and_list_on_a_phone(visit, world):
    """The GM's list and scoring form fit a phone: nothing wider than the screen."""
    from relationships.services import evaluation_start

    evaluation = evaluation_start(relationship_manager=world.rina, period=world.quarter, by=world.gm)
    person = visit(PHONE)
    person.login(world.gm.username, PASSWORD)
    for path, name in [
        ("/programme/evaluations/", "evaluation-list-phone"),
        (f"/programme/evaluations/{evaluation.pk}/edit/", "evaluation-edit-phone"),
        (f"/programme/evaluations/{evaluation.pk}/", "evaluation-detail-draft-phone"),
    ]:
        person.go(path)
        person.page.wait_for_load_state("networkidle")
        assert person.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        _shot(person, name)
    knowledge = evaluation.scores.get(kind="manual")
    person.go(f"/programme/evaluations/{evaluation.pk}/edit/")
    person.page.locator(f"label[for=id_score_{knowledge.pk}_5]").click()
    expect(person.page.locator("#live-total-value")).to_have_text("4.70")  # (5 x 40 + 4 x 30 + 5 x 30) / 100
    assert person.console_errors == []
