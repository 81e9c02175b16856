"""Issue 5's journeys: a general manager uploads a purchase CSV with bad rows, sees which
rows failed and why, imports the good ones, re-uploads the fixed file without
duplicates, runs a rollup and sees a customer change segment; the segments page
with its RxF grid, click-through, owner filter and CSV export; what a sales rep may
see; and the customer page's "Purchases & RFM" tab and purchases on the timeline.

The purchase history is designed so that every score is known in advance. Five
customers have purchases; with five distinct values, `ceil(5 * cume_dist())` is the
customer's rank (1-5), so R and F below are plain ranks:

| customer | ref | owner | purchases (days ago)        | R | F | segment        |
| -------- | --- | ----- | --------------------------- | - | - | -------------- |
| Alfa     | C-1 | Adi   | 3, 30, 60, 90, 120, 150     | 5 | 5 | champion       |
| Beta     | C-2 | Adi   | 10, 50, 100, 200            | 4 | 4 | loyal          |
| Gamma    | C-3 | Bela  | 40, 80, 160                 | 3 | 3 | need attention |
| Delta    | C-4 | Adi   | 100, 300                    | 2 | 2 | hibernating    |
| Epsilon  | C-5 | Bela  | 400                         | 1 | 1 | hibernating    |

Every purchase is IDR 10,000,000, so M follows F. The import adds six purchases
to Epsilon (1 to 20 days ago): 7 purchases, last one yesterday, IDR 66,500,000 in
all, which makes Epsilon R5 F5 M5, a champion, and moves everyone else one rank down.
"""

import csv
import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import CustomerFactory
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import PASSWORD, UserFactory
from insights import services
from insights.models import CustomerRFM, Purchase, RollupRun
from insights.tests.factories import PurchaseFactory

from .conftest import LAPTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

AMOUNT = Decimal("10000000")
HISTORY = {
    # name: (external ref, owner key, days ago of each purchase)
    "PT Alfa Baja": ("C-1", "adi", [3, 30, 60, 90, 120, 150]),
    "PT Beta Semen": ("C-2", "adi", [10, 50, 100, 200]),
    "PT Gamma Kimia": ("C-3", "bela", [40, 80, 160]),
    "PT Delta Kayu": ("C-4", "adi", [100, 300]),
    "PT Epsilon Niaga": ("C-5", "bela", [400]),
}
EXPECTED_BEFORE = {
    "PT Alfa Baja": (5, 5, 5, "champion"),
    "PT Beta Semen": (4, 4, 4, "loyal"),
    "PT Gamma Kimia": (3, 3, 3, "need_attention"),
    "PT Delta Kayu": (2, 2, 2, "hibernating"),
    "PT Epsilon Niaga": (1, 1, 1, "hibernating"),
}
EXPECTED_AFTER = {
    "PT Epsilon Niaga": (5, 5, 5, "champion"),
    "PT Alfa Baja": (4, 4, 4, "loyal"),
    "PT Beta Semen": (3, 3, 3, "need_attention"),
    "PT Gamma Kimia": (2, 2, 2, "hibernating"),
    "PT Delta Kayu": (1, 1, 1, "hibernating"),
}
# The few strings of these pages the Indonesian catalogue already translates; the
# rest of the Indonesian run finds elements by id, role and data attributes.
TEXT = {
    "en": {
        "upload": "Upload and check",
        "rejected": "Rejected rows",
        "import 3": "Import 3 valid rows",
        "import 6": "Import 6 valid rows",
        "timeline": "Timeline",
    },
    "id": {
        "upload": "Unggah dan periksa",
        "rejected": "Baris yang ditolak",
        "import 3": "Impor 3 baris valid",
        "import 6": "Impor 6 baris valid",
        "timeline": "Linimasa",
    },
}


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _scores(name: str) -> tuple[int, int, int, str]:
    rfm = CustomerRFM.objects.get(customer__name=name)
    return (rfm.r_score, rfm.f_score, rfm.m_score, rfm.segment)


