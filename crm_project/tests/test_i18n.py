import gettext
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from crm_project.formatting import format_money

LOCALE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"


def test_indonesian_catalogue_is_complete_and_not_fuzzy():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert len(po) > 100
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_po_file():
    """The shipped .mo is compiled from the current .po (no gettext needed at run time)."""
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in polib.pofile(str(LOCALE / "django.po")).translated_entries():
        if entry.msgid_plural and entry.msgctxt:
            assert compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:  # the same words in another context (pgettext) may translate differently
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, (entry.msgctxt, entry.msgid)
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("en", Decimal("1250000"), "IDR 1,250,000"),
        ("id", Decimal("1250000"), "Rp 1.250.000"),
        ("en", Decimal("-75000.4"), "-IDR 75,000"),
        ("id", 0, "Rp 0"),
        ("en", None, ""),
    ],
)
def test_money_follows_the_active_language(language, amount, expected):
    with translation.override(language):
        assert format_money(amount) == expected


def test_money_in_other_currencies_keeps_cents():
    with translation.override("id"):
        assert format_money(Decimal("1234.5"), "USD") == "USD 1.234,50"


def test_money_template_filter():
    with translation.override("id"):
        rendered = Template("{% load relasi %}{{ amount|money }}").render(Context({"amount": 9876543}))
    assert rendered == "Rp 9.876.543"


def test_dates_follow_the_active_language():
    import datetime

    template = Template('{{ day|date:"DATE_FORMAT" }}')
    day = datetime.date(2026, 8, 17)
    with translation.override("en"):
        assert template.render(Context({"day": day})) == "Aug. 17, 2026"
    with translation.override("id"):
        assert template.render(Context({"day": day})) == "17 Agu 2026"


@pytest.mark.django_db
def test_language_switch_renders_pages_in_indonesian(rep_client):
    response = rep_client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert response.status_code == 302
    html = rep_client.get(reverse("home")).content.decode()
    assert '<html lang="id"' in html
    assert "Pekerjaan Anda sebagai tenaga penjual" in html
    assert "Keluar" in html  # Log out


@pytest.mark.django_db
def test_login_page_in_indonesian_by_browser_preference(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Masuk ke akun Anda" in html
