"""The CSV upload pages: upload, mapping, dry run, import, progress, rejects, re-upload."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from insights import purchase_io
from insights.models import Purchase, PurchaseImport, RollupRun
from insights.tasks_io import import_purchases_check, import_purchases_commit

UPLOAD = reverse("insights:purchase_import")

GOOD_AND_BAD = (
    "Kode Pelanggan;Tanggal;Jumlah;Produk;No Faktur\n"
    "C-1;31/12/2025;1.250.000,50;Semen;F-1\n"  # line 2
    "C-1;2025-12-31 14:05;-5;Pasir;F-2\n"  # line 3: negative
    "\n"  # line 4: blank
    "C-2;kemarin;100;Batu;F-3\n"  # line 5: bad date
    "C-9;2025-01-01;100;Bata;F-4\n"  # line 6: unknown customer
    'C-2;2025-01-02;"2.000";"Kayu\nJati";F-5\n'  # lines 7-8: a line break inside quotes
    "C-2;2025-01-03;x;Besi;F-6\n"  # line 9: bad amount (after the multi-line record)
)


def _upload(client, text, name="pembelian.csv", source="erp"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode()), "source": source})


@pytest.fixture
def customers(db):
    return CustomerFactory(external_ref="C-1"), CustomerFactory(external_ref="C-2")


def test_rep_gets_403_on_every_import_page(rep_client, gm, customers):
    item = PurchaseImport.objects.create(created_by=gm, file_name="x.csv", raw_text="a\n1\n")
    assert rep_client.get(UPLOAD).status_code == 403
    assert _upload(rep_client, GOOD_AND_BAD).status_code == 403
    assert rep_client.get(reverse("insights:purchase_import_detail", args=[item.pk])).status_code == 403


def test_other_users_import_is_404(admin_client, gm, customers):
    item = PurchaseImport.objects.create(created_by=gm, file_name="x.csv", raw_text="a\n1\n")
    assert admin_client.get(item.get_absolute_url()).status_code == 404
    assert admin_client.get(reverse("insights:purchase_import_rejects", args=[item.pk])).status_code == 404


def test_upload_checks_lists_bad_rows_then_imports_and_reimport_creates_nothing(
    gm_client, customers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(gm_client, GOOD_AND_BAD)
    item = PurchaseImport.objects.get()
    assert response.url == item.get_absolute_url()
    assert item.mapping == ["customer_ref", "purchased_at", "amount", "product", "external_id"]
    assert (item.status, item.row_count, item.ok_count, item.error_count) == ("checked", 6, 2, 4)
    assert [(e["line"], e["column"]) for e in item.errors] == [
        (3, "Jumlah"),
        (5, "Tanggal"),
        (6, "Kode Pelanggan"),
        (9, "Jumlah"),
    ]
    assert Purchase.objects.count() == 0
    page = gm_client.get(item.get_absolute_url()).content.decode()
    assert "The amount cannot be negative." in page
    assert "Import 2 valid rows" in page

    rejects = gm_client.get(reverse("insights:purchase_import_rejects", args=[item.pk]))
    rows = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kode Pelanggan", "Tanggal", "Jumlah", "Produk", "No Faktur", "line", "reason"]
    assert [row[5] for row in rows[1:]] == ["3", "5", "6", "9"]
    assert rows[1][2] == "'-5"  # formula-safe
    assert rows[3][6] == "Kode Pelanggan: Unknown customer."

    with django_capture_on_commit_callbacks(execute=True):
        gm_client.post(item.get_absolute_url(), _mapping_post(item, "import"))
    item.refresh_from_db()
    assert (item.status, item.created_count, item.existing_count, item.error_count) == ("done", 2, 0, 4)
    assert sorted(Purchase.objects.values_list("external_id", flat=True)) == ["F-1", "F-5"]
    assert Purchase.objects.get(external_id="F-5").product == "Kayu\nJati"
    assert RollupRun.objects.filter(kind="incremental").exists()

    fixed = GOOD_AND_BAD.replace(";-5;", ";5;").replace("kemarin", "2025-02-01").replace(";x;", ";7;")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(gm_client, fixed, name="pembelian-fixed.csv")
    again = PurchaseImport.objects.order_by("-id").first()
    assert (again.status, again.ok_count, again.existing_count, again.error_count) == ("checked", 5, 2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        gm_client.post(again.get_absolute_url(), _mapping_post(again, "import"))
    again.refresh_from_db()
    assert (again.created_count, again.existing_count) == (3, 2)
    assert Purchase.objects.count() == 5


def _mapping_post(item, action, mapping=None):
    data = {f"column_{i}": name for i, name in enumerate(mapping or item.mapping)}
    data["action"] = action
    return data


def test_a_second_import_submit_changes_nothing(gm_client, customers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(gm_client, GOOD_AND_BAD)
    item = PurchaseImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        gm_client.post(item.get_absolute_url(), _mapping_post(item, "import"))
        response = gm_client.post(item.get_absolute_url(), _mapping_post(item, "import"), follow=True)
    assert "being processed or was imported already" in response.content.decode()
    assert Purchase.objects.count() == 2


def test_unrecognised_headers_wait_for_the_mapping(gm_client, customers, django_capture_on_commit_callbacks):
    text = "Wer;Wann;Wieviel\nC-1;2025-01-01;10\n"
    _upload(gm_client, text)
    item = PurchaseImport.objects.get()
    assert item.status == "uploaded"
    page = gm_client.get(item.get_absolute_url()).content.decode()
    assert "Choose a purchase field" not in page and 'name="column_0"' in page
    bad = gm_client.post(item.get_absolute_url(), _mapping_post(item, "check", ["customer_ref", "", ""]))
    assert "holds the date of the purchase" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        gm_client.post(
            item.get_absolute_url(), _mapping_post(item, "check", ["customer_ref", "purchased_at", "amount"])
        )
    item.refresh_from_db()
    assert (item.status, item.ok_count) == ("checked", 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"PK\x03\x04binary", "Excel workbook"),
        (b"customer_ref,purchased_at,amount\n", "no purchases below it"),
    ],
)
def test_unusable_uploads_are_refused_with_a_reason(gm_client, content, message):
    response = gm_client.post(UPLOAD, {"file": SimpleUploadedFile("x.csv", content), "source": "csv"})
    assert message in response.content.decode()
    assert not PurchaseImport.objects.exists()


def test_progress_polls_while_running_and_reloads_when_done(gm_client, gm):
    item = PurchaseImport.objects.create(
        created_by=gm, file_name="x.csv", raw_text="a\n1\n", status="importing", row_count=10, rows_done=4
    )
    url = reverse("insights:purchase_import_progress", args=[item.pk])
    running = gm_client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert 'value="4" max="10"' in running.content.decode()
    assert "HX-Refresh" not in running.headers
    detail = gm_client.get(item.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in detail
    PurchaseImport.objects.filter(pk=item.pk).update(status="done", rows_done=10)
    done = gm_client.get(url, HTTP_HX_REQUEST="true")
    assert "every 1s" not in done.content.decode()
    assert done.headers["HX-Refresh"] == "true"


def test_tasks_record_progress_per_batch(gm, customers, monkeypatch):
    monkeypatch.setattr(purchase_io, "BATCH_SIZE", 2)
    text = "customer_ref,purchased_at,amount\n" + "".join(f"C-1,2025-01-0{i},{i}\n" for i in range(1, 6))
    upload = purchase_io.csv_decode(text.encode())
    item = PurchaseImport.objects.create(
        created_by=gm,
        file_name="x.csv",
        raw_text=upload.text,
        mapping=["customer_ref", "purchased_at", "amount"],
        status="checking",
        row_count=5,
    )
    seen = []
    original = purchase_io.PurchaseWriter._batch

    def spy(self, batch):
        original(self, batch)
        seen.append(PurchaseImport.objects.get(pk=item.pk).rows_done)

    monkeypatch.setattr(purchase_io.PurchaseWriter, "_batch", spy)
    import_purchases_check(item.pk)
    assert seen == [2, 4, 5]
    PurchaseImport.objects.filter(pk=item.pk).update(status="importing", rows_done=0)
    seen.clear()
    import_purchases_commit(item.pk)
    item.refresh_from_db()
    assert seen == [2, 4, 5]
    assert (item.status, item.created_count) == ("done", 5)
    import_purchases_commit(item.pk)  # redelivered: nothing happens
    assert Purchase.objects.count() == 5


def test_interrupted_import_resumes_after_its_last_batch(gm, customers, monkeypatch):
    monkeypatch.setattr(purchase_io, "BATCH_SIZE", 2)
    text = "customer_ref,purchased_at,amount\n" + "".join(f"C-1,2025-01-0{i},{i}\n" for i in range(1, 6))
    item = PurchaseImport.objects.create(
        created_by=gm,
        file_name="x.csv",
        raw_text=text,
        mapping=["customer_ref", "purchased_at", "amount"],
        status="importing",
        row_count=5,
    )
    # A worker died after committing the first batch (rows of lines 2 and 3).
    purchase_io.PurchaseWriter(user=gm, default_source="csv", commit=True).run(
        list(purchase_io.csv_rows(text, ",", item.mapping, ["a", "b", "c"]))[:2]
    )
    PurchaseImport.objects.filter(pk=item.pk).update(rows_done=2, created_count=2)
    import_purchases_commit(item.pk)
    item.refresh_from_db()
    assert (item.status, item.created_count, item.existing_count, item.ok_count) == ("done", 5, 0, 5)
    assert Purchase.objects.count() == 5


def test_upload_page_query_budget(gm_client, gm, django_assert_num_queries):
    for n in range(3):
        PurchaseImport.objects.create(created_by=gm, file_name=f"{n}.csv", raw_text="a\n1\n")
    # session, user, user permissions, group permissions, role (groups), past imports
    with django_assert_num_queries(6):
        response = gm_client.get(UPLOAD)
    assert response.content.decode().count("list-group-item") == 3


def test_detail_page_query_budget(gm_client, gm, django_assert_num_queries):
    errors = [{"line": n, "field": "amount", "column": "amount", "message": "bad"} for n in range(2, 300)]
    item = PurchaseImport.objects.create(
        created_by=gm,
        file_name="x.csv",
        raw_text="customer_ref,purchased_at,amount\nC,2025-01-01,-1\n",
        mapping=["customer_ref", "purchased_at", "amount"],
        status="checked",
        errors=errors,
        error_count=298,
    )
    # session, user, user permissions, group permissions, the import, role (groups)
    with django_assert_num_queries(6):
        response = gm_client.get(item.get_absolute_url(), {"page": 2})
    assert "Errors 101\u2013200 of 298" in response.content.decode()
