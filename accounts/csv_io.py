"""CSV export and import of customers: the selectors and services behind views_io.py.

Export streams the filtered customer list row by row. Import runs in three steps
over one stored `CustomerImport`: decode and sniff the upload (`csv_decode`),
guess the column mapping from the header (`mapping_guess`), then run every row
through `services.customer_create`, the one write path for customers, either as
a dry run (each row in a savepoint that is always rolled back) or for real (each
row in a savepoint of its own, so that one bad row does not undo the others).
The dry run and the commit share `_run`, so the preview predicts the import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import Customer, CustomerImport

User = get_user_model()

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PREVIEW_ROWS = 10
EXPORT_CHUNK_SIZE = 2000
# Flush the streamed export in pieces of about this size rather than per row.
EXPORT_FLUSH_CHARS = 64 * 1024

# A spreadsheet runs a cell that starts like this as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS = (
    "id",
    "name",
    "kind",
    "industry",
    "address",
    "city",
    "country",
    "phone",
    "email",
    "website",
    "tax_id",
    "external_ref",
    "occupation",
    "owner",
    "tier",
    "created_at",
)

IMPORT_FIELDS = (*services.CUSTOMER_FIELDS, "owner")
UNIQUE_FIELDS = ("email", "tax_id", "external_ref")

# Header names (after _normalise) that map to a field, in English and Indonesian.
# A field's own name and its verbose name are recognised too.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "customer",
        "customer name",
        "company",
        "company name",
        "nama",
        "nama pelanggan",
        "nama perusahaan",
        "nama customer",
        "pelanggan",
        "perusahaan",
    ),
    "kind": ("type", "customer type", "jenis", "jenis pelanggan", "tipe", "tipe pelanggan"),
    "industry": ("sector", "industri", "sektor", "bidang usaha"),
    "address": ("street", "street address", "alamat", "alamat lengkap"),
    "city": ("town", "kota", "kabupaten", "kota kabupaten"),
    "country": ("negara",),
    "phone": (
        "telephone",
        "tel",
        "phone number",
        "mobile",
        "telepon",
        "telp",
        "no telp",
        "no telepon",
        "nomor telepon",
        "hp",
        "no hp",
        "handphone",
    ),
    "email": ("e mail", "email address", "e mail address", "surel", "alamat email", "alamat e mail"),
    "website": ("web", "url", "site", "web site", "situs", "situs web"),
    "tax_id": ("tax number", "vat", "vat number", "npwp", "no npwp", "nomor npwp"),
    "external_ref": ("external id", "erp id", "customer code", "kode pelanggan", "kode customer", "id erp"),
    "occupation": ("job", "profession", "pekerjaan", "profesi"),
    "ambitions": ("ambition", "goals", "ambisi", "cita cita"),
    "notes": ("note", "remarks", "comments", "catatan", "keterangan"),
    "owner": ("owner username", "sales rep", "rep", "pemilik", "sales"),
}

KIND_ALIASES = {
    "company": Customer.Kind.COMPANY,
    "business": Customer.Kind.COMPANY,
    "perusahaan": Customer.Kind.COMPANY,
    "badan usaha": Customer.Kind.COMPANY,
    "person": Customer.Kind.PERSON,
    "individual": Customer.Kind.PERSON,
    "perorangan": Customer.Kind.PERSON,
    "pribadi": Customer.Kind.PERSON,
    "individu": Customer.Kind.PERSON,
}

SAMPLE_HEADERS = (
    ",".join(EXPORT_COLUMNS[1:13]),
    "nama;jenis;industri;alamat;kota;negara;telepon;email;website;npwp;kode pelanggan;pekerjaan",
)


# --- export -----------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """The value as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def customer_export_owners(*, user: Any) -> QuerySet:
    """The owners the list page's owner filter accepts (as selectors.customer_filter_choices), lazily."""
    return User.objects.filter(pk__in=Customer.objects.visible_to(user).active().values("owner"))


