"""The row logic shared by the upload, the bulk API and the command."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from accounts.tests.factories import CustomerFactory
from insights import purchase_io
from insights.models import Purchase, PurchasePending, RollupRun
from insights.purchase_io import RowIn, RowProblem, parse_moment, parse_number

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1250000", Decimal("1250000.00")),
        ("1.250.000,50", Decimal("1250000.50")),
        ("1,250,000.50", Decimal("1250000.50")),
        ("1.250", Decimal("1250.00")),
        ("1,250", Decimal("1250.00")),
        ("12,5", Decimal("12.50")),
        ("12.50", Decimal("12.50")),
        ("Rp 1.250.000", Decimal("1250000.00")),
        (" 1 250 000 ", Decimal("1250000.00")),
        (1250000, Decimal("1250000.00")),
        (19.99, Decimal("19.99")),
    ],
)
def test_amounts_read_in_every_common_notation(text, expected):
    assert parse_number(text, places=2, limit=Decimal(10) ** 16, label="amount") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5", "cannot be negative"),
        ("-1.250,00", "cannot be negative"),
        ("abc", "is not a number"),
        ("1.25.000", "is not a number"),
        ("1e5", "is not a number"),
        ("12.345", None),  # 12345: a thousands separator
        ("1,2345", "more than 2 decimals"),
        ("12345678901234567", "too large"),
        (True, "as a number"),
    ],
)
def test_bad_amounts_are_refused_with_their_reason(text, reason):
    if reason is None:
        assert parse_number(text, places=2, limit=Decimal(10) ** 16, label="amount") == Decimal("12345.00")
        return
    with pytest.raises(RowProblem, match=reason):
        parse_number(text, places=2, limit=Decimal(10) ** 16, label="amount")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-12-31", dt.datetime(2025, 12, 31, tzinfo=JAKARTA)),
        ("2025-12-31 14:05", dt.datetime(2025, 12, 31, 14, 5, tzinfo=JAKARTA)),
        ("2025-12-31T14:05:09.5", dt.datetime(2025, 12, 31, 14, 5, 9, 500000, tzinfo=JAKARTA)),
        ("2025-12-31T23:30:00Z", dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)),
        ("2025-12-31T14:05:00+07:00", dt.datetime(2025, 12, 31, 7, 5, tzinfo=dt.UTC)),
        ("2025-12-31T14:05:00-0330", dt.datetime(2025, 12, 31, 17, 35, tzinfo=dt.UTC)),
        ("31/12/2025", dt.datetime(2025, 12, 31, tzinfo=JAKARTA)),
        ("31-12-2025 14:05", dt.datetime(2025, 12, 31, 14, 5, tzinfo=JAKARTA)),
        ("31.12.2025 14.05", dt.datetime(2025, 12, 31, 14, 5, tzinfo=JAKARTA)),
        ("2025/01/02", dt.datetime(2025, 1, 2, tzinfo=JAKARTA)),
    ],
)
def test_dates_read_as_iso_or_day_first(text, expected):
    assert parse_moment(text) == expected


@pytest.mark.parametrize(
    "text", ["31/02/2025", "2025-13-01", "12/31/2025", "yesterday", "2025-12-31 24:00", "1969-12-31"]
)
def test_impossible_dates_are_refused(text):
    with pytest.raises(RowProblem):
        parse_moment(text)


def test_midnight_in_jakarta_is_the_local_date(db):
    customer = CustomerFactory(external_ref="C-1")
    outcome = purchase_io.purchases_import_rows(
        [RowIn(2, {"customer_ref": "C-1", "purchased_at": "2025-12-31T17:30:00Z", "amount": "10"})],
        user=customer.owner,
        default_source="csv",
        commit=True,
    )
    assert outcome.created == 1
    purchase = Purchase.objects.get()
    # 17:30 UTC is 00:30 the next day in Jakarta.
    assert purchase.purchased_on == dt.date(2026, 1, 1)


def test_every_error_of_a_row_is_reported(db):
    customer = CustomerFactory(external_ref="C-1")
    outcome = purchase_io.purchases_import_rows(
        [RowIn(7, {"customer_ref": "C-1", "purchased_at": "31/02/2025", "amount": "-5", "cost": "x"})],
        user=customer.owner,
        default_source="csv",
        commit=True,
    )
    assert outcome.rejected == 1
    assert [(e["line"], e["field"]) for e in outcome.errors] == [(7, "purchased_at"), (7, "amount"), (7, "cost")]
    assert Purchase.objects.count() == 0


def test_a_bad_row_with_an_unknown_customer_lists_that_too(db, gm):
    CustomerFactory(external_ref="C-1")
    rows = [
        RowIn(2, {"customer_ref": "NOBODY", "purchased_at": "31/13/2026", "amount": "-5"}),
        RowIn(3, {"customer": "999999", "purchased_at": "yesterday", "amount": "1"}),
        RowIn(4, {"customer_ref": "C-1", "purchased_at": "soon", "amount": "1"}),
    ]
    outcome = purchase_io.purchases_import_rows(rows, user=gm, default_source="csv", commit=True)
    assert outcome.rejected == 3
    assert [(e["line"], e["field"]) for e in outcome.errors] == [
        (2, "purchased_at"),
        (2, "amount"),
        (2, "customer_ref"),
        (3, "purchased_at"),
        (3, "customer"),
        (4, "purchased_at"),
    ]


def test_invisible_customer_reads_as_unknown(db, rep, rep2):
    mine = CustomerFactory(owner=rep, external_ref="MINE")
    CustomerFactory(owner=rep2, external_ref="THEIRS")
    theirs_by_id = CustomerFactory(owner=rep2)
    rows = [
        RowIn(2, {"customer_ref": "MINE", "purchased_at": "2025-01-01", "amount": "1"}),
        RowIn(3, {"customer_ref": "THEIRS", "purchased_at": "2025-01-01", "amount": "1"}),
        RowIn(4, {"customer": str(theirs_by_id.pk), "purchased_at": "2025-01-01", "amount": "1"}),
        RowIn(5, {"customer_ref": "NOBODY", "purchased_at": "2025-01-01", "amount": "1"}),
    ]
    outcome = purchase_io.purchases_import_rows(rows, user=rep, default_source="csv", commit=True)
    assert outcome.created == 1
    assert [(e["line"], e["field"], e["message"]) for e in outcome.errors] == [
        (3, "customer_ref", "Unknown customer."),
        (4, "customer", "Unknown customer."),
        (5, "customer_ref", "Unknown customer."),
    ]
    assert list(Purchase.objects.values_list("customer", flat=True)) == [mine.pk]


def test_derived_ids_make_a_second_import_create_nothing(db, gm, django_assert_max_num_queries):
    customer = CustomerFactory(external_ref="C-1")
    row = {"customer_ref": "C-1", "purchased_at": "2025-06-01", "amount": "100"}
    rows = [RowIn(2, row), RowIn(3, dict(row)), RowIn(4, {**row, "amount": "200"})]
    first = purchase_io.purchases_import_rows(rows, user=gm, default_source="csv", commit=True)
    assert (first.created, first.existing) == (3, 0)
    ids = sorted(Purchase.objects.values_list("external_id", flat=True))
    assert ids[0].startswith("auto-") and ids[0].endswith("-1")
    assert sum(1 for i in ids if i.endswith("-2")) == 1  # the second identical row
    again = purchase_io.purchases_import_rows(rows, user=gm, default_source="csv", commit=True)
    assert (again.created, again.existing) == (0, 3)
    assert Purchase.objects.count() == 3
    assert RollupRun.objects.filter(kind="incremental").count() == 1
    assert RollupRun.objects.get().kind == "incremental"
    # The three new purchases wait, recorded by the trigger, for the incremental run to merge them.
    assert list(PurchasePending.objects.values_list("customer_id", flat=True)) == [customer.pk] * 3


def test_same_external_id_twice_in_one_file_is_rejected(db, gm):
    CustomerFactory(external_ref="C-1")
    row = {"customer_ref": "C-1", "purchased_at": "2025-06-01", "amount": "100", "external_id": "INV-9"}
    outcome = purchase_io.purchases_import_rows(
        [RowIn(2, row), RowIn(5, {**row, "amount": "7"})], user=gm, default_source="erp", commit=True
    )
    assert outcome.created == 1
    assert outcome.errors == [
        {
            "line": 5,
            "field": "external_id",
            "column": "external_id",
            "message": "Line 2 has the same external id; each purchase needs its own.",
        }
    ]


def test_queries_are_per_batch_not_per_row(db, gm, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(purchase_io, "BATCH_SIZE", 50)
    customers = CustomerFactory.create_batch(5)
    rows = [
        RowIn(i + 2, {"customer": str(customers[i % 5].pk), "purchased_at": "2025-06-01", "amount": str(i + 1)})
        for i in range(100)
    ]
    # Per batch of 50: customers, existing pairs, savepoint + INSERT + release; then the rollup run.
    with django_assert_max_num_queries(14):
        outcome = purchase_io.purchases_import_rows(rows, user=gm, default_source="csv", commit=True)
    assert outcome.created == 100


def test_mapping_guess_reads_english_and_indonesian_headers():
    header = ["Kode Pelanggan", "Tanggal", "Jumlah", "Produk", "Kategori", "Harga Pokok", "No. Faktur", "Catatan"]
    assert purchase_io.mapping_guess(header) == [
        "customer_ref",
        "purchased_at",
        "amount",
        "product",
        "category",
        "cost",
        "external_id",
        "",
    ]
    assert purchase_io.mapping_guess(["Pelanggan", "Date", "Amount"], [["12", "x", "1"]])[0] == "customer"
    assert purchase_io.mapping_guess(["Pelanggan", "Date", "Amount"], [["C-12", "x", "1"]])[0] == "customer_ref"


def test_csv_decode_sniffs_encoding_and_delimiter():
    text = "kode pelanggan;tanggal;jumlah\nC-1;31/12/2025;1.250,00\n"
    upload = purchase_io.csv_decode(text.encode("cp1252"))
    assert (upload.delimiter, upload.row_count, upload.encoding) == (";", 1, "utf-8")
    latin = purchase_io.csv_decode("produk,tanggal,jumlah\nCaf\xe9,2025-01-01,1\n".encode("cp1252"))
    assert latin.encoding == "cp1252" and "Café" in latin.text
    utf16 = purchase_io.csv_decode("a\tb\tc\n1\t2\t3\n".encode("utf-16"))
    assert (utf16.delimiter, utf16.row_count) == ("\t", 1)
    with pytest.raises(Exception, match="Excel workbook"):
        purchase_io.csv_decode(b"PK\x03\x04....")
