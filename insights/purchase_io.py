"""Purchases in bulk: the one row logic behind the CSV upload, the bulk API and `import_purchases`.

A row (a dict of strings from a CSV line, or of JSON values from the API) is
parsed field by field, collecting *every* error of the row; its customer is
looked up among those the importing user may see (one query per batch, never
per row); an empty external id is derived from a hash of the normalised row
plus its occurrence number among identical rows, so that importing the same
file again creates nothing. Valid rows are inserted set-based with
`bulk_create(ignore_conflicts=True)`; one query per batch finds the
(source, external id) pairs already there, so "created" and "already there"
are counted exactly.

The upload's check and import run in `tasks_io.py` (Celery, `imports` queue);
the functions here own the `PurchaseImport`'s lifecycle. The PostgreSQL `COPY`
path of the command repeats the parsing rules in SQL (`sql_*` below use the
same patterns), so both paths accept, reject and derive ids alike.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.csv_io import _data_rows, _header, _is_blank, _normalise, _sniff_delimiter, csv_cell, header_labels
from accounts.models import Customer
from crm_project.celery import enqueue

from .models import Purchase, PurchaseImport

logger = logging.getLogger(__name__)

# Rows per set-based step: one customer query, one "already there" query and one
# bulk INSERT per batch; SQLite's 32,766 bound parameters stay far away.
BATCH_SIZE = 2000
API_MAX_ROWS = 10_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 10
ERRORS_PER_PAGE = 100

FIELDS = (
    "customer",
    "customer_ref",
    "purchased_at",
    "amount",
    "quantity",
    "product",
    "category",
    "cost",
    "source",
    "external_id",
)
TEXT_LIMITS = {"product": 200, "category": 100, "source": 50, "external_id": 100}
CUSTOMER_FIELDS = ("customer", "customer_ref")

# --- parsing rules, shared with the SQL of the COPY path ------------------------------------------

# 2025-12-31, 2025-12-31 14:05, 2025-12-31T14:05:09.5+07:00, 2025/12/31 ...
ISO_MOMENT = (
    r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
    r"(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?)?"
    r" ?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
# Day first, as written in Indonesia and Europe: 31/12/2025, 31-12-2025 14:05, 31.12.2025 14.05.
DMY_MOMENT = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T]([0-9]{1,2})[:.]([0-9]{2})(?:[:.]([0-9]{2}))?)?$"
EARLIEST_YEAR, LATEST_YEAR = 1970, 2099

# In this order: a single separator followed by exactly three digits groups thousands
# (1.250 and 1,250 are both 1250); otherwise it is the decimal separator.
NUMBER_FORMATS = (
    ("plain", r"^[0-9]+$"),
    ("dot_thousands", r"^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$"),
    ("comma_thousands", r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"),
    ("decimal", r"^[0-9]+[.,][0-9]+$"),
)
CURRENCY_PREFIX = r"^(rp\.?|idr)"
# Spaces, tabs, no-break spaces: "Rp 1 250 000" and "1.250.000 " read as numbers.
SPACES = " \t\u00a0\u202f"

_ISO = re.compile(ISO_MOMENT)
_DMY = re.compile(DMY_MOMENT)
_NUMBERS = tuple((name, re.compile(pattern)) for name, pattern in NUMBER_FORMATS)
_CURRENCY = re.compile(CURRENCY_PREFIX, re.IGNORECASE)
_SPACE_TABLE = dict.fromkeys(map(ord, SPACES))
_ID = re.compile(r"^[0-9]{1,18}$")

MONEY_PLACES, MONEY_LIMIT = 2, Decimal(10) ** 16
QUANTITY_PLACES, QUANTITY_LIMIT = 3, Decimal(10) ** 11


class RowProblem(Exception):
    """One field's reason for rejecting the row."""