def customer_export_filename() -> str:
    return f"customers-{timezone.localdate():%Y-%m-%d}.csv"


def _export_row(customer: Customer) -> tuple:
    return (
        customer.pk,
        customer.name,
        customer.kind,
        customer.industry,
        customer.address,
        customer.city,
        customer.country,
        customer.phone,
        customer.email,
        customer.website,
        customer.tax_id,
        customer.external_ref,
        customer.occupation,
        customer.owner.username,
        customer.tier,
        timezone.localtime(customer.created_at).isoformat(),
    )


def customer_export_csv(customers: QuerySet[Customer]) -> Iterator[str]:
    """The customers as CSV text in pieces, for a StreamingHttpResponse.

    One query whatever the number of rows: the owner comes with select_related and
    the rows arrive in chunks, so 100,000 customers never sit in memory at once.
    The byte order mark makes Excel read the file as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    for customer in customers.select_related("owner").iterator(chunk_size=EXPORT_CHUNK_SIZE):
        writer.writerow([csv_cell(value) for value in _export_row(customer)])
        if buffer.tell() >= EXPORT_FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- reading an upload --------------------------------------------------------


@dataclass(frozen=True)
class CsvText:
    text: str
    delimiter: str
    header: list[str]
    row_count: int


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    first_line = sample.splitlines()[0] if sample else ""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    if not delimiter or delimiter not in first_line:
        # A one-column file, or the sniffer was unsure: the header decides.
        counts = {candidate: first_line.count(candidate) for candidate in ",;\t"}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    return delimiter


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) per record; the line is where the record starts (header = 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise ValidationError(
            _("Line %(line)d cannot be read as CSV: %(error)s"), params={"line": start, "error": error}, code="csv"
        ) from error


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _data_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The records after the header, blank lines included (callers count or skip them)."""
    records = _records(text, delimiter)
    next(records, None)
    yield from records


def _header(text: str, delimiter: str) -> list[str]:
    first = next(_records(text, delimiter), (1, []))[1]
    return [cell.strip() for cell in first]


def csv_decode(data: bytes) -> CsvText:
    """Check that the upload is CSV text we can import; raises ValidationError with a clear reason."""
    if b"\x00" in data:
        raise ValidationError(
            _(
                "This is not a CSV text file (it looks like an Excel workbook or another binary file). "
                "In Excel choose File > Save As > CSV UTF-8 and upload that file."
            ),
            code="binary",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The file is not UTF-8 text. In Excel choose File > Save As > CSV UTF-8 and upload that file."),
            code="encoding",
        ) from error
    if not text.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter = _sniff_delimiter(text)
    header = _header(text, delimiter)
    if _is_blank(header):
        raise ValidationError(_("The first line must name the columns, for example: name,city,email."), code="header")
    row_count = sum(1 for _line, cells in _data_rows(text, delimiter) if not _is_blank(cells))
    if not row_count:
        raise ValidationError(_("The file has a header line but no customers below it."), code="no_rows")
    return CsvText(text=text, delimiter=delimiter, header=header, row_count=row_count)


# --- mapping ----------------------------------------------------------------


def _normalise(header: str) -> str:
    return " ".join(re.sub(r"[\s_\-./:*()#]+", " ", header.lower()).split())


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field in IMPORT_FIELDS:
        names = [field, str(Customer._meta.get_field(field).verbose_name), *HEADER_SYNONYMS.get(field, ())]
        for name in names:
            index.setdefault(_normalise(name), field)
    return index


def field_label(field: str) -> str:
    if field == "owner":
        return _("Owner (username)")
    return str(Customer._meta.get_field(field).verbose_name).capitalize()


def mapping_choices() -> list[tuple[str, str]]:
    return [("", _("Ignore this column")), *((field, field_label(field)) for field in IMPORT_FIELDS)]


