"""Issue 4's journey: a rep opens "my day", sees an overdue key account, logs a
10-minute phone call with a follow-up next Tuesday using only the keyboard, sees it
on the customer's timeline and the follow-up in "my day"; the overdue entry is gone."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Customer
from accounts.tests.factories import ContactPersonFactory, CustomerFactory
from communications.forms import next_weekday
from communications.models import FollowUp, Interaction
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory

from .conftest import LAPTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does."""
    for _press in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_rep_logs_a_call_from_my_day_with_the_keyboard(visit, viewport):
    rep = UserFactory(role=Role.SALES_REP, first_name="Eka")
    key_account = CustomerFactory(owner=rep, name="PT Kunci Utama")
    Customer.objects.filter(pk=key_account.pk).update(
        tier="key", created_at=timezone.now() - datetime.timedelta(days=90)
    )
    ContactPersonFactory(customer=key_account, name="Rina Wijaya")
    # Visited 20 days ago: within the 30-day visit rule, 6 days past the 14-day contact rule.
    InteractionFactory(
        customer=key_account, logged_by=rep, channel="visit", occurred_at=timezone.now() - datetime.timedelta(days=20)
    )
    calm = CustomerFactory(owner=rep, name="PT Tenang")
    InteractionFactory(customer=calm, logged_by=rep)
    tuesday = next_weekday(1)

    person = visit(viewport)
    page = person.page
    person.login(rep.username, PASSWORD)
    due = page.locator("#due-customers")
    expect(due).to_contain_text("PT Kunci Utama")
    expect(due.locator("li", has_text="PT Kunci Utama")).to_contain_text("6 days overdue")
    expect(due).not_to_contain_text("PT Tenang")
    person.shot(f"my-day-before-{'phone' if viewport is PHONE else 'laptop'}")

    page.locator("#due-customers li", has_text="PT Kunci Utama").locator(".day-log-link").focus()
    page.keyboard.press("Enter")
    modal = page.locator("#quick-log-modal.show")
    expect(modal.locator("input[name=channel]").first).to_be_focused()
    page.keyboard.press("Space")  # Phone
    _tab_to(page, "#quick-log-modal input[name=subject]")
    page.keyboard.type("Called about the Q1 price list")
    _tab_to(page, "#quick-log-modal details summary")
    page.keyboard.press("Enter")
    _tab_to(page, "#quick-log-modal input[name=duration_minutes]")
    page.keyboard.type("10")
    _tab_to(page, "#quick-log-modal input[name=contacts]")
    page.keyboard.press("Space")
    _tab_to(page, "#quick-log-modal input[name=next_step]")
    page.keyboard.type("Send the Q1 price list")
    _tab_to(page, "#quick-log-modal input[name=follow_up_on]")
    page.keyboard.type(tuesday.strftime("%m%d%Y"))
    _tab_to(page, "#quick-log-modal button[type=submit]")
    person.shot(f"quick-log-filled-{'phone' if viewport is PHONE else 'laptop'}")
    page.keyboard.press("Enter")

    expect(modal.get_by_role("status")).to_contain_text("Logged “Called about the Q1 price list” for PT Kunci Utama.")
    page.keyboard.press("Escape")
    expect(page.locator("#due-customers li", has_text="PT Kunci Utama")).to_have_count(0)
    expect(page.locator("#day-follow-ups")).to_contain_text("Send the Q1 price list")
    person.shot(f"my-day-after-{'phone' if viewport is PHONE else 'laptop'}")

    interaction = Interaction.objects.get(customer=key_account, channel="phone")
    assert (interaction.channel, interaction.duration_minutes, interaction.logged_by) == ("phone", 10, rep)
    assert [c.name for c in interaction.contacts.all()] == ["Rina Wijaya"]
    follow_up = FollowUp.objects.get(source_interaction=interaction)
    assert (follow_up.due_on, follow_up.assignee) == (tuesday, rep)

    person.go(f"/customers/{key_account.pk}/#timeline")
    timeline = page.locator("#timeline-entries")
    expect(timeline).to_contain_text("Called about the Q1 price list")
    expect(timeline).to_contain_text("10 minutes")
    expect(page.locator("#fact-last-contact")).to_contain_text(re.compile(r"Last contact .* · Phone · Eka"))
    assert person.console_errors == [], person.console_errors[:3]
