"""Issue 3's journey: a rep finds a customer by a contact's phone number, records the
contact's family, likes and dislikes and a competitor, and sees it all on the
customer page, in English and Bahasa Indonesia, on a laptop and a phone; a rep of
another team gets a 404."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import HouseholdMember, Interest
from accounts.tests.factories import ContactPersonFactory, CustomerFactory
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory

from .conftest import LAPTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name)).click()


def _add_member(page, name: str, relation: str, birthday: str, household: str | None = None) -> None:
    page.get_by_role("button", name="Add family member").or_(page.get_by_role("link", name="Add family member")).click()
    form = page.locator("#household-form-slot form")
    if household:
        form.get_by_label("New household").fill(household)
    else:
        form.get_by_label("Household", exact=True).select_option(index=1)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Relation").select_option(relation)
    form.get_by_label("Relative of").select_option(label="Budi Hartono")
    form.get_by_label("Birthday").fill(birthday)
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#household").get_by_role("cell", name=name, exact=True)).to_be_visible()


def _add_interest(page, topic: str, sentiment: str) -> None:
    page.get_by_role("link", name="Add like or dislike").click()
    form = page.locator("#interests-form-slot form")
    form.get_by_label("Topic").fill(topic)
    form.get_by_label(sentiment, exact=True).check()
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#interests").get_by_text(topic, exact=True)).to_be_visible()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_rep_records_what_they_learn_about_a_customer(visit, viewport):
    rep = UserFactory(role=Role.SALES_REP, first_name="Eka")
    customer = CustomerFactory(owner=rep, name="PT Sinar Baja Nusantara", city="Cikarang")
    ContactPersonFactory(customer=customer, name="Budi Hartono", phone="+62 811 9876 5432", job_title="Direktur Utama")
    CustomerFactory(owner=rep, name="PT Lain Lagi")
    person = visit(viewport)
    page = person.page
    person.login(rep.username, PASSWORD)

    page.get_by_role("button", name="Toggle navigation").click() if viewport is PHONE else None
    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("searchbox", name="Search").fill("9876 5432")
    expect(page.locator("#result-count")).to_have_text("1 customer")
    page.get_by_role("link", name="PT Sinar Baja Nusantara").click()
    expect(page.get_by_role("heading", name="PT Sinar Baja Nusantara")).to_be_visible()

    _open_tab(page, "Household")
    _add_member(page, "Sari Hartono", "spouse", "1984-03-15", household="Keluarga Hartono")
    _add_member(page, "Dimas Hartono", "child", "2012-11-30")

    _open_tab(page, "Interests")
    _add_interest(page, "Golf", "Like it")
    _add_interest(page, "Durian", "Like it")
    _add_interest(page, "Early calls", "Dislike it")

    _open_tab(page, "Competitors")
    page.get_by_role("link", name="Add competitor intelligence").click()
    form = page.locator("#competitors-form-slot form")
    form.get_by_label("Competitor brand").fill("Krakatau Steel Pro")
    form.get_by_label("Product category").fill("Steel coils")
    form.get_by_label("Estimated annual spend").fill("1250000000")
    form.get_by_label("Why they do not buy it from us").fill("Their delivery to Cikarang is a day faster")
    form.get_by_label("What would win it").fill("Buffer stock at our Bekasi warehouse")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#competitors").get_by_role("cell", name="Krakatau Steel Pro", exact=True)).to_be_visible()

    page.reload()
    expect(page.locator("#glance-likes")).to_contain_text("Golf")
    expect(page.locator("#glance-likes")).to_contain_text("Durian")
    expect(page.locator("#glance-dislikes")).to_contain_text("Early calls")
    expect(page.locator("#glance-competitor-spend")).to_contain_text("IDR 1,250,000,000")
    person.shot(f"customer-overview-{'phone' if viewport is PHONE else 'laptop'}-en")
    _open_tab(page, "Household")
    expect(page.locator("#household")).to_be_visible()
    person.shot(f"customer-household-{'phone' if viewport is PHONE else 'laptop'}-en")

    page.get_by_label("Language").select_option("id")
    expect(page.get_by_role("tab", name=re.compile("Rumah tangga"))).to_be_visible()
    _open_tab(page, "Minat")
    expect(page.locator("#likes")).to_contain_text("Golf")
    expect(page.locator("#dislikes")).to_contain_text("Early calls")
    _open_tab(page, "Pesaing")
    expect(page.locator("#competitors")).to_contain_text("Rp 1.250.000.000")
    expect(page.locator("#competitors")).to_be_visible()
    person.shot(f"customer-competitors-{'phone' if viewport is PHONE else 'laptop'}-id")
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    members = HouseholdMember.objects.filter(household__customer=customer).order_by("name")
    assert [(m.name, m.relation, m.birthday.isoformat()) for m in members] == [
        ("Dimas Hartono", "child", "2012-11-30"),
        ("Sari Hartono", "spouse", "1984-03-15"),
    ]
    assert sorted(Interest.objects.filter(customer=customer).values_list("topic__name", "sentiment")) == [
        ("Durian", "like"),
        ("Early calls", "dislike"),
        ("Golf", "like"),
    ]
    assert person.console_errors == []


def test_rep_of_another_team_gets_a_404(visit):
    owner = UserFactory(role=Role.SALES_REP)
    outsider = UserFactory(role=Role.SALES_REP)
    customer = CustomerFactory(owner=owner, name="PT Rahasia Dagang")
    person = visit(LAPTOP)
    person.login(outsider.username, PASSWORD)
    response = person.go(f"/customers/{customer.pk}/")
    assert response.status == 404
    expect(person.page.get_by_role("heading", name="Page not found")).to_be_visible()
    person.go("/customers/?q=Rahasia")
    expect(person.page.locator("#result-count")).to_have_text("0 customers")


def test_invalid_input_gets_field_messages_and_keeps_what_was_typed(visit):
    rep = UserFactory(role=Role.SALES_REP)
    CustomerFactory(owner=rep, name="PT Sudah Ada", email="beli@sudahada.co.id")
    person = visit(LAPTOP)
    page = person.page
    person.login(rep.username, PASSWORD)
    person.go("/customers/new/")
    page.get_by_label("Name").fill("PT Baru Sekali")
    page.get_by_label("Email").fill("beli@sudahada.co.id")
    page.get_by_label("Phone").fill("+62 21 555 0101")
    page.get_by_role("button", name="Create customer").click()
    expect(page.locator("#duplicate-alert")).to_contain_text("PT Sudah Ada")
    expect(page.get_by_text("A customer with this email already exists: PT Sudah Ada")).to_be_visible()
    expect(page.get_by_label("Phone")).to_have_value("+62 21 555 0101")
    person.shot("customer-form-duplicate")