def mapping_guess(header: list[str]) -> list[str]:
    """A field per column by its header name; the first column wins when two name the same field."""
    index = _synonym_index()
    taken: set[str] = set()
    mapping = []
    for title in header:
        field = index.get(_normalise(title), "")
        if field in taken:
            field = ""
        taken.add(field)
        mapping.append(field)
    return mapping


def mapping_validate(mapping: list[str], *, header: list[str]) -> None:
    labels = header_labels(header)
    errors = []
    if len(mapping) != len(header) or any(field and field not in IMPORT_FIELDS for field in mapping):
        errors.append(_("Choose a customer field or “ignore” for every column."))
    for field in dict.fromkeys(field for field in mapping if field):
        columns = [labels[i] for i, chosen in enumerate(mapping) if chosen == field and i < len(labels)]
        if len(columns) > 1:
            errors.append(
                _("%(columns)s all go to %(field)s: choose one column and ignore the others.")
                % {"columns": ", ".join(f"“{c}”" for c in columns), "field": field_label(field)}
            )
    if "name" not in mapping:
        errors.append(_("Choose the column that holds the customer's name."))
    if errors:
        raise ValidationError(errors, code="mapping")


def header_labels(header: list[str]) -> list[str]:
    return [title or _("Column %(number)d") % {"number": i + 1} for i, title in enumerate(header)]


# --- selectors --------------------------------------------------------------


def customer_import_get(*, user: Any, pk: int) -> CustomerImport:
    """An import of the user's own; raises CustomerImport.DoesNotExist (a 404) for anyone else's."""
    return CustomerImport.objects.get(pk=pk, created_by=user)