@pytest.fixture
def history():
    gm = UserFactory(role=Role.GENERAL_MANAGER, first_name="Gita", last_name="Manajer")
    owners = {
        "adi": UserFactory(role=Role.SALES_REP, first_name="Adi", last_name="Saputra"),
        "bela": UserFactory(role=Role.SALES_REP, first_name="Bela", last_name="Kusuma"),
    }
    customers = {}
    for name, (ref, owner, days) in HISTORY.items():
        customer = CustomerFactory(name=name, external_ref=ref, owner=owners[owner], city="Bekasi")
        customers[name] = customer
        for day in days:
            PurchaseFactory(customer=customer, purchased_at=_days_ago(day), amount=AMOUNT, source="erp")
    CustomerFactory(name="PT Belum Beli", external_ref="C-6", owner=owners["bela"])
    services.rollup_run_now()
    assert {name: _scores(name) for name in HISTORY} == EXPECTED_BEFORE
    return SimpleNamespace(gm=gm, adi=owners["adi"], bela=owners["bela"], customers=customers)


def _open_menu(page, viewport) -> None:
    if viewport is PHONE:
        page.locator(".navbar-toggler").click()
        expect(page.locator("#main-nav")).to_be_visible()


def _insights_nav(page, path: str) -> None:
    page.locator(f".insights-nav a[href='{path}']").click()
    expect(page).to_have_url(re.compile(re.escape(path) + r"(#.*)?$"))


def _segment_fact(page):
    return page.locator("#fact-segment .segment-fact")


