"""A new user's first minutes: log in as each role, find their dashboard, switch to
Bahasa Indonesia, log out; on a laptop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory

from .conftest import LAPTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

HEADINGS = {
    Role.SALES_REP: ("Your work as a sales rep", "Pekerjaan Anda sebagai tenaga penjual"),
    Role.RELATIONSHIP_MANAGER: ("Your work as a relationship manager", "Pekerjaan Anda sebagai manajer relasi"),
    Role.GENERAL_MANAGER: ("Your work as general manager", "Pekerjaan Anda sebagai manajer umum"),
    Role.ADMIN: ("Users by role", "Pengguna per peran"),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.slug)
def test_each_role_logs_in_sees_its_dashboard_switches_language_and_logs_out(visit, role):
    user = UserFactory(role=role, first_name="Wulan")
    english, indonesian = HEADINGS[role]
    person = visit(LAPTOP)
    page = person.page

    person.login(user.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Welcome, Wulan")).to_be_visible()
    expect(page.get_by_role("heading", name=english)).to_be_visible()
    expect(page.locator("header .role-badge")).to_have_text(str(role.label))
    person.shot(f"platform-{role.slug}-dashboard-en")

    page.get_by_label("Language").select_option("id")
    expect(page.get_by_role("heading", name="Selamat datang, Wulan")).to_be_visible()
    expect(page.get_by_role("heading", name=indonesian)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    person.shot(f"platform-{role.slug}-dashboard-id")

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", name="Masuk ke akun Anda")).to_be_visible()
    page.goto(person.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    assert person.console_errors == []


def test_on_a_phone_the_menu_folds_and_still_reaches_logout(visit):
    user = UserFactory(role=Role.SALES_REP, first_name="Rina")
    person = visit(PHONE)
    page = person.page
    person.login(user.username, PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Rina")).to_be_visible()
    logout = page.get_by_role("button", name="Log out")
    expect(page.locator("#user-menu")).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    # A click during Bootstrap's collapse animation can miss the menu: wait until it has opened.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.locator("#user-menu").click()
    expect(logout).to_be_visible()
    person.shot("platform-phone-menu-open")
    logout.click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert person.console_errors == []


def test_wrong_password_is_explained_and_the_keyboard_alone_logs_in(visit):
    user = UserFactory(role=Role.GENERAL_MANAGER, first_name="Agus")
    person = visit(LAPTOP)
    page = person.page
    person.go("/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Welcome, Agus")).to_be_visible()


def test_api_docs_render_offline_under_the_csp(visit):
    user = UserFactory(role=Role.ADMIN)
    person = visit(LAPTOP)
    person.login(user.username, PASSWORD)
    person.go("/api/docs/")
    expect(person.page.get_by_text("/api/v1/me/", exact=True)).to_be_visible()
    expect(person.page.get_by_text("/api/v1/auth/token/", exact=True)).to_be_visible()
    person.shot("platform-api-docs")
    assert [error for error in person.console_errors if "Content Security Policy" in error] == []


def test_missing_page_shows_the_styled_404(visit):
    user = UserFactory(role=Role.SALES_REP)
    person = visit(PHONE, locale="id")
    person.login(user.username, PASSWORD)
    response = person.go("/tidak-ada/")
    assert response.status == 404
    expect(person.page.get_by_role("heading", name="Halaman tidak ditemukan")).to_be_visible()
    person.shot("platform-404-phone-id")
    person.page.get_by_role("link", name="Ke dasbor Anda").click()
    expect(person.page.get_by_role("heading", name="Pekerjaan Anda sebagai tenaga penjual")).to_be_visible()
