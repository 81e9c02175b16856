"""Issue 7's dashboard journeys: the general manager opens the RM scorecards and finds each
RM's measured criteria already filled, then the profitability page and reads, with numbers,
which segments and which key accounts return more than their relationship cost; an RM sees
only their own scorecard; a sales rep sees no dashboard. In English and Bahasa Indonesia, at a
laptop's and a phone's width.

The stored figures of the latest closed quarter are set by hand (relationships/tests/
factories_figures.py), as the nightly computation would leave them:

- Rina Wijaya: cadence scored 5 (weight 40), revenue growth 3 (weight 30), account knowledge
  (manual, 30) not scored yet: measured only (40 x 5 + 30 x 3) / 70 = 4.14.
- Rudi Hartono: cadence 4, growth 2: (40 x 4 + 30 x 2) / 70 = 3.14.
- PT Untung Jaya (Rina, loyal): margin 500,000 against 350,000 a year before, relationship
  cost 60,000 plans + 40,000 contacts: return 150,000 / 100,000 = 1.50, pays off.
- PT Sinar Abadi (Rudi, at risk): margin 200,000 against 230,000, cost 100,000: -0.30.
- All key accounts: (700,000 - 580,000) / 200,000 = 0.60.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils.translation import ngettext, override
from playwright.sync_api import expect

from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory
from relationships.selectors import dashboard_default_period
from relationships.tests.factories_figures import (
    PeriodComputationFactory,
    SegmentPeriodFactory,
    period_account,
    scorecard_rm,
)

from .conftest import LAPTOP, PHONE, t

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
# Numbers as each language writes them.
DECIMAL = {"en": ".", "id": ","}


TIMES = "\u00d7"  # a return on cost is written 1.50x with the multiplication sign


def number(text: str, language: str) -> str:
    return text.replace(".", DECIMAL[language])


def times(text: str, language: str) -> str:
    return number(text, language) + TIMES


@pytest.fixture
def world():
    period = dashboard_default_period()
    gm = UserFactory(role=Role.GENERAL_MANAGER, first_name="Gita", last_name="Manajer")
    rep = UserFactory(role=Role.SALES_REP, first_name="Adi", last_name="Saputra")
    rina = scorecard_rm(gm, "Rina", period=period, cadence=5, growth=3, last_name="Wijaya")
    rudi = scorecard_rm(gm, "Rudi", period=period, cadence=4, growth=2, last_name="Hartono")
    PeriodComputationFactory(period=period, requested_by=gm, key_accounts=2)
    untung = period_account(
        rina,
        "PT Untung Jaya",
        period=period,
        segment="loyal",
        segment_start="need_attention",
        revenue=D("2000000"),
        revenue_prev=D("1600000"),
        margin=D("500000"),
        margin_prev=D("350000"),
        plan_spent=D("60000"),
        contact_cost=D("40000"),
        share_of_wallet_end=D("0.45"),
    )
    sinar = period_account(
        rudi,
        "PT Sinar Abadi",
        period=period,
        city="Medan",
        segment="at_risk",
        segment_start="loyal",
        revenue=D("800000"),
        revenue_prev=D("900000"),
        margin=D("200000"),
        margin_prev=D("230000"),
        contact_cost=D("100000"),
    )
    common = {"period": period, "is_key": True, "customers": 1}
    SegmentPeriodFactory(
        **common,
        segment="loyal",
        relationship_manager=rina,
        revenue=D("2000000"),
        revenue_prev=D("1600000"),
        margin=D("500000"),
        margin_prev=D("350000"),
        plan_spent=D("60000"),
        contact_cost=D("40000"),
    )
    SegmentPeriodFactory(
        **common,
        segment="at_risk",
        relationship_manager=rudi,
        city="Medan",
        revenue=D("800000"),
        revenue_prev=D("900000"),
        margin=D("200000"),
        margin_prev=D("230000"),
        contact_cost=D("100000"),
    )
    SegmentPeriodFactory(
        period=period,
        segment="loyal",
        customers=20,
        revenue=D("5000000"),
        revenue_prev=D("5000000"),
        contact_cost=D("50000"),
    )
    return SimpleNamespace(period=period, gm=gm, rep=rep, rina=rina, rudi=rudi, untung=untung, sinar=sinar)


SCORECARDS = "/programme/dashboards/scorecards/"
PROFITABILITY = "/programme/dashboards/profitability/"


def _criteria(page, rm):
    return page.locator(f"#scorecards tr[data-rm='{rm.pk}'] [data-criterion-kind]")


@pytest.mark.parametrize("language", ["en", "id"])
def test_gm_reads_scorecards_and_which_segments_and_key_accounts_pay_off(visit, world, language):
    person = visit(LAPTOP, locale=language)
    page = person.page
    person.login(world.gm.username, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", language)

    # Scorecards: each RM's measured criteria are already filled from the period's figures.
    person.go(SCORECARDS)
    expect(page.locator("#dashboard-freshness")).to_be_visible()
    rina = page.locator(f"#scorecards tr[data-rm='{world.rina.pk}']")
    expect(rina.locator("[data-weighted]")).to_contain_text(number("4.14", language))
    expect(rina.locator("[data-basis='measured']")).to_contain_text(t(language, "Measured only"))
    expect(page.locator(f"#scorecards tr[data-rm='{world.rudi.pk}'] [data-weighted]")).to_contain_text(
        number("3.14", language)
    )
    for rm, scores in ((world.rina, ["5", "3"]), (world.rudi, ["4", "2"])):
        measured = _criteria(page, rm).and_(page.locator("[data-criterion-kind='measured']"))
        expect(measured).to_have_count(2)
        assert [item.get_attribute("data-score") for item in measured.all()] == scores
        manual = _criteria(page, rm).and_(page.locator("[data-criterion-kind='manual']"))
        expect(manual.locator(".dash-score-none")).to_have_count(1)
    expect(page.locator("#chart-scores svg").first).to_be_visible()
    person.shot(f"dashboard-scorecards-laptop-{language}")

    # The drill-down says what the numbers are made of.
    rina.locator(f"[data-drilldown='{world.rina.pk}']").click()
    with override(language):
        words = ngettext(
            "%(met)s of %(intervals)s cadence interval had a contact",
            "%(met)s of %(intervals)s cadence intervals had a contact",
            10,
        ) % {"met": "9", "intervals": "10"}
    expect(page.locator("#metric-table tr[data-metric='cadence_adherence']")).to_contain_text(words)
    expect(page.locator(f"#account-table tr[data-key-account='{world.untung.key_account_id}']")).to_contain_text(
        "PT Untung Jaya"
    )
    person.shot(f"dashboard-scorecard-rm-laptop-{language}")

    # Profitability: the answer first, with the segments and key accounts that pay off.
    page.locator("[data-tab='profitability']").click()
    expect(page.locator("#answer-lead")).to_contain_text(times("0.60", language))
    expect(page.locator("#segments-paying [data-segment='loyal']")).to_contain_text(times("1.50", language))
    expect(page.locator("#segments-not-paying [data-segment='at_risk']")).to_contain_text(times("-0.30", language))
    expect(page.locator("#group-key [data-return]")).to_contain_text(number("0.60", language))
    untung = page.locator(f"#key-account-table tr[data-key-account='{world.untung.key_account_id}']")
    expect(untung).to_have_attribute("data-pays", "yes")
    expect(untung).to_contain_text(times("1.50", language))
    sinar = page.locator(f"#key-account-table tr[data-key-account='{world.sinar.key_account_id}']")
    expect(sinar).to_have_attribute("data-pays", "no")
    expect(page.locator("#method")).to_contain_text(t(language, "How this is measured"))
    person.shot(f"dashboard-profitability-laptop-{language}")

    # The numbers follow the filters: Medan has only PT Sinar Abadi.
    page.locator("#id_city").select_option("Medan")
    expect(page.locator("#key-account-table tbody tr")).to_have_count(1)
    expect(page.locator("#group-key [data-return]")).to_contain_text(number("-0.30", language))

    # At a phone's width nothing scrolls sideways.
    phone = visit(PHONE, locale=language)
    phone.login(world.gm.username, PASSWORD)
    for path, name in ((SCORECARDS, "scorecards"), (PROFITABILITY, "profitability")):
        phone.go(path)
        assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.shot(f"dashboard-{name}-phone-{language}")
    assert not person.console_errors and not phone.console_errors


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_rm_sees_only_their_own_scorecard(visit, world, language):
    person = visit(LAPTOP, locale=language)
    page = person.page
    person.login(world.rina.username, PASSWORD)

    person.go(SCORECARDS)
    expect(page.locator("#scorecards tbody tr")).to_have_count(1)
    expect(page.locator(f"#scorecards tr[data-rm='{world.rina.pk}'] [data-weighted]")).to_contain_text(
        number("4.14", language)
    )
    expect(page.locator("#id_relationship_manager")).to_have_count(0)
    expect(page.locator("#dashboard-tabs")).to_have_count(0)
    person.shot(f"dashboard-scorecards-rm-laptop-{language}")

    assert person.go(f"/programme/dashboards/scorecards/{world.rudi.pk}/").status == 404
    assert person.go(PROFITABILITY).status == 403


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_rep_sees_no_dashboard(visit, world, language):
    person = visit(PHONE, locale=language)
    person.login(world.rep.username, PASSWORD)

    assert person.go(SCORECARDS).status == 404
    assert person.go(f"/programme/dashboards/scorecards/{world.rina.pk}/").status == 404
    for path in (PROFITABILITY, "/programme/dashboards/programme/", "/programme/dashboards/periods/"):
        assert person.go(path).status == 403