def _csv_rows(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _upload(page, path, language: str) -> None:
    page.locator("#id_file").set_input_files(str(path))
    page.locator("#id_source").fill("erp")
    page.locator("#upload-form").get_by_role("button", name=TEXT[language]["upload"]).click()
    expect(page.locator("#import-summary [data-status]")).to_have_attribute("data-status", "checked")


def _counts(page) -> dict[str, str]:
    return {
        key: page.locator(f"#import-summary [data-count={key}]").inner_text().strip()
        for key in ("rows", "errors", "new", "existing")
    }


def _write_csv(path, rows) -> None:
    path.write_text(
        "customer_ref,purchased_at,amount,product,external_id\n" + "".join(",".join(row) + "\n" for row in rows),
        encoding="utf-8",
    )


@pytest.mark.parametrize(("viewport", "language"), [(LAPTOP, "en"), (PHONE, "id")], ids=["laptop-en", "phone-id"])
def test_gm_imports_purchases_fixes_bad_rows_and_sees_a_customer_change_segment(
    visit, history, tmp_path, viewport, language
):
    device = "phone" if viewport is PHONE else "laptop"
    epsilon = history.customers["PT Epsilon Niaga"]

    def day(days: int) -> str:
        return (timezone.localdate() - dt.timedelta(days=days)).isoformat()

    bad = [
        ["C-5", day(1), "15000000", "Semen", "INV-101"],  # line 2
        ["C-5", day(2), "-2500000", "Pasir", "INV-102"],  # line 3: negative amount
        ["C-5", day(8), "12000000", "Besi", "INV-103"],  # line 4
        ["C-5", "kemarin", "9000000", "Bata", "INV-104"],  # line 5: not a date
        ["C-55", day(4), "7000000", "Kayu", "INV-105"],  # line 6: unknown customer
        ["C-5", day(20), "11000000", "Cat", "INV-106"],  # line 7
    ]
    fixed = [row[:] for row in bad]
    fixed[1][2] = "2500000"
    fixed[3][1] = day(6)
    fixed[4][0] = "C-5"
    first_file, fixed_file = tmp_path / "pembelian-juni.csv", tmp_path / "pembelian-juni-diperbaiki.csv"
    _write_csv(first_file, bad)
    _write_csv(fixed_file, fixed)
    purchases_before = Purchase.objects.count()

    person = visit(viewport, locale=language)
    page = person.page
    person.login(history.gm.username, PASSWORD)

    # Before: Epsilon bought once, 400 days ago.
    person.go(f"/customers/{epsilon.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(_segment_fact(page).locator(".segment-badge")).to_have_class(re.compile(r"\bsegment-hibernating\b"))
    expect(_segment_fact(page).locator(".score-pill")).to_have_text("R1 F1 M1")

    # Insights > Purchases > Import purchases.
    _open_menu(page, viewport)
    page.locator("#main-nav a[href='/insights/segments/']").click()
    _insights_nav(page, "/insights/purchases/")
    page.locator("#import-link").click()
    expect(page).to_have_url(re.compile(r"/insights/purchases/import/$"))

    _upload(page, first_file, language)
    assert _counts(page) == {"rows": "6", "errors": "3", "new": "3", "existing": "0"}
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    rejected = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in errors.all()]
    assert [(line, column) for line, column, _reason in rejected] == [
        ("3", "amount"),
        ("5", "purchased_at"),
        ("6", "customer_ref"),
    ]
    if language == "en":
        assert [reason for _line, _column, reason in rejected] == [
            "The amount cannot be negative.",
            "“kemarin” is not a date. Write 2025-12-31, 2025-12-31 14:05 or 31/12/2025.",
            "Unknown customer.",
        ]
    assert Purchase.objects.count() == purchases_before  # a dry run saves nothing
    person.shot(f"insights-import-checked-{device}-{language}")

    with page.expect_download() as info:
        page.locator("#import-summary a[href$='/rejects.csv']").click()
    rejects = _csv_rows(info.value)
    assert rejects[0] == ["customer_ref", "purchased_at", "amount", "product", "external_id", "line", "reason"]
    assert [(row[4], row[5]) for row in rejects[1:]] == [("INV-102", "3"), ("INV-104", "5"), ("INV-105", "6")]
    assert rejects[1][2] == "'-2500000"  # kept formula-safe for spreadsheets
    if language == "en":
        assert rejects[3][6] == "customer_ref: Unknown customer."

    page.locator("#import-summary").get_by_role("button", name=TEXT[language]["import 3"]).click()
    expect(page.locator("#import-summary [data-status]")).to_have_attribute("data-status", "done")
    assert _counts(page) == {"rows": "6", "errors": "3", "new": "3", "existing": "0"}
    expect(page.locator("#import-errors h2")).to_have_text(TEXT[language]["rejected"])
    expect(page.locator("#import-errors tbody tr")).to_have_count(3)
    if language == "en":
        expect(page.locator("#import-summary [role=status]")).to_contain_text(
            "3 purchases were created. 3 rows were rejected; they are listed below."
        )
    assert Purchase.objects.count() == purchases_before + 3
    person.shot(f"insights-import-done-{device}-{language}")

    # The fixed file: all six rows; the three imported already are recognised.
    page.locator("#import-summary a[href='/insights/purchases/import/']").click()
    if language == "en":
        expect(page.locator("#past-imports")).to_contain_text("3 created, 0 already there, 3 rejected")
    _upload(page, fixed_file, language)
    assert _counts(page) == {"rows": "6", "errors": "0", "new": "6", "existing": "3"}
    expect(page.locator("#import-errors tbody tr")).to_have_count(0)
    if language == "en":
        expect(page.locator("#import-summary")).to_contain_text(
            "3 valid rows are already in Relasi and will be skipped."
        )
    page.locator("#import-summary").get_by_role("button", name=TEXT[language]["import 6"]).click()
    expect(page.locator("#import-summary [data-status]")).to_have_attribute("data-status", "done")
    assert _counts(page) == {"rows": "6", "errors": "0", "new": "3", "existing": "3"}
    if language == "en":
        expect(page.locator("#import-summary [role=status]")).to_contain_text(
            re.compile(r"3 purchases were created\.\s+3 (purchases )?were already there\.")
        )
    person.shot(f"insights-reimport-done-{device}-{language}")
    assert Purchase.objects.count() == purchases_before + 6
    assert sorted(
        Purchase.objects.filter(customer=epsilon, source="erp", external_id__startswith="INV-").values_list(
            "external_id", "amount", "purchased_on"
        )
    ) == [
        ("INV-101", Decimal("15000000.00"), dt.date.fromisoformat(day(1))),
        ("INV-102", Decimal("2500000.00"), dt.date.fromisoformat(day(2))),
        ("INV-103", Decimal("12000000.00"), dt.date.fromisoformat(day(8))),
        ("INV-104", Decimal("9000000.00"), dt.date.fromisoformat(day(6))),
        ("INV-105", Decimal("7000000.00"), dt.date.fromisoformat(day(4))),
        ("INV-106", Decimal("11000000.00"), dt.date.fromisoformat(day(20))),
    ]

    # Rollup runs > Run now (full).
    _open_menu(page, viewport)
    page.locator("#main-nav a[href='/insights/segments/']").click()
    _insights_nav(page, "/insights/rollups/")
    expect(page.locator("#id_kind")).to_have_value("full")
    page.locator("#run-now-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/insights/rollups/#run-\d+$"))
    run = RollupRun.objects.filter(kind="full").latest("pk")
    assert run.requested_by == history.gm
    newest = page.locator("#run-table tbody tr").first
    expect(newest).to_have_attribute("id", f"run-{run.pk}")
    expect(newest).to_have_attribute("data-status", "done")
    expect(page.locator("#runs-polling")).to_have_count(0)
    assert newest.locator("td.num").nth(1).inner_text().strip() == "5"
    person.shot(f"insights-rollup-done-{device}-{language}")
    assert {name: _scores(name) for name in HISTORY} == EXPECTED_AFTER

    # Segments: Epsilon is now the only champion (R5 F5); open it from the grid.
    _insights_nav(page, "/insights/segments/")
    champion_cell = page.locator("#rf-grid .rf-cell[data-r='5'][data-f='5']")
    expect(champion_cell.locator(".rf-count")).to_have_text("1")
    expect(page.locator("#rf-grid .rf-cell[data-r='1'][data-f='1'] .rf-count")).to_have_text("1")
    champion_cell.click()
    expect(page.locator("#segment-customers tbody tr")).to_have_count(1)
    page.locator("#segment-customers").get_by_role("link", name="PT Epsilon Niaga").click()
    expect(page).to_have_url(re.compile(rf"/customers/{epsilon.pk}/#rfm$"))
    expect(_segment_fact(page).locator(".segment-badge")).to_have_class(re.compile(r"\bsegment-champion\b"))
    expect(_segment_fact(page).locator(".score-pill")).to_have_text("R5 F5 M5")
    card = page.locator("#rfm-card")
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bsegment-champion\b"))
    if language == "en":
        expect(page.locator("#rfm-card-title")).to_have_text("Champion")
        expect(page.locator("#rfm-recency")).to_have_text("1 day ago")
        expect(page.locator("#rfm-frequency")).to_have_text("7 purchases")
        expect(page.locator("#rfm-monetary")).to_have_text("IDR 66,500,000")
    else:
        expect(page.locator("#rfm-monetary")).to_have_text("Rp 66.500.000")
    person.shot(f"insights-customer-champion-{device}-{language}")
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert person.console_errors == [], person.console_errors[:3]