def customer_import_list(*, user: Any, limit: int = 5) -> list[CustomerImport]:
    imports = CustomerImport.objects.filter(created_by=user).defer("raw_text", "results")
    return list(imports.order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportPreview:
    header: list[str]
    mapped: list[str]
    rows: list[tuple[int, list[str]]]
    samples: list[str]
    errors: list[RowError]

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(header, label of the field it is mapped to, or "") per column."""
        return list(zip(self.header, self.mapped, strict=False))

    @property
    def invalid_lines(self) -> set[int]:
        return {error.line for error in self.errors}


def customer_import_errors(customer_import: CustomerImport) -> list[RowError]:
    return [
        RowError(result["line"], error["column"], error["message"])
        for result in customer_import.results
        if not result["ok"]
        for error in result["errors"]
    ]


def customer_import_preview(customer_import: CustomerImport) -> ImportPreview:
    """The header, the first rows with their mapped fields, an example per column, and every error."""
    text, delimiter = customer_import.raw_text, customer_import.delimiter
    header = header_labels(_header(text, delimiter))
    rows = []
    for line, cells in _data_rows(text, delimiter):
        if _is_blank(cells):
            continue
        rows.append((line, (cells + [""] * len(header))[: len(header)]))
        if len(rows) == PREVIEW_ROWS:
            break
    samples = [next((cells[i].strip() for _line, cells in rows if cells[i].strip()), "") for i in range(len(header))]
    mapping = (list(customer_import.mapping) + [""] * len(header))[: len(header)]
    mapped = [field_label(field) if field else "" for field in mapping]
    return ImportPreview(header, mapped, rows, samples, customer_import_errors(customer_import))


def customer_import_rejects_filename(customer_import: CustomerImport) -> str:
    return f"customer-import-{customer_import.pk}-rejected.csv"


def customer_import_rejects_csv(customer_import: CustomerImport) -> str:
    """The rejected rows as they were in the file, plus an `error` column; same delimiter, with BOM."""
    text, delimiter = customer_import.raw_text, customer_import.delimiter
    rejected = {result["line"]: result["errors"] for result in customer_import.results if not result["ok"]}
    header = _header(text, delimiter)
    rows = [(cells, rejected[line]) for line, cells in _data_rows(text, delimiter) if line in rejected]
    width = max([len(header), *(len(cells) for cells, _errors in rows)])
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([csv_cell(title) for title in header] + [""] * (width - len(header)) + ["error"])
    for cells, errors in rows:
        reason = "; ".join(f"{e['column']}: {e['message']}" if e["column"] else e["message"] for e in errors)
        writer.writerow([csv_cell(cell) for cell in cells] + [""] * (width - len(cells)) + [csv_cell(reason)])
    return buffer.getvalue()


# --- services ---------------------------------------------------------------


def customer_import_create(*, by: AbstractBaseUser, file_name: str, upload: CsvText) -> CustomerImport:
    """Store an upload with its guessed mapping, and dry-run it."""
    customer_import = CustomerImport.objects.create(
        created_by=by,
        file_name=file_name[-255:],
        raw_text=upload.text,
        delimiter=upload.delimiter,
        mapping=mapping_guess(upload.header),
    )
    return customer_import_check(customer_import=customer_import, by=by)


def customer_import_remap(
    *, customer_import: CustomerImport, by: AbstractBaseUser, mapping: list[str]
) -> CustomerImport:
    mapping_validate(mapping, header=_header(customer_import.raw_text, customer_import.delimiter))
    customer_import.mapping = mapping
    return customer_import_check(customer_import=customer_import, by=by)


def customer_import_check(*, customer_import: CustomerImport, by: AbstractBaseUser) -> CustomerImport:
    """The dry run: every row goes through customer_create exactly as on import, then is rolled back.

    Deliberately not one transaction: each row's rollback is its own short
    transaction, so a long dry run never holds SQLite's write lock against
    other users (nothing is kept, so there is nothing to make atomic).
    """
    if not customer_import.is_draft:
        raise ValidationError(_("This file has already been imported."), code="done")
    _store(customer_import, _run(customer_import, by=by, keep=False))
    return customer_import


@transaction.atomic
def customer_import_commit(*, customer_import: CustomerImport, by: AbstractBaseUser) -> CustomerImport:
    """Create the valid rows, each in its own savepoint, and record the outcome of every row."""
    # The conditional UPDATE lets exactly one of two simultaneous submits (a
    # double click) through; the other waits for the row lock and finds it done.
    claimed = CustomerImport.objects.filter(pk=customer_import.pk, status=CustomerImport.Status.DRAFT).update(
        status=CustomerImport.Status.DONE
    )
    if not claimed:
        raise ValidationError(_("This file has already been imported."), code="done")
    customer_import.status = CustomerImport.Status.DONE
    customer_import.imported_at = timezone.now()
    _store(customer_import, _run(customer_import, by=by, keep=True))
    return customer_import


@dataclass
class _Outcome:
    results: list[dict]
    blank_count: int


def _store(customer_import: CustomerImport, outcome: _Outcome) -> None:
    customer_import.results = outcome.results
    customer_import.row_count = len(outcome.results)
    customer_import.ok_count = sum(1 for result in outcome.results if result["ok"])
    customer_import.error_count = customer_import.row_count - customer_import.ok_count
    customer_import.blank_count = outcome.blank_count
    customer_import.save()


class _DryRun(Exception):
    """Raised inside a row's savepoint to roll back a row that was only checked."""


def _owners_by_username(rows: list[tuple[int, list[str]]], column: int | None) -> dict[str, Any]:
    """The users an owner column names, in one query (usernames match exactly, as at login)."""
    if column is None:
        return {}
    names = {cells[column].strip() for _line, cells in rows if column < len(cells) and cells[column].strip()}
    return {user.username: user for user in User.objects.filter(username__in=names, is_active=True)} if names else {}


def _unneutralise(value: str) -> str:
    """Undo csv_cell, so that an exported or rejects file imports its phone numbers as they were."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def _row_fields(
    cells: list[str], mapping: list[str], owners: dict[str, Any], by: AbstractBaseUser
) -> tuple[dict[str, str], Any, dict[str, list[str]]]:
    fields: dict[str, str] = {}
    owner = None
    errors: dict[str, list[str]] = {}
    for index, field in enumerate(mapping):
        value = _unneutralise(cells[index].strip()) if field and index < len(cells) else ""
        if not value:
            # Left out rather than "", so that the model's defaults apply (kind, country).
            continue
        if field == "owner":
            owner = owners.get(value)
            if owner is None:
                errors["owner"] = [_("There is no active user with the username “%(name)s”.") % {"name": value}]
            elif owner.pk == by.pk:
                owner = None
            continue
        if field == "kind":
            value = KIND_ALIASES.get(value.lower(), value)
        elif field == "website" and "://" not in value:
            value = f"https://{value}"
        fields[field] = value
    return fields, owner, errors


def _create(
    *, by: AbstractBaseUser, owner: Any, fields: dict[str, str], keep: bool
) -> tuple[Customer | None, dict[str, list[str]]]:
    try:
        with transaction.atomic():
            customer = services.customer_create(by=by, owner=owner, **fields)
            if not keep:
                raise _DryRun
    except _DryRun:
        return None, {}
    except ValidationError as error:
        return None, error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    except IntegrityError:
        # The duplicate checks passed, but another request saved the same email,
        # tax id or external reference in the meantime: the constraint caught it.
        return None, {
            NON_FIELD_ERRORS: [_("Another customer with the same email, tax id or reference was just saved.")]
        }
    return customer, {}


def _run(customer_import: CustomerImport, *, by: AbstractBaseUser, keep: bool) -> _Outcome:
    if customer_import.created_by_id != by.pk:
        raise PermissionDenied
    text, delimiter = customer_import.raw_text, customer_import.delimiter
    header = _header(text, delimiter)
    labels = header_labels(header)
    mapping = (list(customer_import.mapping) + [""] * len(header))[: len(header)]
    column_of = {field: (index, labels[index]) for index, field in enumerate(mapping) if field}
    records = list(_data_rows(text, delimiter))
    rows = [(line, cells) for line, cells in records if not _is_blank(cells)]
    owners = _owners_by_username(rows, mapping.index("owner") if "owner" in mapping else None)
    # Unique values of the rows accepted so far, so that a second row with the
    # same email is refused the same way in the dry run and on import.
    seen: dict[str, dict[str, int]] = {field: {} for field in UNIQUE_FIELDS}
    results = []
    for line, cells in rows:
        fields, owner, errors = _row_fields(cells, mapping, owners, by)
        if not _is_blank(cells[len(header) :]):
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("This line has %(values)d values but the header has %(columns)d columns.")
                % {"values": len(cells), "columns": len(header)}
            )
        for field in UNIQUE_FIELDS:
            first = seen[field].get(fields.get(field, "").strip().lower())
            if first:
                errors[field] = [
                    _("The same %(field)s as line %(line)d of this file.")
                    % {"field": Customer._meta.get_field(field).verbose_name, "line": first}
                ]
        customer, refused = _create(by=by, owner=owner, fields=fields, keep=keep and not errors)
        for field, messages in refused.items():
            errors.setdefault(field, messages)
        if errors:
            results.append({"line": line, "ok": False, "errors": _in_column_order(errors, column_of)})
            continue
        for field in UNIQUE_FIELDS:
            if fields.get(field):
                seen[field][fields[field].strip().lower()] = line
        results.append({"line": line, "ok": True, "customer": customer.pk if customer else None})
    return _Outcome(results=results, blank_count=len(records) - len(rows))


def _in_column_order(errors: dict[str, list[str]], column_of: dict[str, tuple[int, str]]) -> list[dict[str, str]]:
    """The row's errors left to right as the columns stand in the file; those of the whole row first."""
    fields = sorted(errors, key=lambda field: column_of.get(field, (-1, ""))[0])
    return [
        {"column": column_of.get(field, (-1, ""))[1], "field": "" if field == NON_FIELD_ERRORS else field, "message": m}
        for field in fields
        for m in errors[field]
    ]
