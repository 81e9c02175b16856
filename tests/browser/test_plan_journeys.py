"""Issue 6's plan journey: an RM writes a long-term plan and this year's annual plan in the
inline editor (part of it on a tablet) and submits it; the GM returns it with a comment;
the RM reads the comment, fixes the plan and resubmits; the GM approves; the RM logs a
visit for an action and the plan's progress moves; the RM starts next year's draft from
this one; the plan prints cleanly.

Progress is known in advance: the annual plan has two objectives (visits, measured,
target 6 after the GM's comment; dinners, entered by hand, target 4, 1 so far) and two
actions. Before the visit: no visits this year, so visits stand at 0 of 6 (0%) and,
with the dinners at 1 of 4 (25%), the objectives average 12%; 0 of 2 actions done.
The visit makes one action done (1/2) and visits 1 of 6 (17%): the objectives move to
(17 + 25) / 2 = 21%; entering 2 dinners moves them to (17 + 50) / 2 = 34%.

The journey runs in English and in Bahasa Indonesia: every UI text it reads comes from
the catalogue (`t`), money and dates are written out per language.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.tests.factories import CustomerFactory
from communications.models import Interaction
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory
from relationships.models import Action, RelationshipPlan
from relationships.tests.factories import KeyAccountFactory

from .conftest import ARTIFACTS, LAPTOP, PHONE, t

pytestmark = pytest.mark.django_db(transaction=True)
TABLET = {"width": 820, "height": 1180}
# Money and dates as each language writes them.
BUDGET_PLANNED = {"en": "IDR 17,500,000", "id": "Rp 17.500.000"}


def _long_date(language: str, day: dt.date) -> str:
    """A date as the pages print it (DATE_FORMAT of the language)."""
    with translation.override(language):
        return date_format(day, "DATE_FORMAT")


@pytest.fixture
def programme():
    gm = UserFactory(role=Role.GENERAL_MANAGER, first_name="Gita", last_name="Manajer")
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER, first_name="Rina", last_name="Wijaya")
    rep = UserFactory(role=Role.SALES_REP, first_name="Eka", last_name="Putra")
    customer = CustomerFactory(name="PT Sinar Jaya", owner=rep, city="Surabaya")
    key_account = KeyAccountFactory(customer=customer, relationship_manager=rm, nominated_by=gm)
    return gm, rm, rep, key_account


def _shot(person, name: str) -> None:
    # The editor's bar is sticky: a full-page screenshot taken while scrolled would show it mid-page.
    person.page.evaluate("window.scrollTo(0, 0)")
    person.shot(name)


def _tile(page, name: str) -> str:
    return page.locator(f"#plan-progress-tiles [data-tile={name}] .plan-tile-value").get_attribute("data-value")


def _add_row(page, item_type: str, fields: dict) -> None:
    page.locator(f"#add-{item_type}").click()
    form = page.locator(f"#rows-{item_type} .row-form").last
    expect(form).to_be_visible()
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator(".save-row").click()
    expect(page.locator(f"#rows-{item_type} .row-form")).to_have_count(0)


def _status(page, language: str, status: str, label: str) -> None:
    badge = page.locator(".plan-status").first
    expect(badge).to_have_attribute("data-status", status)
    expect(badge).to_contain_text(t(language, label))


@pytest.mark.parametrize("language", ["en", "id"])
def test_rm_writes_gm_returns_rm_fixes_gm_approves_progress_moves(visit, programme, language):
    gm, rm, _rep, key_account = programme
    year = timezone.localdate().year

    # -- the RM writes the long-term plan (laptop) ---------------------------------------
    rina = visit(LAPTOP, locale=language)
    page = rina.page
    page.on("dialog", lambda dialog: dialog.accept())
    rina.login(rm.username, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", language)
    rina.go(f"/programme/plans/new/?key_account={key_account.pk}")
    page.locator("input[name=kind][value=long_term]").check()
    expect(page.locator("#id_end_year")).to_be_visible()
    expect(page.locator("#id_long_term_plan")).to_be_hidden()
    page.locator("#id_start_year").fill(str(year))
    page.locator("#id_end_year").fill(str(year + 2))
    page.locator("#id_vision").fill("Be Sinar Jaya's first supplier for every plant by the end.")
    _shot(rina, f"plan-create-long-term-laptop-{language}")
    page.locator("#create-plan").click()
    expect(page.locator("#plan-title")).to_have_text(
        t(language, "%(customer)s: long-term plan %(years)s", customer="PT Sinar Jaya", years=f"{year}-{year + 2}")
    )
    _add_row(
        page, "objective", {"title": "Share of wallet above half", "metric": "manual", "target": "55", "unit": "%"}
    )
    page.locator("#submit-plan").click()
    _status(page, language, "submitted", "Submitted")
    long_term = RelationshipPlan.objects.get(kind="long_term")

    # -- this year's annual plan, on a tablet --------------------------------------------
    rina.context.close()
    rina = visit(TABLET, locale=language)
    page = rina.page
    page.on("dialog", lambda dialog: dialog.accept())
    rina.login(rm.username, PASSWORD)
    rina.go(f"/programme/plans/new/?key_account={key_account.pk}")
    expect(page.locator("#id_long_term_plan")).to_be_visible()
    page.locator("#create-plan").click()
    expect(page.locator("#plan-title")).to_have_text(
        t(language, "%(customer)s: annual plan %(year)s", customer="PT Sinar Jaya", year=year)
    )
    annual = RelationshipPlan.objects.get(kind="annual")
    assert annual.long_term_plan == long_term

    _add_row(page, "objective", {"title": "Visit every plant", "metric": "visit_count", "baseline": "1", "target": "4"})
    page.locator("#add-objective").click()
    form = page.locator("#rows-objective .row-form")
    form.locator("[name=title]").fill("Dinners with the owner's family")
    form.locator("[name=metric]").select_option("manual")
    expect(form.locator("[name=manual_actual]")).to_be_visible()
    form.locator("[name=unit]").fill("dinners")
    form.locator("[name=target]").fill("4")
    form.locator("[name=manual_actual]").fill("1")
    expect(page.locator("#unsaved-badge")).to_be_visible()
    form.locator("[name=target]").fill("")
    form.locator(".save-row").click()
    expect(form.locator(".invalid-feedback")).to_contain_text(t(language, "This field is required."))
    expect(page.locator("#unsaved-badge")).to_be_visible()
    _shot(rina, f"plan-editor-row-error-tablet-{language}")
    form.locator("[name=target]").fill("4")
    form.locator(".save-row").click()
    expect(page.locator("#rows-objective .plan-row")).to_have_count(2)
    expect(page.locator("#unsaved-badge")).to_be_hidden()

    _add_row(page, "strategy", {"title": "Become the family's trusted adviser"})
    _add_row(page, "strategy", {"title": "Temporary idea"})
    page.locator("#rows-strategy .plan-row", has_text="Temporary idea").locator(".delete-button").click()
    expect(page.locator("#rows-strategy .plan-row")).to_have_count(1)

    strategy = annual.strategies.get()
    due = f"{year}-12-15"
    _add_row(
        page,
        "action",
        {"what": "Visit the Gresik plant", "due_on": due, "strategy": str(strategy.pk)},
    )
    _add_row(page, "action", {"what": "Dinner with Pak Budi and family", "due_on": due})
    page.locator(f"#strategy-{strategy.pk} .edit-button").click()
    page.locator("#rows-strategy .row-form [name=title]").fill("Be the family's trusted adviser")
    page.locator("#rows-strategy .row-form .save-row").click()
    expect(page.locator("#rows-action [data-strategy-chip]")).to_have_text("Be the family's trusted adviser")
    page.locator("#rows-action .plan-row", has_text="Dinner with Pak Budi").locator(".move-up").click()
    expect(page.locator("#rows-action .plan-row").first).to_contain_text("Dinner with Pak Budi")
    assert list(annual.actions.values_list("what", flat=True)) == [
        "Dinner with Pak Budi and family",
        "Visit the Gresik plant",
    ]

    _add_row(page, "resource", {"kind": "entertainment", "description": "Family dinners", "amount": "5.000.000"})
    _add_row(page, "resource", {"kind": "samples", "description": "Trial batch", "amount": "12500000"})
    assert sorted(annual.resources.values_list("amount", flat=True)) == [5_000_000, 12_500_000]
    expect(page.locator("#plan-progress-tiles [data-tile=budget] .plan-tile-note")).to_contain_text(
        BUDGET_PLANNED[language]
    )
    _shot(rina, f"plan-editor-filled-tablet-{language}")

    page.locator("#submit-plan").click()
    _status(page, language, "submitted", "Submitted")
    _shot(rina, f"plan-submitted-tablet-{language}")

    # -- the GM returns it with a comment ------------------------------------------------
    gita = visit(LAPTOP, locale=language)
    gpage = gita.page
    gita.login(gm.username, PASSWORD)
    gita.go("/programme/plans/")
    first = gpage.locator("#plan-table tbody tr").first
    expect(first).to_contain_text(t(language, "Waiting for you"))
    _shot(gita, f"plan-list-gm-laptop-{language}")
    expect(gpage.locator("#plan-table tbody tr.plan-waiting")).to_have_count(2)
    gpage.locator(f"#plan-table tr[data-plan='{annual.pk}'] a").click()
    expect(gpage.locator("#decision-title")).to_be_visible()
    gpage.locator("#return-plan").click()
    expect(gpage.locator("#return-comment-error")).to_contain_text(
        t(language, "Tell the relationship manager what to change.")
    )
    _shot(gita, f"plan-decision-error-laptop-{language}")
    gpage.locator("#return-comment").fill("Four visits is too few for six plants: aim for six.")
    gpage.locator("#return-plan").click()
    _status(gpage, language, "returned", "Returned")

    # -- the RM sees the comment, fixes and resubmits ------------------------------------
    rina.go(f"/programme/plans/{annual.pk}/")
    expect(page.locator("#gm-comment")).to_contain_text("aim for six")
    _shot(rina, f"plan-returned-tablet-{language}")
    page.locator("#edit-plan").click()
    expect(page.locator("#gm-comment")).to_contain_text("aim for six")
    row = page.locator("#rows-objective .plan-row", has_text="Visit every plant")
    row.locator(".edit-button").click()
    form = page.locator("#rows-objective .row-form")
    expect(form.locator("[name=unit]")).to_be_hidden()
    form.locator("[name=target]").fill("6")
    form.locator(".save-row").click()
    expect(page.locator("#rows-objective .plan-row", has_text="Visit every plant")).to_contain_text(
        f"{t(language, 'Target')} 6"
    )
    page.locator("#submit-plan").click()
    _status(page, language, "submitted", "Submitted")

    # -- the GM approves ----------------------------------------------------------------
    gita.go(f"/programme/plans/{annual.pk}/")
    gpage.locator("#approve-plan").click()
    _status(gpage, language, "approved", "Approved")
    expect(gpage.locator("#plan-history")).to_contain_text("aim for six")

    # -- the RM logs a visit for an action; progress moves -------------------------------
    rina.go(f"/programme/plans/{annual.pk}/")
    expect(page.locator("#edit-plan")).to_have_count(0)
    assert _tile(page, "actions") == "0/2"
    assert _tile(page, "objectives") == "12"
    visit_action = annual.actions.get(what="Visit the Gresik plant")
    card = page.locator(f"#action-{visit_action.pk}")
    card.locator(f"a[href$='/actions/{visit_action.pk}/log/']").click()
    card.locator("[name=subject]").fill("Toured the Gresik plant with the plant manager")
    _shot(rina, f"plan-log-visit-tablet-{language}")
    card.locator(f"#action-{visit_action.pk}-slot button[type=submit]").click()
    expect(page.locator(f"#action-{visit_action.pk}")).to_have_attribute("data-status", "done")
    expect(page.locator("#plan-progress-tiles [data-tile=actions] .plan-tile-value")).to_have_attribute(
        "data-value", "1/2"
    )
    expect(page.locator(f"#action-{visit_action.pk} .plan-evidence")).to_contain_text("Toured the Gresik plant")
    expect(page.locator("#plan-progress-tiles [data-tile=objectives] .plan-tile-value")).to_have_attribute(
        "data-value", "21"
    )
    dinners = annual.objectives.get(metric="manual")
    page.locator(f"#actual-{dinners.pk}").fill("2")
    page.locator(f"#objective-{dinners.pk} button[type=submit]").click()
    expect(page.locator("#plan-progress-tiles [data-tile=objectives] .plan-tile-value")).to_have_attribute(
        "data-value", "34"
    )
    visit_objective = annual.objectives.get(metric="visit_count")
    expect(page.locator(f"#objective-{visit_objective.pk} [data-actual]")).to_have_text("1")
    assert Interaction.objects.filter(customer=key_account.customer, channel="visit").count() == 1
    assert Action.objects.get(pk=visit_action.pk).status == "done"
    _shot(rina, f"plan-progress-moved-tablet-{language}")

    # -- printing ------------------------------------------------------------------------
    page.set_viewport_size(LAPTOP)
    page.emulate_media(media="print")
    expect(page.locator(".navbar")).to_be_hidden()
    expect(page.locator(".plan-action-buttons").first).to_be_hidden()
    _shot(rina, f"plan-print-media-{language}")
    page.emulate_media(media="screen")
    page.locator("#print-plan").click()
    expect(page.locator(".print-toolbar")).to_be_visible()
    _shot(rina, f"plan-print-view-{language}")
    # On a phone the print view fits the screen: the four tiles take two rows.
    page.set_viewport_size(PHONE)
    page.wait_for_function(f"document.documentElement.scrollWidth <= {PHONE['width']}", timeout=5000)
    tiles = page.locator(".plan-tile")
    assert tiles.nth(0).bounding_box()["y"] == tiles.nth(1).bounding_box()["y"] < tiles.nth(2).bounding_box()["y"]
    _shot(rina, f"plan-print-view-phone-{language}")
    page.set_viewport_size(LAPTOP)
    ARTIFACTS.mkdir(exist_ok=True)
    page.emulate_media(media="print")
    page.pdf(path=str(ARTIFACTS / f"plan-print-{language}.pdf"), format="A4", print_background=True)
    page.emulate_media(media="screen")

    # -- next year's draft from this one -------------------------------------------------
    rina.go(f"/programme/plans/{annual.pk}/")
    page.locator("#start-next-year").click()
    expect(page.locator("#plan-title")).to_have_text(
        t(language, "%(customer)s: annual plan %(year)s", customer="PT Sinar Jaya", year=year + 1)
    )
    expect(page.locator("#rows-objective .plan-row")).to_have_count(2)
    # Only the open action comes along, a year later.
    expect(page.locator("#rows-action .plan-row")).to_have_count(1)
    expect(page.locator("#rows-action .plan-row")).to_contain_text(
        t(language, "due %(day)s", day=_long_date(language, dt.date(year + 1, 12, 15)))
    )
    _shot(rina, f"plan-next-year-draft-tablet-{language}")
    assert rina.console_errors == []
    assert gita.console_errors == []


def test_indonesian_rm_adds_a_resource_in_rupiah_on_a_tablet(visit, programme):
    """In Bahasa Indonesia amounts read and write with dots: 5.000.000 is Rp 5.000.000."""
    _gm, rm, _rep, key_account = programme
    plan = RelationshipPlan.objects.create(
        key_account=key_account,
        customer=key_account.customer,
        kind="annual",
        start_year=timezone.localdate().year,
        end_year=timezone.localdate().year,
        title="Rencana Sinar Jaya",
        author=rm,
    )
    rina = visit(TABLET, locale="id")
    page = rina.page
    rina.login(rm.username, PASSWORD)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": rina.base_url}])
    rina.go(f"/programme/plans/{plan.pk}/edit/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    _add_row(page, "resource", {"kind": "entertainment", "description": "Makan malam keluarga", "amount": "5.000.000"})
    expect(page.locator("#rows-resource .plan-row")).to_contain_text("Rp 5.000.000")
    assert plan.resources.get().amount == 5_000_000
    page.locator("#rows-resource .plan-row .edit-button").click()
    expect(page.locator("#rows-resource .row-form [name=amount]")).to_have_value("5.000.000")
    _shot(rina, "plan-editor-id-tablet")
    assert rina.console_errors == []
