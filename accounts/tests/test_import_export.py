import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import csv_io
from accounts.models import Customer, CustomerImport
from accounts.tests.factories import AccountTeamMemberFactory, CustomerFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BOM = "\ufeff"


def _export(client, **params) -> tuple[str, list[list[str]]]:
    response = client.get(reverse("accounts:customer_export"), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def _upload(client, content: str | bytes, name: str = "pelanggan.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(reverse("accounts:customer_import"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def _uploaded(client, content: str | bytes, name: str = "pelanggan.csv") -> CustomerImport:
    response = _upload(client, content, name)
    assert response.status_code == 302, response.content.decode()
    customer_import = CustomerImport.objects.latest("id")
    assert response["Location"] == reverse("accounts:customer_import_preview", args=[customer_import.pk])
    return customer_import


def _errors(customer_import: CustomerImport) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in csv_io.customer_import_errors(customer_import)]


def _commit(client, customer_import: CustomerImport) -> CustomerImport:
    url = reverse("accounts:customer_import_preview", args=[customer_import.pk])
    mapping = {f"column_{i}": field for i, field in enumerate(customer_import.mapping)}
    response = client.post(url, {**mapping, "action": "import"})
    assert response.status_code == 302
    customer_import.refresh_from_db()
    return customer_import


# --- export ---------------------------------------------------------------


def test_export_has_bom_header_and_one_row_per_visible_customer(rep_client, rep, rep2):
    mine = CustomerFactory(owner=rep, name="PT Maju Jaya", city="Bekasi", email="beli@majujaya.co.id")
    shared = CustomerFactory(owner=rep2, name="CV Bersama")
    AccountTeamMemberFactory(customer=shared, user=rep)
    CustomerFactory(owner=rep2, name="PT Rahasia Rep Dua")
    text, rows = _export(rep_client)
    assert text.startswith(BOM + "id,name,kind,industry,address,city,country,phone,email,website,tax_id,")
    assert rows[0] == list(csv_io.EXPORT_COLUMNS)
    assert [row[1] for row in rows[1:]] == ["CV Bersama", "PT Maju Jaya"]
    first = dict(zip(rows[0], rows[2], strict=True))
    assert first["id"] == str(mine.pk)
    assert first["email"] == "beli@majujaya.co.id"
    assert first["owner"] == "t_rep"
    assert first["tier"] == "regular"
    assert first["created_at"] == timezone.localtime(mine.created_at).isoformat()
    assert "PT Rahasia Rep Dua" not in text


def test_export_filename_and_type(rep_client):
    response = rep_client.get(reverse("accounts:customer_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="customers-{timezone.localdate():%Y-%m-%d}.csv"'
    assert response.streaming


def test_export_applies_the_list_filters_and_sorting(gm_client, rep, rep2):
    CustomerFactory(owner=rep, name="PT Alpha", city="Bandung", kind=Customer.Kind.COMPANY)
    CustomerFactory(owner=rep, name="PT Beta", city="Bandung", kind=Customer.Kind.COMPANY)
    CustomerFactory(owner=rep2, name="PT Gamma", city="Bandung", kind=Customer.Kind.COMPANY)
    CustomerFactory(owner=rep, name="Ibu Sari", city="Bandung", kind=Customer.Kind.PERSON)
    CustomerFactory(owner=rep, name="PT Delta", city="Medan")
    CustomerFactory(owner=rep, name="PT Lama", city="Bandung", archived_at=timezone.now())
    _text, rows = _export(gm_client, city="bandung", kind="company", sort="-name")
    assert [row[1] for row in rows[1:]] == ["PT Gamma", "PT Beta", "PT Alpha"]
    _text, rows = _export(gm_client, city="Bandung", owner=rep.pk)
    assert [row[1] for row in rows[1:]] == ["Ibu Sari", "PT Alpha", "PT Beta"]
    _text, rows = _export(gm_client, q="gamma")
    assert [row[1] for row in rows[1:]] == ["PT Gamma"]
    _text, rows = _export(gm_client, archived="on")
    assert [row[1] for row in rows[1:]] == ["PT Lama"]


def test_rep_never_exports_another_reps_customers_even_when_filtering_by_them(rep_client, rep, rep2):
    CustomerFactory(owner=rep2, name="PT Rahasia", city="Medan")
    _text, rows = _export(rep_client, owner=rep2.pk, city="Medan")
    assert rows == [list(csv_io.EXPORT_COLUMNS)]


def test_export_neutralises_formula_cells(rep_client, rep):
    CustomerFactory(
        owner=rep,
        name="=cmd()",
        phone="+1",
        address="-2",
        industry="@x",
        city="\tTab",
        occupation="\rCR",
        email="",
        notes="=not exported",
    )
    text, rows = _export(rep_client)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["name"], row["phone"], row["address"], row["industry"]) == ("'=cmd()", "'+1", "'-2", "'@x")
    assert row["city"] == "'\tTab"
    assert row["occupation"] == "'\rCR"
    assert "not exported" not in text


@pytest.mark.parametrize("count", [3, 30])
def test_export_query_budget_does_not_grow_with_rows(rep_client, rep, count, django_assert_num_queries):
    CustomerFactory.create_batch(count, owner=rep)
    # session, user, the user's groups (role), customers with their owner (one streamed query)
    with django_assert_num_queries(4):
        _text, rows = _export(rep_client, city="", sort="name")
    assert len(rows) == count + 1


def test_export_needs_login(client):
    response = client.get(reverse("accounts:customer_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- import: the dry run and the commit -------------------------------------

MIXED = (
    "nama,kota,telepon,email,jenis,npwp\n"
    "PT Maju Jaya,Bekasi,+62 21 555 0101,beli@majujaya.co.id,perusahaan,01.234.567.8-901.000\n"
    ",Bandung,,tanpa.nama@contoh.co.id,company,\n"
    "CV Salah Surel,Medan,,bukan-email,company,\n"
    "Toko Sumber Rezeki,Surabaya,,toko@rezeki.id,toko,\n"
    "PT Maju Jaya Cabang,Bekasi,,BELI@majujaya.co.id,company,\n"
    "PT Lama Lagi,Jakarta,,lama@contoh.co.id,company,\n"
    "Ibu Sari Dewi,Yogyakarta,0812 3456 7890,sari@dewi.id,perorangan,\n"
)


@pytest.fixture
def existing(rep):
    return CustomerFactory(owner=rep, name="PT Lama", email="lama@contoh.co.id")


def _expected_errors(existing: Customer) -> list[tuple[int, str, str]]:
    return [
        (3, "nama", "This field cannot be blank."),
        (4, "email", "Enter a valid email address."),
        (5, "jenis", "Value 'toko' is not a valid choice."),
        (6, "email", "The same email as line 2 of this file."),
        (7, "email", f"A customer with this email already exists: PT Lama (#{existing.pk})."),
    ]


def test_upload_maps_indonesian_headers_and_dry_runs_every_row(rep_client, rep, existing):
    customer_import = _uploaded(rep_client, MIXED)
    assert customer_import.created_by == rep
    assert customer_import.file_name == "pelanggan.csv"
    assert customer_import.mapping == ["name", "city", "phone", "email", "kind", "tax_id"]
    assert customer_import.status == CustomerImport.Status.DRAFT
    assert (customer_import.row_count, customer_import.ok_count, customer_import.error_count) == (7, 2, 5)
    assert _errors(customer_import) == _expected_errors(existing)
    assert list(Customer.objects.values_list("name", flat=True)) == ["PT Lama"]


def test_preview_page_shows_mapping_first_rows_counts_and_every_error(rep_client, existing):
    customer_import = _uploaded(rep_client, MIXED)
    response = rep_client.get(reverse("accounts:customer_import_preview", args=[customer_import.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["form"]
    assert [form[f"column_{i}"].value() for i in range(6)] == ["name", "city", "phone", "email", "kind", "tax_id"]
    assert [line for line, _cells in response.context["preview"].rows] == [2, 3, 4, 5, 6, 7, 8]
    assert "Import 2 valid rows" in html
    assert 'data-count="errors">5<' in html
    assert "Value &#x27;toko&#x27; is not a valid choice." in html
    assert "The same email as line 2 of this file." in html
    assert "Home" in html and "Customers" in html and 'aria-current="page">pelanggan.csv<' in html


def test_commit_creates_exactly_the_valid_rows_owned_by_the_importer(rep_client, rep, existing):
    customer_import = _commit(rep_client, _uploaded(rep_client, MIXED))
    assert customer_import.status == CustomerImport.Status.DONE
    assert customer_import.imported_at is not None
    assert (customer_import.row_count, customer_import.ok_count, customer_import.error_count) == (7, 2, 5)
    assert _errors(customer_import) == _expected_errors(existing)
    created = Customer.objects.exclude(pk=existing.pk).order_by("name")
    assert [(c.name, c.city, c.phone, c.email, c.kind, c.tax_id, c.owner) for c in created] == [
        ("Ibu Sari Dewi", "Yogyakarta", "0812 3456 7890", "sari@dewi.id", "person", "", rep),
        ("PT Maju Jaya", "Bekasi", "+62 21 555 0101", "beli@majujaya.co.id", "company", "01.234.567.8-901.000", rep),
    ]
    assert created[0].country == "Indonesia"
    ok = [(r["line"], r["customer"]) for r in customer_import.results if r["ok"]]
    assert sorted(ok) == [(2, created[1].pk), (8, created[0].pk)]


def test_import_records_the_importing_user_in_the_audit_history(rep_client, rep):
    _commit(rep_client, _uploaded(rep_client, "name,email\nPT Sejarah,a@sejarah.id\n"))
    record = Customer.objects.get(name="PT Sejarah").history.get()
    assert record.history_user == rep
    assert record.history_type == "+"


def test_reimporting_the_same_file_creates_nothing_and_names_the_duplicates(rep_client, rep):
    content = "name,email,npwp\nPT Satu,satu@contoh.id,\nPT Dua,,02.222.222.2-222.000\n"
    _commit(rep_client, _uploaded(rep_client, content))
    satu, dua = Customer.objects.get(name="PT Satu"), Customer.objects.get(name="PT Dua")
    again = _commit(rep_client, _uploaded(rep_client, content))
    assert Customer.objects.count() == 2
    assert (again.ok_count, again.error_count) == (0, 2)
    assert _errors(again) == [
        (2, "email", f"A customer with this email already exists: PT Satu (#{satu.pk})."),
        (3, "npwp", f"A customer with this tax id already exists: PT Dua (#{dua.pk})."),
    ]


def test_second_submit_of_an_import_does_nothing(rep_client):
    customer_import = _commit(rep_client, _uploaded(rep_client, "name\nPT Tanpa Email\n"))
    _commit(rep_client, customer_import)
    assert Customer.objects.filter(name="PT Tanpa Email").count() == 1
    assert customer_import.ok_count == 1


def test_rejects_csv_holds_the_original_columns_and_the_reason(rep_client, existing):
    customer_import = _commit(rep_client, _uploaded(rep_client, MIXED))
    response = rep_client.get(reverse("accounts:customer_import_rejects", args=[customer_import.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="customer-import-{customer_import.pk}-rejected.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    assert list(csv.reader(io.StringIO(text.removeprefix(BOM)))) == [
        ["nama", "kota", "telepon", "email", "jenis", "npwp", "error"],
        ["", "Bandung", "", "tanpa.nama@contoh.co.id", "company", "", "nama: This field cannot be blank."],
        ["CV Salah Surel", "Medan", "", "bukan-email", "company", "", "email: Enter a valid email address."],
        [
            "Toko Sumber Rezeki",
            "Surabaya",
            "",
            "toko@rezeki.id",
            "toko",
            "",
            "jenis: Value 'toko' is not a valid choice.",
        ],
        [
            "PT Maju Jaya Cabang",
            "Bekasi",
            "",
            "BELI@majujaya.co.id",
            "company",
            "",
            "email: The same email as line 2 of this file.",
        ],
        [
            "PT Lama Lagi",
            "Jakarta",
            "",
            "lama@contoh.co.id",
            "company",
            "",
            f"email: A customer with this email already exists: PT Lama (#{existing.pk}).",
        ],
    ]


def test_a_row_with_several_problems_lists_each_of_them(rep_client):
    customer_import = _uploaded(rep_client, "name,email,kind\n,salah,robot\nPT Baik,,\n")
    assert _errors(customer_import) == [
        (2, "name", "This field cannot be blank."),
        (2, "email", "Enter a valid email address."),
        (2, "kind", "Value 'robot' is not a valid choice."),
    ]


def test_line_numbers_count_physical_lines_of_quoted_multiline_cells(rep_client):
    content = 'name,address,email\n"PT Dua Baris","Jl. Sudirman 1\nLantai 5",a@dua.id\nPT Ketiga,,salah\n'
    customer_import = _uploaded(rep_client, content)
    assert _errors(customer_import) == [(4, "email", "Enter a valid email address.")]
    _commit(rep_client, customer_import)
    assert Customer.objects.get(name="PT Dua Baris").address == "Jl. Sudirman 1\nLantai 5"


def test_rows_with_more_values_than_the_header_are_rejected_not_cut(rep_client):
    customer_import = _uploaded(rep_client, "name,city\nPT Koma, Tbk,Jakarta\nPT Baik,Bogor,,\n")
    assert _errors(customer_import) == [(2, "", "This line has 3 values but the header has 2 columns.")]
    assert customer_import.ok_count == 1


def test_empty_lines_are_skipped_and_counted(rep_client):
    customer_import = _uploaded(rep_client, "name,city\nPT Satu,Bogor\n\n,\nPT Dua,Depok\n")
    assert (customer_import.row_count, customer_import.ok_count, customer_import.blank_count) == (2, 2, 2)
    assert [r["line"] for r in customer_import.results] == [2, 5]


def test_semicolon_file_with_bom_and_crlf_is_read(rep_client, rep):
    content = (
        "\ufeffNama Pelanggan;Alamat;Kota;No. Telp;E-mail;Website\r\n"
        "PT Kopi Nusantara, Tbk;Jl. Merdeka 1, Bandung;Bandung;022 123;halo@kopi.id;www.kopi.id\r\n"
    ).encode()
    customer_import = _uploaded(rep_client, content, "pelanggan-excel.csv")
    assert customer_import.delimiter == ";"
    assert customer_import.mapping == ["name", "address", "city", "phone", "email", "website"]
    _commit(rep_client, customer_import)
    customer = Customer.objects.get()
    assert (customer.name, customer.address, customer.website) == (
        "PT Kopi Nusantara, Tbk",
        "Jl. Merdeka 1, Bandung",
        "https://www.kopi.id",
    )


def test_mapping_override_chooses_another_column_for_the_name(rep_client):
    content = "nama,nama perusahaan,email\nBudi Santoso,PT Budi Jaya,budi@jaya.id\n"
    customer_import = _uploaded(rep_client, content)
    assert customer_import.mapping == ["name", "", "email"]
    url = reverse("accounts:customer_import_preview", args=[customer_import.pk])
    response = rep_client.post(url, {"column_0": "occupation", "column_1": "name", "column_2": "email"})
    assert response.status_code == 302
    customer_import.refresh_from_db()
    assert customer_import.mapping == ["occupation", "name", "email"]
    _commit(rep_client, customer_import)
    assert list(Customer.objects.values_list("name", "occupation")) == [("PT Budi Jaya", "Budi Santoso")]


def test_import_with_a_changed_mapping_checks_again_instead_of_importing(rep_client):
    customer_import = _uploaded(rep_client, "nama,kota\nPT Satu,Bogor\n")
    url = reverse("accounts:customer_import_preview", args=[customer_import.pk])
    response = rep_client.post(url, {"column_0": "name", "column_1": "", "action": "import"}, follow=True)
    assert "You changed the columns: check the new result, then import." in response.content.decode()
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.DRAFT
    assert customer_import.mapping == ["name", ""]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"column_0": "", "column_1": "city"}, "Choose the column that holds the customer&#x27;s name."),
        ({"column_0": "name", "column_1": "name"}, "“nama”, “kota” all go to Name"),
        ({"column_0": "name", "column_1": "tier"}, "Select a valid choice. tier is not one of the available choices."),
    ],
)
def test_an_impossible_mapping_is_a_form_error(rep_client, mapping, message):
    customer_import = _uploaded(rep_client, "nama,kota\nPT Satu,Bogor\n")
    response = rep_client.post(reverse("accounts:customer_import_preview", args=[customer_import.pk]), mapping)
    assert response.status_code == 200
    assert message in response.content.decode()
    customer_import.refresh_from_db()
    assert customer_import.mapping == ["name", "city"]


def test_exported_file_imports_back_as_duplicates_with_phone_numbers_intact(rep_client, rep):
    CustomerFactory(owner=rep, name="PT Bolak Balik", phone="+62 21 999", email="bb@contoh.id")
    text, _rows = _export(rep_client)
    customer_import = _uploaded(rep_client, text.encode("utf-8"), "customers.csv")
    assert customer_import.mapping[:3] == ["", "name", "kind"]
    assert customer_import.mapping[13:] == ["owner", "", ""]
    existing = Customer.objects.get()
    assert _errors(customer_import) == [
        (2, "email", f"A customer with this email already exists: PT Bolak Balik (#{existing.pk}).")
    ]
    assert csv_io._unneutralise("'+62 21 999") == "+62 21 999"


def test_general_manager_assigns_owners_by_username(gm_client, gm, rep, rep2):
    content = "name,owner\nPT Untuk Rep,t_rep\nPT Untuk Rep Dua,t_rep2\nPT Untuk Saya,\nPT Siapa,t_nobody\n"
    customer_import = _commit(gm_client, _uploaded(gm_client, content))
    assert _errors(customer_import) == [(5, "owner", "There is no active user with the username “t_nobody”.")]
    owners = dict(Customer.objects.values_list("name", "owner__username"))
    assert owners == {"PT Untuk Rep": "t_rep", "PT Untuk Rep Dua": "t_rep2", "PT Untuk Saya": "t_gm"}


def test_rep_cannot_give_customers_to_someone_else_but_may_name_themselves(rep_client, rep, rep2):
    customer_import = _uploaded(rep_client, "name,owner\nPT Punya Saya,t_rep\nPT Punya Dia,t_rep2\n")
    assert _errors(customer_import) == [
        (3, "owner", "Only a general manager or an admin can assign another owner."),
    ]


# --- import: bad uploads ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "This is not a CSV text file"),
        ("name\nPT Ünïcode\n".encode("utf-16"), "This is not a CSV text file"),
        ("name,city\nPT Lama,Sémarang\n".encode("latin-1"), "The file is not UTF-8 text."),
        (b"", "The submitted file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"name,city\n", "The file has a header line but no customers below it."),
        (b",,\nPT Satu,Bogor,\n", "The first line must name the columns"),
    ],
)
def test_unreadable_uploads_get_a_form_error(rep_client, content, message):
    response = _upload(rep_client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_oversize_upload_gets_a_form_error(rep_client):
    big = b"name\n" + b"PT Besar Sekali\n" * (csv_io.MAX_UPLOAD_BYTES // 16 + 1)
    assert len(big) > csv_io.MAX_UPLOAD_BYTES
    response = _upload(rep_client, big)
    assert response.status_code == 200
    assert "the limit is 5.0\xa0MB" in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_upload_page_shows_the_form_sample_header_and_breadcrumbs(rep_client):
    response = rep_client.get(reverse("accounts:customer_import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "name,kind,industry,address,city,country,phone,email,website,tax_id,external_ref,occupation" in html
    assert 'aria-current="page">Import<' in html


# --- import: who may see what -------------------------------------------------


def test_another_users_import_answers_404(rep_client, rep2_client, gm_client):
    customer_import = _uploaded(rep_client, "name\nPT Milik Rep\n")
    for url_name in ("accounts:customer_import_preview", "accounts:customer_import_rejects"):
        url = reverse(url_name, args=[customer_import.pk])
        assert rep2_client.get(url).status_code == 404
        assert gm_client.get(url).status_code == 404
    response = rep2_client.post(
        reverse("accounts:customer_import_preview", args=[customer_import.pk]), {"column_0": "name", "action": "import"}
    )
    assert response.status_code == 404
    assert not Customer.objects.exists()


def test_import_needs_a_role(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:customer_import")).status_code == 403


def test_import_needs_login(client):
    response = client.get(reverse("accounts:customer_import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_open_the_import_page(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("accounts:customer_import")).status_code == 200