def test_gm_drills_from_the_grid_to_a_segment_filters_by_owner_and_exports_it(visit, history):
    person = visit(LAPTOP)
    page = person.page
    person.login(history.gm.username, PASSWORD)
    page.locator("#main-nav a[href='/insights/segments/']").click()
    expect(page.get_by_role("heading", name="Customer segments")).to_be_visible()
    expect(page.locator("#segments-scope")).to_contain_text("All customers with purchases.")
    expect(page.locator("#stat-customers")).to_have_text("5")
    # Revenue of the last 12 months: Alfa 6, Beta 4, Gamma 3, Delta 2 purchases (Epsilon's is 400 days old).
    expect(page.locator("#stat-revenue")).to_have_text("IDR 150,000,000")

    counts = {
        (int(cell.get_attribute("data-r")), int(cell.get_attribute("data-f"))): int(
            cell.locator(".rf-count").inner_text()
        )
        for cell in page.locator("#rf-grid .rf-cell").all()
    }
    assert counts == {(r, f): int(r == f) for r in range(1, 6) for f in range(1, 6)}
    expect(page.locator("#rf-grid .rf-cell[data-r='5'][data-f='5'] .rf-money").first).to_have_text("IDR 60,000,000")
    segment_rows = {
        row.get_attribute("data-segment"): row.locator("td").first.inner_text()
        for row in page.locator("#segment-table tbody tr").all()
    }
    assert {key: value for key, value in segment_rows.items() if value != "0"} == {
        "champion": "1",
        "loyal": "1",
        "need_attention": "1",
        "hibernating": "2",
    }
    assert page.evaluate("!!(window.Chart && Chart.getChart(document.getElementById('chart-segments')))")
    person.shot("insights-segments-gm-laptop")

    # One cell of the grid: R2 F2.
    page.locator("#rf-grid .rf-cell[data-r='2'][data-f='2']").click()
    expect(page).to_have_url(re.compile(r"/insights/segments/hibernating/\?r=2&f=2$"))
    expect(page.locator("#cell-filter")).to_have_text("R2 F2")
    expect(page.locator("#result-count")).to_have_text("1 customer")
    expect(page.locator("#segment-customers tbody")).to_contain_text("PT Delta Kayu")

    # The whole segment, then only Bela's customers.
    page.locator("#segment-filters").get_by_role("link", name="Reset").click()
    expect(page.locator("#result-count")).to_have_text("2 customers")
    rows = page.locator("#segment-customers tbody tr a.fw-semibold")
    expect(rows).to_have_text(["PT Delta Kayu", "PT Epsilon Niaga"])  # by 12-month revenue
    page.get_by_label("Owner").select_option(label="Bela Kusuma")
    expect(page.locator("#result-count")).to_have_text("1 customer")
    expect(rows).to_have_text(["PT Epsilon Niaga"])
    expect(page).to_have_url(re.compile(rf"owner={history.bela.pk}"))
    person.shot("insights-segment-customers-laptop")

    with page.expect_download() as info:
        page.locator("#export-link").click()
    download = info.value
    assert re.fullmatch(r"segment-hibernating-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    exported = [dict(zip(_csv_rows(download)[0], row, strict=True)) for row in _csv_rows(download)[1:]]
    assert len(exported) == 1
    row = exported[0]
    assert {key: row[key] for key in ("name", "external_ref", "owner", "segment")} == {
        "name": "PT Epsilon Niaga",
        "external_ref": "C-5",
        "owner": history.bela.username,
        "segment": "hibernating",
    }
    assert (row["r_score"], row["f_score"], row["m_score"], row["recency_days"], row["frequency"]) == (
        "1",
        "1",
        "1",
        "400",
        "1",
    )
    assert (Decimal(row["monetary"]), Decimal(row["revenue_12m"])) == (AMOUNT, Decimal("0"))
    assert person.console_errors == [], person.console_errors[:3]


def test_a_rep_sees_only_their_customers_segments_and_no_manager_pages(visit, history):
    epsilon = history.customers["PT Epsilon Niaga"]  # Bela's
    person = visit(PHONE)
    page = person.page
    person.login(history.adi.username, PASSWORD)
    _open_menu(page, PHONE)
    page.locator("#main-nav a[href='/insights/segments/']").click()
    expect(page.locator("#segments-scope")).to_contain_text("Your customers with purchases")
    expect(page.locator("#stat-customers")).to_have_text("3")  # the GM sees 5
    # Alfa 60M + Beta 40M + Delta 20M in the last 12 months.
    expect(page.locator("#stat-revenue")).to_have_text("IDR 120,000,000")
    expect(page.locator("#segment-table tr[data-segment='hibernating'] td").first).to_have_text("1")
    expect(page.locator("#segment-table tr[data-segment='need_attention'] td").first).to_have_text("0")  # Bela's Gamma
    expect(page.locator("#rf-grid .rf-cell[data-r='1'][data-f='1'] .rf-count")).to_have_text("0")
    expect(page.locator("#rf-grid .rf-cell[data-r='2'][data-f='2'] .rf-count")).to_have_text("1")
    expect(page.locator(".insights-nav a[href='/insights/rollups/']")).to_have_count(0)
    expect(page.locator(".insights-nav a[href='/insights/candidates/']")).to_have_count(0)
    person.shot("insights-segments-rep-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator("#segment-table tr[data-segment='hibernating'] a").click()
    expect(page.locator("#result-count")).to_have_text("1 customer")
    expect(page.locator("#segment-customers tbody")).not_to_contain_text("PT Epsilon Niaga")

    for path in ("/insights/rollups/", "/insights/candidates/"):
        assert person.go(path).status == 403, path
    response = person.go(f"/customers/{epsilon.pk}/#rfm")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("PT Epsilon Niaga")
    assert person.go(f"/insights/customers/{epsilon.pk}/rfm/").status == 404
    person.shot("insights-rfm-404-rep-phone")


def test_customer_page_shows_the_rfm_card_trend_and_purchases_on_the_timeline(visit, history):
    alfa = history.customers["PT Alfa Baja"]
    InteractionFactory(customer=alfa, occurred_at=_days_ago(2), subject="Called about the Q3 price list")
    InteractionFactory(customer=alfa, occurred_at=_days_ago(4), channel="visit", subject="Visited the Cikarang plant")
    person = visit(LAPTOP)
    page = person.page
    person.login(history.adi.username, PASSWORD)
    _open_menu(page, LAPTOP)
    page.locator("#main-nav a[href='/customers/']").click()
    page.get_by_role("link", name="PT Alfa Baja").click()
    expect(page.get_by_role("heading", name="PT Alfa Baja")).to_be_visible()
    expect(_segment_fact(page).locator(".segment-badge")).to_have_text("Champion")

    page.get_by_role("tab", name="Purchases & RFM").click()
    expect(page).to_have_url(re.compile(r"#rfm$"))
    card = page.locator("#rfm-card")
    expect(card).to_be_visible()
    expect(page.locator("#rfm-card-title")).to_have_text("Champion")
    expect(page.locator("#rfm-meaning")).to_have_text("Bought recently, buys often and spends the most.")
    expect(page.locator("#rfm-action")).to_contain_text("Suggested action: Reward them, ask for referrals")
    expect(page.locator("#rfm-recency")).to_have_text("3 days ago")
    expect(page.locator("#rfm-frequency")).to_have_text("6 purchases")
    expect(page.locator("#rfm-monetary")).to_have_text("IDR 60,000,000")
    expect(page.locator("#rfm-revenue-12m")).to_have_text("IDR 60,000,000")
    expect(page.locator("#rfm-growth")).to_have_text("No purchases in the 12 months before: no growth figure.")

    canvas = page.locator("#rfm-trend-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => !!(window.Chart && Chart.getChart(document.getElementById('rfm-trend-chart')))")
    assert canvas.bounding_box()["height"] > 50
    table = page.locator("#rfm-trend-table")
    expect(table).to_be_hidden()
    page.locator("#pane-rfm summary").click()
    expect(table).to_be_visible()
    expected_months: dict[str, int] = {}
    for day in HISTORY["PT Alfa Baja"][2]:
        month = timezone.localtime(_days_ago(day)).strftime("%Y-%m")
        expected_months[month] = expected_months.get(month, 0) + 1
    shown = {
        row.get_attribute("data-month"): int(row.locator("td").nth(2).inner_text())
        for row in table.locator("tbody tr").all()
    }
    assert len(shown) == 24
    assert {month: count for month, count in shown.items() if count} == expected_months
    expect(page.locator("#rfm-purchases li")).to_have_count(6)
    person.shot("insights-customer-rfm-laptop")

    page.get_by_role("tab", name=TEXT["en"]["timeline"]).click()
    entries = page.locator("#timeline-entries > li")
    expect(entries.nth(0)).to_contain_text("Called about the Q3 price list")
    expect(entries.nth(1)).to_have_class(re.compile(r"\btimeline-event-purchase\b"))
    expect(entries.nth(1)).to_contain_text("Purchase IDR 10,000,000")
    expect(entries.nth(2)).to_contain_text("Visited the Cikarang plant")
    person.shot("insights-customer-timeline-laptop")
    assert person.console_errors == [], person.console_errors[:3]