def _local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_moment(value: Any) -> dt.datetime:
    """An ISO 8601 date or date-time, or a day-first date (31/12/2025 14:05); naive means TIME_ZONE."""
    if not isinstance(value, str):
        raise RowProblem(_("Give the date as text, for example 2025-12-31 or 31/12/2025 14:05."))
    text = value.strip()
    if match := _ISO.match(text):
        year, month, day, hour, minute, second, fraction, offset = match.groups()
    elif match := _DMY.match(text):
        day, month, year, hour, minute, second = match.groups()
        fraction = offset = None
    else:
        raise RowProblem(
            _("“%(value)s” is not a date. Write 2025-12-31, 2025-12-31 14:05 or 31/12/2025.") % {"value": text[:40]}
        )
    if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
        raise RowProblem(
            _("Give a date between %(first)d and %(last)d.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    try:
        moment = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError as error:
        raise RowProblem(_("“%(value)s” is not a real date or time.") % {"value": text[:40]}) from error
    if offset is None:
        return moment.replace(tzinfo=_local_zone())
    if offset in ("Z", "z"):
        return moment.replace(tzinfo=dt.UTC)
    hours, minutes = int(offset[1:3]), int(offset[-2:]) if len(offset) > 3 else 0
    if hours > 14 or minutes > 59:
        raise RowProblem(_("“%(value)s” has an impossible time zone offset.") % {"value": text[:40]})
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return moment.replace(tzinfo=dt.timezone(-delta if offset[0] == "-" else delta))


def parse_number(value: Any, *, places: int, limit: Decimal, label: str) -> Decimal:
    """1250000, 1.250.000,50, 1,250,000.50, Rp 1.250.000; never negative."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise RowProblem(_("Give the %(field)s as a number.") % {"field": label})
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.translate(_SPACE_TABLE)
    negative = text.startswith("-")
    text = _CURRENCY.sub("", text[1:] if negative else text)
    kind = next((name for name, pattern in _NUMBERS if pattern.match(text)), None)
    if kind is None:
        raise RowProblem(
            _("“%(value)s” is not a number. Write 1250000, 1.250.000,50 or 1,250,000.50.") % {"value": str(value)[:40]}
        )
    if kind == "dot_thousands":
        text = text.replace(".", "").replace(",", ".")
    elif kind == "comma_thousands":
        text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    number = Decimal(text)
    if negative:
        raise RowProblem(_("The %(field)s cannot be negative.") % {"field": label})
    if number >= limit:
        raise RowProblem(_("The %(field)s is too large.") % {"field": label})
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise RowProblem(_("The %(field)s has more than %(places)d decimals.") % {"field": label, "places": places})
    return number.quantize(step)


def parse_text(value: Any, *, max_length: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise RowProblem(_("Give text here."))
    text = str(value).strip()
    if "\x00" in text:
        raise RowProblem(_("The text contains a NUL character."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RowProblem(_("The text contains characters that are not valid Unicode.")) from error
    if max_length is not None and len(text) > max_length:
        raise RowProblem(_("At most %(max)d characters.") % {"max": max_length})
    return text


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class ParsedRow:
    key: int
    customer_id: int | None
    customer_ref: str
    purchased_at: dt.datetime
    amount: Decimal
    quantity: Decimal | None
    product: str
    category: str
    cost: Decimal | None
    source: str
    external_id: str

    def content(self) -> str:
        """The normalised row, as the derived external id hashes it (the SQL path builds the same text)."""
        moment = self.purchased_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        parts = (self.customer_id, moment, self.amount, self.quantity, self.product, self.category, self.cost)
        return "|".join("" if part is None else str(part) for part in parts)

    def purchase(self) -> Purchase:
        return Purchase(
            customer_id=self.customer_id,
            purchased_at=self.purchased_at,
            purchased_on=self.purchased_at.astimezone(_local_zone()).date(),
            amount=self.amount,
            quantity=self.quantity,
            product=self.product,
            category=self.category,
            cost=self.cost,
            source=self.source,
            external_id=self.external_id,
        )


def derived_external_id(content: str, occurrence: int) -> str:
    return f"auto-{hashlib.md5(content.encode(), usedforsecurity=False).hexdigest()}-{occurrence}"


def row_parse(
    values: Mapping[str, Any], *, key: int, default_source: str
) -> tuple[ParsedRow | None, list[tuple[str, str]]]:
    """One row's fields, or every (field, reason) that rejects it; the customer is checked later per batch."""
    errors: list[tuple[str, str]] = []

    def attempt(name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        value = values.get(name)
        if _is_empty(value):
            return default
        try:
            return parse(value)
        except RowProblem as problem:
            errors.append((name, str(problem)))
            return default

    customer_id = attempt("customer", _parse_customer_id)
    customer_ref = attempt("customer_ref", lambda v: parse_text(v, max_length=None), "")
    if customer_id is None and not customer_ref and not any(name in dict(errors) for name in CUSTOMER_FIELDS):
        errors.append(("customer", _("Name the customer by its id (customer) or its reference (customer_ref).")))
    purchased_at = attempt("purchased_at", parse_moment)
    if purchased_at is None and _is_empty(values.get("purchased_at")):
        errors.append(("purchased_at", _("The date of the purchase is required.")))
    amount = attempt("amount", lambda v: parse_number(v, places=MONEY_PLACES, limit=MONEY_LIMIT, label=_("amount")))
    if amount is None and _is_empty(values.get("amount")):
        errors.append(("amount", _("The amount is required.")))
    quantity = attempt(
        "quantity", lambda v: parse_number(v, places=QUANTITY_PLACES, limit=QUANTITY_LIMIT, label=_("quantity"))
    )
    cost = attempt("cost", lambda v: parse_number(v, places=MONEY_PLACES, limit=MONEY_LIMIT, label=_("cost")))
    texts = {
        name: attempt(name, lambda v, n=name: parse_text(v, max_length=TEXT_LIMITS[n]), "") for name in TEXT_LIMITS
    }
    if errors:
        return None, errors
    return (
        ParsedRow(
            key=key,
            customer_id=customer_id,
            customer_ref=customer_ref,
            purchased_at=purchased_at,
            amount=amount,
            quantity=quantity,
            product=texts["product"],
            category=texts["category"],
            cost=cost,
            source=texts["source"] or default_source,
            external_id=texts["external_id"],
        ),
        [],
    )


def _parse_customer_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowProblem(_("Give the customer's id as a whole number."))
    text = str(value).strip()
    if not _ID.match(text):
        if text.isdigit():  # too long to be any customer's id
            raise RowProblem(_("Unknown customer."))
        raise RowProblem(_("Give the customer's id as a whole number."))
    return int(text)


# --- the batched writer ---------------------------------------------------------------------------


@dataclass
class RowIn:
    """A row to import: its line (CSV) or index (API), its values by field, and problems found while reading."""

    key: int
    values: Mapping[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    rows: int = 0
    ok: int = 0
    created: int = 0
    existing: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    customer_ids: set[int] = field(default_factory=set)


@dataclass
class FailedRow:
    """A row with field errors, and how it names its customer (checked with the batch's lookup)."""

    key: int
    errors: list[tuple[str, str]]
    customer_id: int | None
    customer_ref: str

    @classmethod
    def of(cls, key: int, values: Mapping[str, Any], errors: list[tuple[str, str]]) -> FailedRow:
        if any(name in CUSTOMER_FIELDS for name, _message in errors):
            return cls(key, errors, None, "")
        customer_id, customer_ref = None, ""
        try:
            if not _is_empty(values.get("customer")):
                customer_id = _parse_customer_id(values.get("customer"))
            elif not _is_empty(values.get("customer_ref")):
                customer_ref = parse_text(values.get("customer_ref"), max_length=None)
        except RowProblem:
            return cls(key, errors, None, "")
        return cls(key, errors, customer_id, customer_ref)

    def customer_problem(self, known_ids: set[int], by_ref: dict[str, int]) -> list[tuple[str, str]]:
        if self.customer_id is not None and self.customer_id not in known_ids:
            return [("customer", _("Unknown customer."))]
        if self.customer_id is None and self.customer_ref and self.customer_ref not in by_ref:
            return [("customer_ref", _("Unknown customer."))]
        return []


class PurchaseWriter:
    """Validates and (when `commit`) inserts rows batch by batch; keeps what spans batches.

    `occurrences` numbers identical rows without an external id across the whole
    file; `seen` remembers each (source, external id) of the file so that a second
    row with the same id is rejected, in the check and the import alike.
    """

    def __init__(
        self,
        *,
        user: Any,
        default_source: str,
        commit: bool,
        columns: Mapping[str, str] | None = None,
        on_batch: Callable[[int, int, int], None] | None = None,
        skip_rows: int = 0,
        keys_are_lines: bool = True,
    ) -> None:
        self.user = user
        self.keys_are_lines = keys_are_lines
        self.default_source = default_source
        self.commit = commit
        self.columns = columns or {}
        self.on_batch = on_batch
        self.skip_rows = skip_rows
        self.outcome = Outcome()
        self.occurrences: dict[str, int] = {}
        self.seen: dict[tuple[str, str], int] = {}

    def run(self, rows: Iterable[RowIn]) -> Outcome:
        batch: list[RowIn] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)
        return self.outcome

    def _reject(self, key: int, problems: list[tuple[str, str]]) -> None:
        self.outcome.rejected += 1
        for name, message in problems:
            self.outcome.errors.append(
                {"line": key, "field": name, "column": self.columns.get(name, name), "message": message}
            )

    def _customers(self, parsed: list[ParsedRow], failed: list[FailedRow] = ()) -> tuple[set[int], dict[str, int]]:
        ids = {row.customer_id for row in parsed if row.customer_id is not None}
        ids |= {row.customer_id for row in failed if row.customer_id is not None}
        refs = {row.customer_ref for row in parsed if row.customer_id is None and row.customer_ref}
        refs |= {row.customer_ref for row in failed if row.customer_id is None and row.customer_ref}
        if not ids and not refs:
            return set(), {}
        # One query for the batch; a customer outside the user's scope reads as unknown.
        found = Customer.objects.visible_to(self.user).filter(Q(pk__in=ids) | Q(external_ref__in=refs))
        known_ids, by_ref = set(), {}
        for pk, ref in found.values_list("pk", "external_ref"):
            known_ids.add(pk)
            if ref in refs:
                by_ref[ref] = pk
        return known_ids & ids, by_ref

    def _resolve(
        self, parsed: list[ParsedRow], lookup: tuple[set[int], dict[str, int]] | None = None
    ) -> list[ParsedRow]:
        """The rows whose customer the user may see, with their external ids; the others rejected."""
        known_ids, by_ref = lookup if lookup is not None else self._customers(parsed)
        valid: list[ParsedRow] = []
        for row in parsed:
            if row.customer_id is None:
                row.customer_id = by_ref.get(row.customer_ref)
                if row.customer_id is None:
                    self._reject(row.key, [("customer_ref", _("Unknown customer."))])
                    continue
            elif row.customer_id not in known_ids:
                self._reject(row.key, [("customer", _("Unknown customer."))])
                continue
            if not row.external_id:
                content = row.content()
                self.occurrences[content] = self.occurrences.get(content, 0) + 1
                row.external_id = derived_external_id(content, self.occurrences[content])
            first = self.seen.setdefault((row.source, row.external_id), row.key)
            if first != row.key:
                if self.keys_are_lines:
                    message = _("Line %(key)s has the same external id; each purchase needs its own.")
                else:
                    message = _("Row %(key)s has the same external id; each purchase needs its own.")
                self._reject(row.key, [("external_id", message % {"key": first})])
                continue
            valid.append(row)
        return valid

    def resolve_one(self, row: ParsedRow) -> list[tuple[str, str]]:
        """For a single purchase: its customer and external id, or the reasons it is refused."""
        self._resolve([row])
        return [(error["field"], error["message"]) for error in self.outcome.errors]

    def _batch(self, batch: list[RowIn]) -> None:
        mark = len(self.outcome.errors)
        self._batch_rows(batch)
        # Customer errors are found after the field errors: report the batch in file order (a stable sort).
        self.outcome.errors[mark:] = sorted(self.outcome.errors[mark:], key=lambda error: error["line"])

    def _batch_rows(self, batch: list[RowIn]) -> None:
        start = self.outcome.rows
        self.outcome.rows += len(batch)
        replay = self.outcome.rows <= self.skip_rows
        parsed: list[ParsedRow] = []
        failed: list[FailedRow] = []
        for row in batch:
            purchase, errors = row_parse(row.values, key=row.key, default_source=self.default_source)
            errors = row.problems + errors
            if errors:
                failed.append(FailedRow.of(row.key, row.values, errors))
            else:
                parsed.append(purchase)
        # One customer query for the batch, bad rows included, so that a bad row lists all its reasons.
        lookup = self._customers(parsed, failed)
        for row in failed:
            self._reject(row.key, row.errors + row.customer_problem(*lookup))
        valid = self._resolve(parsed, lookup)
        self.outcome.ok += len(valid)
        if replay:
            # Written by the run that was interrupted; counted there already.
            self.outcome.customer_ids.update(row.customer_id for row in valid)
            return
        existing = self._existing(valid)
        new = [row for row in valid if (row.source, row.external_id) not in existing]
        with transaction.atomic():
            if self.commit:
                Purchase.objects.bulk_create([row.purchase() for row in new], ignore_conflicts=True)
                self.outcome.customer_ids.update(row.customer_id for row in new)
            if self.on_batch:
                self.on_batch(self.outcome.rows - start, len(new), len(valid) - len(new))
        self.outcome.created += len(new)
        self.outcome.existing += len(valid) - len(new)

    def _existing(self, rows: list[ParsedRow]) -> set[tuple[str, str]]:
        if not rows:
            return set()
        sources = {row.source for row in rows}
        ids = {row.external_id for row in rows}
        pairs = Purchase.objects.filter(source__in=sources, external_id__in=ids).values_list("source", "external_id")
        return set(pairs)


def purchases_import_rows(
    rows: Iterable[RowIn], *, user: Any, default_source: str, commit: bool, **options: Any
) -> Outcome:
    """Validate every row; when `commit`, insert the valid ones and queue the rollup for the customers they touch."""
    outcome = PurchaseWriter(user=user, default_source=default_source, commit=commit, **options).run(rows)
    if commit and outcome.customer_ids:
        from .services import rollup_after_purchases

        rollup_after_purchases(customer_ids=outcome.customer_ids, by=user)
    return outcome


# --- reading a CSV upload -------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvText:
    text: str
    delimiter: str
    header: list[str]
    row_count: int
    encoding: str


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: a byte order mark decides, else UTF-8, else Windows-1252."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV (Comma delimited)" in this code page.
        return data.decode("cp1252", errors="replace"), "cp1252"


def csv_decode(data: bytes) -> CsvText:
    """Check that the upload is CSV text; raises ValidationError with a clear reason."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ValidationError(
            _("This is an Excel workbook, not a CSV file. In Excel choose File > Save As > CSV UTF-8 and upload that."),
            code="binary",
        )
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ValidationError(_("This is not a CSV text file (it contains binary data)."), code="binary")
    if not text.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter = _sniff_delimiter(text)
    header = _header(text, delimiter)
    if _is_blank(header):
        raise ValidationError(
            _("The first line must name the columns, for example: customer_ref,purchased_at,amount."), code="header"
        )
    row_count = sum(1 for _line, cells in _data_rows(text, delimiter) if not _is_blank(cells))
    if not row_count:
        raise ValidationError(_("The file has a header line but no purchases below it."), code="no_rows")
    return CsvText(text=text, delimiter=delimiter, header=header, row_count=row_count, encoding=encoding)


# --- mapping ------------------------------------------------------------------------------------

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer": ("customer id", "id customer", "id pelanggan", "pelanggan id", "customer no id"),
    "customer_ref": (
        "customer ref",
        "customer reference",
        "customer code",
        "external ref",
        "external reference",
        "kode pelanggan",
        "kode customer",
        "kode konsumen",
        "ref pelanggan",
        "no pelanggan",
        "nomor pelanggan",
    ),
    "purchased_at": (
        "date",
        "datetime",
        "timestamp",
        "order date",
        "invoice date",
        "purchase date",
        "purchased on",
        "tanggal",
        "tgl",
        "tanggal pembelian",
        "tanggal transaksi",
        "tanggal faktur",
        "tgl faktur",
        "tgl transaksi",
        "waktu",
    ),
    "amount": (
        "total",
        "value",
        "revenue",
        "sales",
        "net amount",
        "total amount",
        "jumlah",
        "nilai",
        "total harga",
        "nominal",
        "omzet",
        "penjualan",
        "jumlah rp",
        "nilai rp",
    ),
    "quantity": ("qty", "quantity", "kuantitas", "banyaknya", "jml barang", "jumlah barang", "pcs", "unit"),
    "product": ("item", "sku", "product name", "item name", "produk", "barang", "nama barang", "nama produk"),
    "category": ("product category", "kategori", "kategori produk", "golongan", "group"),
    "cost": ("cogs", "cost price", "unit cost", "harga pokok", "hpp", "harga pokok penjualan", "modal"),
    "source": ("source system", "system", "sumber", "sistem"),
    "external_id": (
        "external id",
        "invoice",
        "invoice no",
        "invoice number",
        "order id",
        "order no",
        "order number",
        "transaction id",
        "purchase id",
        "document no",
        "faktur",
        "no faktur",
        "nomor faktur",
        "no invoice",
        "nomor invoice",
        "id transaksi",
        "no transaksi",
        "nomor transaksi",
    ),
}
# Header names that may hold either an id or a reference: the first values decide.
AMBIGUOUS_CUSTOMER = ("customer", "pelanggan", "konsumen", "client", "klien", "nama pelanggan")

SAMPLE_HEADERS = (
    "customer_ref,purchased_at,amount,quantity,product,category,cost,external_id",
    "kode pelanggan;tanggal;jumlah;produk;kategori;harga pokok;no faktur",
)


def field_label(name: str) -> str:
    labels = {
        "customer": _("Customer (id)"),
        "customer_ref": _("Customer (external reference)"),
        "purchased_at": _("Date of purchase"),
        "amount": _("Amount"),
        "quantity": _("Quantity"),
        "product": _("Product"),
        "category": _("Category"),
        "cost": _("Cost"),
        "source": _("Source system"),
        "external_id": _("External id (invoice number)"),
    }
    return labels[name]


def mapping_choices() -> list[tuple[str, str]]:
    return [("", _("Ignore this column")), *((name, field_label(name)) for name in FIELDS)]


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in FIELDS:
        for title in (name, *HEADER_SYNONYMS.get(name, ())):
            index.setdefault(_normalise(title), name)
    return index


def mapping_guess(header: list[str], samples: list[list[str]] | None = None) -> list[str]:
    """A field per column by its header name (English or Indonesian); the first column wins a field."""
    index = _synonym_index()
    samples = samples or []
    taken: set[str] = set()
    mapping = []
    for column, title in enumerate(header):
        normalised = _normalise(title)
        name = index.get(normalised, "")
        if normalised in AMBIGUOUS_CUSTOMER:
            values = [cells[column].strip() for cells in samples if column < len(cells) and cells[column].strip()]
            name = "customer" if values and all(value.isdigit() for value in values) else "customer_ref"
        if name in taken:
            name = ""
        taken.add(name)
        mapping.append(name)
    return mapping


def mapping_validate(mapping: list[str], *, header: list[str]) -> None:
    labels = header_labels(header)
    errors = []
    if len(mapping) != len(header) or any(name and name not in FIELDS for name in mapping):
        errors.append(_("Choose a purchase field or “ignore” for every column."))
    for name in dict.fromkeys(name for name in mapping if name):
        columns = [labels[i] for i, chosen in enumerate(mapping) if chosen == name and i < len(labels)]
        if len(columns) > 1:
            errors.append(
                _("%(columns)s all go to %(field)s: choose one column and ignore the others.")
                % {"columns": ", ".join(f"“{c}”" for c in columns), "field": field_label(name)}
            )
    if not set(CUSTOMER_FIELDS) & set(mapping):
        errors.append(_("Choose the column that names the customer (its id or its external reference)."))
    if "purchased_at" not in mapping:
        errors.append(_("Choose the column that holds the date of the purchase."))
    if "amount" not in mapping:
        errors.append(_("Choose the column that holds the amount."))
    if errors:
        raise ValidationError(errors, code="mapping")


def _mapping_of(purchase_import: PurchaseImport, header: list[str]) -> list[str]:
    return (list(purchase_import.mapping) + [""] * len(header))[: len(header)]


def csv_rows(text: str, delimiter: str, mapping: list[str], header: list[str]) -> Iterator[RowIn]:
    """The file's non-blank records as rows of values by field; a line with too many values is a problem."""
    for line, cells in _data_rows(text, delimiter):
        if _is_blank(cells):
            continue
        values = {name: _unneutralise(cells[i]) for i, name in enumerate(mapping) if name and i < len(cells)}
        problems = []
        if not _is_blank(cells[len(header) :]):
            problems.append(
                (
                    "",
                    _("This line has %(values)d values but the header has %(columns)d columns.")
                    % {"values": len(cells), "columns": len(header)},
                )
            )
        yield RowIn(key=line, values=values, problems=problems)


def _unneutralise(value: str) -> str:
    """Undo csv_cell, so that a downloaded rejects file, once fixed, imports as it was."""
    return value[1:] if value.startswith("'") and value[1:].startswith(("=", "+", "-", "@")) else value


# --- the upload's lifecycle ---------------------------------------------------------------------


def purchase_import_get(*, user: Any, pk: int, light: bool = False) -> PurchaseImport:
    """An import of the user's own; raises PurchaseImport.DoesNotExist (a 404) for anyone else's.

    `light` leaves out the file and the errors (the progress poll needs neither).
    """
    imports = PurchaseImport.objects.filter(created_by=user)
    return (imports.defer("raw_text", "errors") if light else imports).get(pk=pk)


def purchase_import_list(*, user: Any, limit: int = 20) -> list[PurchaseImport]:
    imports = PurchaseImport.objects.filter(created_by=user).defer("raw_text", "errors")
    return list(imports.order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class ImportPreview:
    header: list[str]
    mapped: list[str]
    rows: list[tuple[int, list[str]]]
    samples: list[str]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return list(zip(self.header, self.mapped, strict=False))


def _first_rows(text: str, delimiter: str, width: int) -> list[tuple[int, list[str]]]:
    rows = []
    for line, cells in _data_rows(text, delimiter):
        if _is_blank(cells):
            continue
        rows.append((line, (cells + [""] * width)[:width]))
        if len(rows) == PREVIEW_ROWS:
            break
    return rows


def purchase_import_preview(purchase_import: PurchaseImport) -> ImportPreview:
    text, delimiter = purchase_import.raw_text, purchase_import.delimiter
    header = header_labels(_header(text, delimiter))
    rows = _first_rows(text, delimiter, len(header))
    samples = [next((cells[i].strip() for _line, cells in rows if cells[i].strip()), "") for i in range(len(header))]
    mapped = [field_label(name) if name else "" for name in _mapping_of(purchase_import, header)]
    return ImportPreview(header, mapped, rows, samples)


def purchase_import_errors_page(purchase_import: PurchaseImport, page: Any) -> Page:
    return Paginator(purchase_import.errors, ERRORS_PER_PAGE).get_page(page)


def purchase_import_rejects_filename(purchase_import: PurchaseImport) -> str:
    return f"purchase-import-{purchase_import.pk}-rejected.csv"


def purchase_import_rejects_csv(purchase_import: PurchaseImport) -> str:
    """The rejected rows as they were in the file, plus `line` and `reason`; same delimiter, with BOM."""
    text, delimiter = purchase_import.raw_text, purchase_import.delimiter
    reasons: dict[int, list[str]] = {}
    for error in purchase_import.errors:
        prefix = f"{error['column']}: " if error.get("column") else ""
        reasons.setdefault(error["line"], []).append(prefix + error["message"])
    header = _header(text, delimiter)
    rows = [(line, cells) for line, cells in _data_rows(text, delimiter) if line in reasons]
    width = max([len(header), *(len(cells) for _line, cells in rows)])
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([csv_cell(title) for title in header] + [""] * (width - len(header)) + ["line", "reason"])
    for line, cells in rows:
        reason = "; ".join(reasons[line])
        writer.writerow([csv_cell(cell) for cell in cells] + [""] * (width - len(cells)) + [line, csv_cell(reason)])
    return buffer.getvalue()


def purchase_import_create(*, by: Any, file_name: str, upload: CsvText, source: str) -> PurchaseImport:
    """Store an upload with its guessed mapping; when the guess names every required column, check it."""
    samples = [cells for _line, cells in _first_rows(upload.text, upload.delimiter, len(upload.header))]
    purchase_import = PurchaseImport(
        created_by=by,
        file_name=file_name[-255:],
        raw_text=upload.text,
        delimiter=upload.delimiter,
        source=source,
        mapping=mapping_guess(upload.header, samples),
        row_count=upload.row_count,
    )
    # `errors` is an empty list until the check (the model field is not blank=True).
    purchase_import.full_clean(exclude=["errors"])
    purchase_import.save()
    try:
        mapping_validate(purchase_import.mapping, header=upload.header)
    except ValidationError:
        return purchase_import  # the user completes the mapping first
    return purchase_import_check(purchase_import=purchase_import)


ACTIVE = (PurchaseImport.Status.CHECKING, PurchaseImport.Status.IMPORTING)
CHECKABLE = (PurchaseImport.Status.UPLOADED, PurchaseImport.Status.CHECKED, PurchaseImport.Status.FAILED)


def purchase_import_remap(*, purchase_import: PurchaseImport, mapping: list[str]) -> PurchaseImport:
    mapping_validate(mapping, header=_header(purchase_import.raw_text, purchase_import.delimiter))
    if purchase_import.status not in CHECKABLE:
        raise ValidationError(_("This file is being processed or was imported already."), code="state")
    PurchaseImport.objects.filter(pk=purchase_import.pk).update(mapping=mapping)
    purchase_import.mapping = mapping
    return purchase_import_check(purchase_import=purchase_import)


def purchase_import_check(*, purchase_import: PurchaseImport) -> PurchaseImport:
    """Queue the dry run (a worker, or this process in embedded mode)."""
    from .tasks_io import import_purchases_check

    claimed = PurchaseImport.objects.filter(pk=purchase_import.pk, status__in=CHECKABLE).update(
        status=PurchaseImport.Status.CHECKING, rows_done=0, failure=""
    )
    if not claimed:
        raise ValidationError(_("This file is being processed or was imported already."), code="state")
    enqueue(import_purchases_check, purchase_import.pk)
    purchase_import.status = PurchaseImport.Status.CHECKING
    return purchase_import


def purchase_import_commit(*, purchase_import: PurchaseImport) -> PurchaseImport:
    """Queue the import of a checked file; exactly one of two simultaneous submits gets through."""
    from .tasks_io import import_purchases_commit

    claimed = PurchaseImport.objects.filter(pk=purchase_import.pk, status=PurchaseImport.Status.CHECKED).update(
        status=PurchaseImport.Status.IMPORTING, rows_done=0, created_count=0, existing_count=0
    )
    if not claimed:
        raise ValidationError(_("This file is being processed or was imported already."), code="state")
    enqueue(import_purchases_commit, purchase_import.pk)
    purchase_import.status = PurchaseImport.Status.IMPORTING
    return purchase_import


def purchase_import_run(*, import_id: int, commit: bool) -> None:
    """The check or the import of an upload, batch by batch with progress; safe to run again.

    An import interrupted by a dead worker resumes after the last batch it
    committed: each batch's rows and counters are committed together.
    """
    expected = PurchaseImport.Status.IMPORTING if commit else PurchaseImport.Status.CHECKING
    purchase_import = PurchaseImport.objects.select_related("created_by").filter(pk=import_id, status=expected).first()
    if purchase_import is None:  # finished already, or redelivered after it was
        return
    queryset = PurchaseImport.objects.filter(pk=import_id)
    if not commit:
        queryset.update(rows_done=0, existing_count=0, created_count=0)

    def progress(rows: int, created: int, existing: int) -> None:
        if commit:
            queryset.update(
                rows_done=F("rows_done") + rows,
                created_count=F("created_count") + created,
                existing_count=F("existing_count") + existing,
            )
        else:
            queryset.update(rows_done=F("rows_done") + rows)

    text, delimiter = purchase_import.raw_text, purchase_import.delimiter
    header = _header(text, delimiter)
    mapping = _mapping_of(purchase_import, header)
    labels = header_labels(header)
    columns = {name: labels[i] for i, name in enumerate(mapping) if name}
    try:
        outcome = purchases_import_rows(
            csv_rows(text, delimiter, mapping, header),
            user=purchase_import.created_by,
            default_source=purchase_import.source,
            commit=commit,
            columns=columns,
            on_batch=progress,
            skip_rows=purchase_import.rows_done if commit else 0,
        )
    except ValidationError as error:  # the text stopped being readable CSV
        queryset.update(
            status=PurchaseImport.Status.FAILED, failure=" ".join(error.messages), finished_at=timezone.now()
        )
        return
    except (OperationalError, InterfaceError):
        raise  # the task retries; an import resumes after its last committed batch
    except Exception as error:
        logger.exception("purchase import %s failed", import_id)
        queryset.update(
            status=PurchaseImport.Status.FAILED,
            failure=str(error) or error.__class__.__name__,
            finished_at=timezone.now(),
        )
        return
    done = {
        "status": PurchaseImport.Status.DONE if commit else PurchaseImport.Status.CHECKED,
        "row_count": outcome.rows,
        "rows_done": outcome.rows,
        "ok_count": outcome.ok,
        "error_count": outcome.rejected,
        "errors": outcome.errors,
        "finished_at": timezone.now() if commit else None,
    }
    if not commit:
        done["existing_count"] = outcome.existing
    queryset.update(**done)
