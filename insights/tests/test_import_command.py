"""`manage.py import_purchases`: the batched Python path (SQLite) and PostgreSQL's COPY path behave alike."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tests.factories import CustomerFactory
from insights.models import Purchase, PurchasePending, RollupRun

FILE = (
    "customer_ref,purchased_at,amount,quantity,product,external_id\n"
    'C-1,2025-12-31T17:30:00Z,"1.250.000,50",2,Semen,\n'  # line 2: derived id; 2026-01-01 in Jakarta
    "C-1,31/12/2025 14:05,-5,,Pasir,F-2\n"  # line 3: negative amount
    "\n"  # line 4: blank
    "C-2,kemarin,100,,Batu,F-3\n"  # line 5: bad date
    "C-9,2025-01-01,100,,Bata,F-4\n"  # line 6: unknown customer
    'C-2,2025-01-02,"1,250,000.50",,"Kayu\nJati",F-5\n'  # lines 7-8
    "C-2,2025-01-03,abc,x,Besi,F-6\n"  # line 9: bad amount and quantity
    "C-2,2025-01-04,7,,Besi,F-5\n"  # line 10: F-5 again
    'C-1,2025-12-31T17:30:00Z,"1.250.000,50",2,Semen,\n'  # line 11: identical to line 2: its own id
)


@pytest.fixture
def customers(db):
    return CustomerFactory(external_ref="C-1"), CustomerFactory(external_ref="C-2")


def _run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_purchases", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _check_outcome(tmp_path, customers, *extra):
    path = tmp_path / "purchases.csv"
    path.write_text(FILE)
    rejects = tmp_path / "rejects.csv"
    out, err = _run(path, "--source", "erp", "--rejects", str(rejects), *extra)
    assert "8 rows: 3 created, 0 already there, 5 rejected" in out
    assert "line 3 [amount]: The amount cannot be negative." in err
    assert "line 5 [purchased_at]" in err
    assert "line 6 [customer_ref]: Unknown customer." in err
    assert "line 9 [amount]" in err and "line 9 [quantity]" in err
    assert "line 10 [external_id]: Line 7 has the same external id" in err
    with rejects.open() as handle:
        rows = list(csv.reader(handle))
    assert [row[-2] for row in rows[1:]] == ["3", "5", "6", "9", "10"]
    assert rows[1][2] == "'-5"
    c1, c2 = customers
    semen = Purchase.objects.filter(product="Semen").order_by("external_id")
    assert sorted(p.external_id[-2:] for p in semen) == ["-1", "-2"]
    assert {p.purchased_on.isoformat() for p in semen} == {"2026-01-01"}
    assert {str(p.amount) for p in semen} == {"1250000.50"}
    assert {str(p.quantity) for p in semen} == {"2.000"}
    assert Purchase.objects.get(external_id="F-5").product == "Kayu\nJati"
    assert set(Purchase.objects.values_list("source", flat=True)) == {"erp"}
    assert RollupRun.objects.get().kind == "incremental"
    assert sorted(set(PurchasePending.objects.values_list("customer_id", flat=True))) == sorted([c1.pk, c2.pk])
    # Again: nothing new.
    out, _err = _run(path, "--source", "erp")
    assert "8 rows: 0 created, 3 already there, 5 rejected" in out
    assert Purchase.objects.count() == 3
    return semen


def test_import_reports_every_bad_row_and_reimport_creates_nothing(tmp_path, customers):
    _check_outcome(tmp_path, customers, "--python")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_path_matches_the_python_path(tmp_path, customers):
    semen = list(_check_outcome(tmp_path, customers))
    # The derived ids are those the Python path computes, so both paths recognise each other's rows.
    Purchase.objects.all().delete()
    _run(tmp_path / "purchases.csv", "--source", "erp", "--python")
    assert sorted(p.external_id for p in Purchase.objects.filter(product="Semen")) == sorted(
        p.external_id for p in semen
    )


def test_dry_run_writes_nothing(tmp_path, customers):
    path = tmp_path / "p.csv"
    path.write_text(FILE)
    out, _err = _run(path, "--dry-run")
    assert "8 rows: 3 would be created, 0 already there, 5 rejected" in out
    assert Purchase.objects.count() == 0
    assert not RollupRun.objects.exists()


def test_user_sees_only_their_customers(tmp_path, rep, rep2):
    CustomerFactory(owner=rep, external_ref="MINE")
    CustomerFactory(owner=rep2, external_ref="THEIRS")
    path = tmp_path / "p.csv"
    path.write_text("customer_ref;purchased_at;amount\nMINE;2025-01-01;1\nTHEIRS;2025-01-01;1\n")
    out, err = _run(path, "--user", rep.username)
    assert "2 rows: 1 created, 0 already there, 1 rejected" in out
    assert "line 3 [customer_ref]: Unknown customer." in err


def test_missing_columns_stop_the_command(tmp_path, db):
    path = tmp_path / "p.csv"
    path.write_text("customer_ref,amount\nC-1,1\n")
    with pytest.raises(CommandError, match="date of the purchase"):
        _run(path)


def test_progress_bar_goes_to_stderr(tmp_path, customers):
    path = tmp_path / "p.csv"
    path.write_text("customer_ref,purchased_at,amount\nC-1,2025-01-01,1\n")
    err = io.StringIO()
    call_command("import_purchases", str(path), "--python", stdout=io.StringIO(), stderr=err)
    assert "100.0%" in err.getvalue() and "[####" in err.getvalue()


# Fast-path shapes (cast directly on PostgreSQL) and slow-path ones (the full patterns) in one file.
MIXED = (
    "customer_ref,purchased_at,amount,quantity,cost\n"
    "C-1,2025-03-01T08:03:53+07:00,2119693.49,4,1438498.30\n"
    "C-1,2025-03-01 08:03,311380.3,14,\n"
    "C-1,2025-03-01,7,,0.5\n"
    "C-1,2025-03-01T23:59:59.123456Z,1.25,0.25,\n"
    "C-1,2024-02-29T10:00:00-03:30,9999999999999999.99,99999999999,1\n"
    "C-2,2025-02-29,1,,\n"  # no such day: the fast pattern passes it on, the slow path rejects it
    "C-2,2025-04-31 10:00,1,,\n"
    "C-2,2025-03-01T24:00,1,,\n"
    "C-2,2025-03-01T10:00:60,1,,\n"
    "C-2,2025-03-01T10:00+15:00,1,,\n"
    "C-2,2025-03-01T10:00:00.1234567,1,,\n"
    "C-2,1969-12-31,1,,\n"
    'C-2,31/12/2025 14.05,Rp 1.250.000,"1,5","1.250,50"\n'
    "C-2,2025-3-1 9:05,1.250,1.500,12.345\n"
    'C-2,2025-03-01T10:00:00 +0700,"1,250,000.50",2.5,\n'
    "C-2,2025-03-01t10:00z,12.3,1.2345,1.234\n"
    "C-2,2025-03-01,10000000000000000,100000000000,-1\n"
    "C-2,2025-03-01,00000000000000001.5,000000000001,0.001\n"
    "C-2,2025-03-01,1.,.5,1e3\n"
)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_fast_and_slow_rows_match_the_python_path(tmp_path, customers):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)

    def run(*args):
        Purchase.objects.all().delete()
        out, err = _run(path, *args)
        rows = Purchase.objects.values_list(
            "customer__external_ref", "purchased_at", "purchased_on", "amount", "quantity", "cost", "external_id"
        )
        # Which line and column each path rejects (the SQL path words some reasons more generally).
        return out.split("(")[0], sorted(line.split(":")[0] for line in err.splitlines()), sorted(rows)

    copied, python = run(), run("--python")
    assert copied == python
    assert "19 rows: 9 created, 0 already there, 10 rejected" in copied[0]
