"""`python manage.py import_purchases FILE.csv`: very large purchase files, streamed.

On PostgreSQL the file goes by `COPY` into a temporary staging table, and one
set-based `INSERT ... SELECT ... ON CONFLICT DO NOTHING` parses, validates and
inserts it (the parsing rules of purchase_io, written in SQL with the same
patterns); the rejected rows are read back from the staging table with their
reasons. Elsewhere (SQLite) the file streams through purchase_io's batched
Python path. Both paths accept, reject and derive external ids alike.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction

from accounts.models import SEES_ALL, Customer
from crm_project.roles import role_of
from insights import purchase_io

User = get_user_model()

CHUNK = 1 << 20


class Progress:
    """A progress bar on stderr by bytes read, redrawn at most a few times a second."""

    def __init__(self, total: int, stream: TextIO, *, enabled: bool = True) -> None:
        self.total, self.stream, self.enabled = max(total, 1), stream, enabled
        self.done = 0
        self.shown = 0.0

    def advance(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if self.enabled and (now - self.shown > 0.2 or self.done >= self.total):
            self.shown = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            self.stream.write(f"\r[{bar:<30}] {share:6.1%} {self.done / 1e6:,.1f} / {self.total / 1e6:,.1f} MB")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.advance(0)
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import purchases from a (very large) CSV file: customer_ref or customer, purchased_at, amount, ..."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file; its first line names the columns.")
        parser.add_argument("--source", default="csv", help="Source system of rows without one (default: csv).")
        parser.add_argument("--user", help="Import as this user: only customers they may see are found.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--delimiter", help="The column separator; default: guessed from the header.")
        parser.add_argument("--rejects", help="Write the rejected rows with line and reason to this CSV file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--python", action="store_true", help="Use the batched Python path also on PostgreSQL (no COPY)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = self._user(options["user"])
        source = options["source"].strip()
        if not source or len(source) > 50:
            raise CommandError("--source must be 1 to 50 characters.")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
        delimiter = options["delimiter"] or purchase_io._sniff_delimiter(first or ",")
        if len(delimiter) != 1:
            raise CommandError("--delimiter must be one character.")
        header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter), [])]
        mapping = purchase_io.mapping_guess(header)
        try:
            purchase_io.mapping_validate(mapping, header=header)
        except Exception as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        progress = Progress(path.stat().st_size, self.stderr._out, enabled=not options["no_progress"])
        use_copy = connection.vendor == "postgresql" and not options["python"]
        started = time.monotonic()
        if use_copy:
            outcome = self._copy_path(path, header, mapping, delimiter, user, source, options["dry_run"], progress)
        else:
            outcome = self._python_path(path, header, mapping, delimiter, user, source, options["dry_run"], progress)
        progress.finish()
        self._report(outcome, options["rejects"], path, delimiter)
        if not options["dry_run"] and outcome.customer_ids:
            from insights.services import rollup_after_purchases

            rollup_after_purchases(customer_ids=outcome.customer_ids, by=user)
        verb = "would be created" if options["dry_run"] else "created"
        self.stdout.write(
            f"{outcome.rows} rows: {outcome.created} {verb}, {outcome.existing} already there, "
            f"{outcome.rejected} rejected ({time.monotonic() - started:.1f} s)."
        )

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as error:
            raise CommandError(f"No active user {username!r}.") from error

    # --- the Python path (SQLite, or --python) -----------------------------------------------------

    def _python_path(self, path, header, mapping, delimiter, user, source, dry_run, progress) -> purchase_io.Outcome:
        labels = purchase_io.header_labels(header)
        columns = {name: labels[i] for i, name in enumerate(mapping) if name}
        rows = _stream_rows(path, delimiter, mapping, header, progress)
        writer = purchase_io.PurchaseWriter(
            user=user or _Everyone(), default_source=source, commit=not dry_run, columns=columns
        )
        return writer.run(rows)

    # --- the PostgreSQL path -----------------------------------------------------------------------

    def _copy_path(self, path, header, mapping, delimiter, user, source, dry_run, progress) -> purchase_io.Outcome:
        outcome = purchase_io.Outcome()
        labels = purchase_io.header_labels(header)
        columns = [f"c{i}" for i in range(len(header))]
        col = {name: f"s.c{i}" for i, name in enumerate(mapping) if name}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{settings.ROLLUP_WORK_MEM}'")
            # A million-row statement would otherwise be JIT-compiled, which costs more than it saves here.
            cursor.execute("SET LOCAL jit = off")
            # ON COMMIT DROP, and dropped here too for a caller's enclosing transaction (tests, a second run).
            cursor.execute("DROP TABLE IF EXISTS purchase_staging, purchase_slow, purchase_parsed")
            cursor.execute(
                "CREATE TEMP TABLE purchase_staging (rec bigint GENERATED ALWAYS AS IDENTITY, "
                + ", ".join(f"{c} text" for c in columns)
                + ") ON COMMIT DROP"
            )
            stream = _CopyStream(path, progress)
            try:
                with transaction.atomic():
                    cursor.cursor.copy_expert(
                        f"COPY purchase_staging ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true, "
                        f"DELIMITER {_literal(delimiter)}, ENCODING 'UTF8')",
                        stream,
                    )
            except DatabaseError as error:
                # A ragged or non-UTF-8 file: the Python path reports each bad line instead.
                self.stderr.write(f"\nCOPY refused the file ({str(error).splitlines()[0]}); reading it line by line.")
                progress.done = 0
                return self._python_path(path, header, mapping, delimiter, user, source, dry_run, progress)
            visible_sql, visible_params = _visible_customers_sql(user)
            fields = _RAW_FIELDS.format(
                customer=col.get("customer", "NULL"),
                customer_ref=col.get("customer_ref", "NULL"),
                purchased_at=col["purchased_at"],
                amount=col["amount"],
                quantity=col.get("quantity", "NULL"),
                cost=col.get("cost", "NULL"),
                product=col.get("product", "NULL"),
                category=col.get("category", "NULL"),
                source=col.get("source", "NULL"),
                external_id=col.get("external_id", "NULL"),
                spaces=_literal(purchase_io.SPACES),
            )
            patterns = {
                "iso": _literal(purchase_io.ISO_MOMENT),
                "dmy": _literal(purchase_io.DMY_MOMENT),
                **{name: _literal(pattern) for name, pattern in purchase_io.NUMBER_FORMATS},
                "currency": _literal(purchase_io.CURRENCY_PREFIX),
                "first": purchase_io.EARLIEST_YEAR,
                "last": purchase_io.LATEST_YEAR,
                "fast_moment": _literal(FAST_MOMENT),
                "fast_number": _literal(FAST_NUMBER),
            }
            params = {"tz": settings.TIME_ZONE, "default_source": source, **visible_params}
            cursor.execute(_SLOW_SQL.format(fields=fields, fast_row=_FAST_ROW.format(**patterns), **patterns), params)
            cursor.execute(
                _PARSE_SQL.format(
                    fields=fields,
                    # A join on a column the file lacks would only hash every customer for nothing.
                    visible_ci=visible_sql.format(alias="ci") if "customer" in col else "FALSE",
                    visible_cr=visible_sql.format(alias="cr") if "customer_ref" in col else "FALSE",
                    **patterns,
                ),
                params,
            )
            cursor.execute(_DERIVE_SQL)
            cursor.execute(_DUPLICATES_SQL)
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE bad IS NULL) FROM purchase_parsed")
            outcome.rows, outcome.ok = cursor.fetchone()
            if dry_run:
                cursor.execute(
                    "SELECT count(*) FROM purchase_parsed p JOIN insights_purchase x "
                    "ON x.source = p.src AND x.external_id = p.ext WHERE p.bad IS NULL"
                )
                outcome.existing = cursor.fetchone()[0]
                outcome.created = outcome.ok - outcome.existing
            else:
                cursor.execute(_INSERT_SQL)
                outcome.created, ids = cursor.fetchone()
                outcome.existing = outcome.ok - outcome.created
                outcome.customer_ids = set(ids or ())
            cursor.execute("SELECT rec, bad, dup_of FROM purchase_parsed WHERE bad IS NOT NULL ORDER BY rec")
            rejected = cursor.fetchall()
            cursor.execute("DROP TABLE purchase_staging, purchase_slow, purchase_parsed")
        recs = [rec for rec, _bad, _dup in rejected] + [dup for _rec, _bad, dup in rejected if dup]
        lines = _lines_of(path, delimiter, recs, stream.irregular)
        column_of = {name: labels[i] for i, name in enumerate(mapping) if name}
        for rec, bad, dup_of in rejected:
            outcome.rejected += 1
            for name, message in _reasons(bad, dup_of, lines):
                outcome.errors.append(
                    {"line": lines[rec], "field": name, "column": column_of.get(name, name), "message": message}
                )
        return outcome

    # --- the report --------------------------------------------------------------------------------

    def _report(self, outcome: purchase_io.Outcome, rejects: str | None, path: Path, delimiter: str) -> None:
        for error in outcome.errors:
            column = f" [{error['column']}]" if error["column"] else ""
            self.stderr.write(f"line {error['line']}{column}: {error['message']}")
        if rejects:
            reasons: dict[int, list[str]] = {}
            for error in outcome.errors:
                prefix = f"{error['column']}: " if error["column"] else ""
                reasons.setdefault(error["line"], []).append(prefix + error["message"])
            with path.open(encoding="utf-8-sig", newline="") as source, open(rejects, "w", newline="") as target:
                writer = csv.writer(target, delimiter=delimiter)
                records = _records(source, delimiter)
                header = next(records, (1, []))[1]
                writer.writerow([purchase_io.csv_cell(cell) for cell in header] + ["line", "reason"])
                for line, cells in records:
                    if line in reasons:
                        writer.writerow(
                            [purchase_io.csv_cell(cell) for cell in cells]
                            + [line, purchase_io.csv_cell("; ".join(reasons[line]))]
                        )


class _Everyone:
    """The command run without --user: every customer (as for an administrator)."""

    is_active = is_authenticated = is_superuser = True
    pk = None
    _relasi_role = None

    def __init__(self) -> None:
        from crm_project.roles import Role

        self._relasi_role = Role.ADMIN


def _records(handle: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(physical line where the record starts, cells), streaming."""
    reader = csv.reader(handle, delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _stream_rows(path: Path, delimiter: str, mapping: list[str], header: list[str], progress: Progress):
    with path.open("rb") as raw:
        handle = io.TextIOWrapper(_CountingReader(raw, progress), encoding="utf-8-sig", newline="")
        records = _records(handle, delimiter)
        next(records, None)
        for line, cells in records:
            if purchase_io._is_blank(cells):
                continue
            values = {name: cells[i] for i, name in enumerate(mapping) if name and i < len(cells)}
            problems = []
            if not purchase_io._is_blank(cells[len(header) :]):
                problems.append(("", f"This line has {len(cells)} values but the header has {len(header)} columns."))
            yield purchase_io.RowIn(key=line, values=values, problems=problems)


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: Any, progress: Progress) -> None:
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        self.progress.advance(count or 0)
        return count


_BLANK_LINES = re.compile(r"(?m)^[ \t]*\r?\n")


class _CopyStream:
    """The file for COPY, in large pieces, without blank lines (COPY refuses them).

    Notes whether record numbers can differ from line numbers (quotes, which may
    hold line breaks, or removed blank lines); only then the rejected rows'
    lines are found by reading the file once more.
    """

    def __init__(self, path: Path, progress: Progress) -> None:
        self.handle = path.open(encoding="utf-8-sig", newline="")
        self.progress = progress
        self.tail = ""
        self.irregular = False

    def read(self, size: int = -1) -> str:
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.handle.close()
            text, self.tail = self.tail, ""
            return text.rstrip(" \t\r\n") + ("\n" if text.strip() else "")
        self.progress.advance(len(chunk))
        text = self.tail + chunk
        cut = text.rfind("\n") + 1
        text, self.tail = text[:cut], text[cut:]
        cleaned = _BLANK_LINES.sub("", text)
        if len(cleaned) != len(text) or '"' in text:
            self.irregular = True
        return cleaned

    def readline(self, size: int = -1) -> str:  # psycopg2 only calls read()
        return self.read(size)


def _lines_of(path: Path, delimiter: str, recs: list[int], irregular: bool) -> dict[int, int]:
    """Physical line per staging record number (the header is line 1, records count from 1)."""
    if not recs:
        return {}
    if not irregular:
        return {rec: rec + 1 for rec in recs}
    wanted, lines, rec = set(recs), {}, 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = _records(handle, delimiter)
        next(records, None)
        for line, cells in records:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line, which the COPY stream left out
            rec += 1
            if rec in wanted:
                lines[rec] = line
    return lines


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _visible_customers_sql(user: Any) -> tuple[str, dict[str, Any]]:
    """A condition on `{alias}.id` (format it) limiting customers to the user's scope.

    TRUE without --user and for the roles that see every customer (no subquery at all:
    the join stays a plain index or hash join); FALSE for a user without a role.
    """
    if user is None:
        return "TRUE", {}
    role = role_of(user)
    if role in SEES_ALL:
        return "TRUE", {}
    if role is None:
        return "FALSE", {}
    # No ORDER BY (Customer's default ordering): IN needs none, and sorting every visible customer costs.
    sql, params = Customer.objects.visible_to(user).order_by().values("pk").query.sql_with_params()
    named = {f"v{i}": value for i, value in enumerate(params)}
    for i in range(len(params)):
        sql = sql.replace("%s", f"%(v{i})s", 1)
    sql = sql.replace("{", "{{").replace("}", "}}")
    return "{alias}.id IN (" + sql + ")", named


# Bits of `bad`, the reasons a row is rejected (several may hold at once).
REASONS = {
    1: ("customer", "Name the customer by its id (customer) or its reference (customer_ref)."),
    2: ("customer", "Give the customer's id as a whole number."),
    4: ("customer", "Unknown customer."),
    8: ("purchased_at", "The date of the purchase is required."),
    16: ("purchased_at", "The value is not a date. Write 2025-12-31, 2025-12-31 14:05 or 31/12/2025."),
    32: ("amount", "The amount is required."),
    64: ("amount", "The amount is not a number. Write 1250000, 1.250.000,50 or 1,250,000.50."),
    128: ("amount", "The amount cannot be negative."),
    256: ("amount", "The amount is too large or has more than 2 decimals."),
    512: ("quantity", "The quantity is not a number, negative, too large or has more than 3 decimals."),
    1024: ("cost", "The cost is not a number, negative, too large or has more than 2 decimals."),
    2048: ("", "A text is too long (product 200, category 100, source 50, external id 100 characters)."),
    4096: ("external_id", "Line {line} has the same external id; each purchase needs its own."),
    8192: ("customer_ref", "Unknown customer."),
}


def _reasons(bad: int, dup_of: int | None, lines: dict[int, int]) -> list[tuple[str, str]]:
    reasons = []
    for bit, (name, message) in REASONS.items():
        if bad & bit:
            reasons.append((name, message.format(line=lines.get(dup_of, dup_of))))
    return reasons


# The staged row's fields, trimmed; shared by _SLOW_SQL and _PARSE_SQL (format it with the column names).
_RAW_FIELDS = """
    SELECT s.rec,
           nullif(btrim({customer}), '') AS customer_raw,
           nullif(btrim({customer_ref}), '') AS ref_raw,
           nullif(btrim({purchased_at}), '') AS at_raw,
           nullif(translate({amount}, {spaces}, ''), '') AS amount_raw,
           nullif(translate({quantity}, {spaces}, ''), '') AS quantity_raw,
           nullif(translate({cost}, {spaces}, ''), '') AS cost_raw,
           coalesce(btrim({product}), '') AS product,
           coalesce(btrim({category}), '') AS category,
           coalesce(nullif(btrim({source}), ''), %(default_source)s) AS src,
           nullif(btrim({external_id}), '') AS ext
    FROM purchase_staging s
    WHERE coalesce({customer}, {customer_ref}, {purchased_at}, {amount}, {quantity}, {cost}, {product},
                   {category}, {source}, {external_id}) IS NOT NULL
    OFFSET 0
"""

# The fast path: the shapes almost every export writes, which PostgreSQL's own casts read exactly as
# purchase_io does. A valid ISO date or date-time (two-digit fields, fraction with a dot, offset Z or
# +hh:mm after a time; the day is checked against the month in _FAST_ROW), years EARLIEST_YEAR to 2099:
FAST_MOMENT = (
    r"^(19[7-9][0-9]|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?)?$"
)
# Digits with at most two decimals after a dot (three would be dot_thousands), at most 16 (amount, cost)
# or 11 (quantity) characters: below the limits, never negative, exact in numeric. Anything else
# (Rp 1.250.000, 1,250.50, -5, 1.5e3 ...) takes the slow path. No {m,n} counts: they make the regexp slow.
FAST_NUMBER = r"^[0-9]+(\.[0-9][0-9]?)?$"
assert purchase_io.EARLIEST_YEAR == 1970 and purchase_io.LATEST_YEAR == 2099, "update FAST_MOMENT"

# True when every parsed field of row `f` is empty or of a fast shape.
_FAST_ROW = """
    (f.at_raw IS NULL OR (f.at_raw ~ {fast_moment}
        AND (substr(f.at_raw, 9, 2) <= '28'
             OR substr(f.at_raw, 9, 2) <= CASE
                 WHEN substr(f.at_raw, 6, 2) IN ('04', '06', '09', '11') THEN '30'
                 WHEN substr(f.at_raw, 6, 2) <> '02' THEN '31'
                 WHEN (left(f.at_raw, 4)::int %% 4 = 0 AND left(f.at_raw, 4)::int %% 100 <> 0)
                      OR left(f.at_raw, 4)::int %% 400 = 0 THEN '29'
                 ELSE '28' END)))
    AND (f.amount_raw IS NULL OR (length(f.amount_raw) <= 16 AND f.amount_raw ~ {fast_number}))
    AND (f.quantity_raw IS NULL OR (length(f.quantity_raw) <= 11 AND f.quantity_raw ~ {fast_number}))
    AND (f.cost_raw IS NULL OR (length(f.cost_raw) <= 16 AND f.cost_raw ~ {fast_number}))
"""

# The slow path: the rows with any other shape get the full pattern set of purchase_io, in SQL, into
# purchase_slow. The CTEs are materialised: inlined, each regexp would run again at every reference.
_SLOW_SQL = """
CREATE TEMP TABLE purchase_slow ON COMMIT DROP AS
WITH raw AS MATERIALIZED (
    SELECT f.rec, f.at_raw, f.amount_raw, f.quantity_raw, f.cost_raw
    FROM ({fields}) f
    WHERE NOT ({fast_row})
),
numbers AS MATERIALIZED (
    SELECT r.*, m.iso_m, m.dmy_m, a.amount_num, q.quantity_num, k.cost_num
    FROM raw r
    CROSS JOIN LATERAL (
        SELECT regexp_match(r.at_raw, {iso}) AS iso_m, regexp_match(r.at_raw, {dmy}) AS dmy_m
    ) m
    CROSS JOIN LATERAL (
        SELECT regexp_replace(CASE WHEN left(r.amount_raw, 1) = '-' THEN substr(r.amount_raw, 2) ELSE r.amount_raw END,
                              {currency}, '', 'i') AS amount_txt
    ) a0
    CROSS JOIN LATERAL (SELECT
        CASE WHEN a0.amount_txt ~ {plain} THEN a0.amount_txt::numeric
             WHEN a0.amount_txt ~ {dot_thousands} THEN replace(replace(a0.amount_txt, '.', ''), ',', '.')::numeric
             WHEN a0.amount_txt ~ {comma_thousands} THEN replace(a0.amount_txt, ',', '')::numeric
             WHEN a0.amount_txt ~ {decimal} THEN replace(a0.amount_txt, ',', '.')::numeric END AS amount_num) a
    CROSS JOIN LATERAL (SELECT
        CASE WHEN r.quantity_raw ~ {plain} THEN r.quantity_raw::numeric
             WHEN r.quantity_raw ~ {dot_thousands} THEN replace(replace(r.quantity_raw, '.', ''), ',', '.')::numeric
             WHEN r.quantity_raw ~ {comma_thousands} THEN replace(r.quantity_raw, ',', '')::numeric
             WHEN r.quantity_raw ~ {decimal} THEN replace(r.quantity_raw, ',', '.')::numeric END AS quantity_num) q
    CROSS JOIN LATERAL (
        SELECT regexp_replace(r.cost_raw, {currency}, '', 'i') AS cost_txt
    ) k0
    CROSS JOIN LATERAL (SELECT
        CASE WHEN k0.cost_txt ~ {plain} THEN k0.cost_txt::numeric
             WHEN k0.cost_txt ~ {dot_thousands} THEN replace(replace(k0.cost_txt, '.', ''), ',', '.')::numeric
             WHEN k0.cost_txt ~ {comma_thousands} THEN replace(k0.cost_txt, ',', '')::numeric
             WHEN k0.cost_txt ~ {decimal} THEN replace(k0.cost_txt, ',', '.')::numeric END AS cost_num) k
),
parts AS MATERIALIZED (
    SELECT n.rec, n.amount_num, n.quantity_num, n.cost_num,
           coalesce(n.iso_m[1], n.dmy_m[3])::int AS y,
           coalesce(n.iso_m[2], n.dmy_m[2])::int AS mo,
           coalesce(n.iso_m[3], n.dmy_m[1])::int AS d,
           coalesce(n.iso_m[4], n.dmy_m[4], '0')::int AS hh,
           coalesce(n.iso_m[5], n.dmy_m[5], '0')::int AS mi,
           coalesce(n.iso_m[6], n.dmy_m[6], '0')::int AS ss,
           coalesce(rpad(n.iso_m[7], 6, '0'), '0')::int AS us,
           n.iso_m[8] AS tz_txt
    FROM numbers n
)
SELECT p.rec, p.amount_num, p.quantity_num, p.cost_num,
    CASE WHEN p.y BETWEEN {first} AND {last} AND p.mo BETWEEN 1 AND 12 AND p.d >= 1
              AND p.d <= CASE WHEN p.mo IN (4, 6, 9, 11) THEN 30
                              WHEN p.mo = 2 THEN CASE WHEN (p.y %% 4 = 0 AND p.y %% 100 <> 0) OR p.y %% 400 = 0
                                                      THEN 29 ELSE 28 END
                              ELSE 31 END
              AND p.hh <= 23 AND p.mi <= 59 AND p.ss <= 59
              AND (p.tz_txt IS NULL OR upper(p.tz_txt) = 'Z'
                   OR (substr(p.tz_txt, 2, 2)::int <= 14 AND right(p.tz_txt, 2)::int <= 59))
         THEN CASE
             WHEN p.tz_txt IS NULL
                 THEN make_timestamp(p.y, p.mo, p.d, p.hh, p.mi, p.ss + p.us / 1e6) AT TIME ZONE %(tz)s
             WHEN upper(p.tz_txt) = 'Z'
                 THEN make_timestamp(p.y, p.mo, p.d, p.hh, p.mi, p.ss + p.us / 1e6) AT TIME ZONE 'UTC'
             ELSE (make_timestamp(p.y, p.mo, p.d, p.hh, p.mi, p.ss + p.us / 1e6)
                   - (CASE WHEN left(p.tz_txt, 1) = '-' THEN -1 ELSE 1 END)
                     * make_interval(hours => substr(p.tz_txt, 2, 2)::int,
                                     mins => CASE WHEN length(p.tz_txt) > 3 THEN right(p.tz_txt, 2)::int
                                                  ELSE 0 END)) AT TIME ZONE 'UTC'
         END
    END AS ts
FROM parts p
"""

# Then one statement checks every staged row into purchase_parsed, with the fast rows' values cast
# directly and the others' taken from purchase_slow; `bad` sums the REASONS bits. The patterns are
# purchase_io's, so that both paths accept exactly the same values. OFFSET 0 keeps each value computed
# once per row (a subquery pulled up would repeat its expressions at every reference).
_PARSE_SQL = """
CREATE TEMP TABLE purchase_parsed ON COMMIT DROP AS
SELECT m.rec, coalesce(ci.id, cr.id) AS customer_id, m.ts, m.ts AT TIME ZONE %(tz)s AS local_ts,
       CASE WHEN m.amount_num < 1e16 THEN round(m.amount_num, 2) END AS amount_ok,
       CASE WHEN m.quantity_num < 1e11 AND m.quantity_num = round(m.quantity_num, 3) THEN m.quantity_num END
           AS quantity_ok,
       CASE WHEN m.cost_num < 1e16 AND m.cost_num = round(m.cost_num, 2) THEN m.cost_num END AS cost_ok,
       left(m.product, 200) AS product, left(m.category, 100) AS category, left(m.src, 50) AS src,
       left(m.ext, 100) AS ext, NULL::bigint AS dup_of,
       nullif(
           CASE WHEN m.customer_raw IS NULL AND m.ref_raw IS NULL THEN 1 ELSE 0 END
         + CASE WHEN m.customer_raw IS NOT NULL AND m.customer_raw !~ '^[0-9]+$' THEN 2 ELSE 0 END
         + CASE WHEN m.customer_raw ~ '^[0-9]+$' AND ci.id IS NULL THEN 4
                WHEN m.customer_raw IS NULL AND m.ref_raw IS NOT NULL AND cr.id IS NULL THEN 8192 ELSE 0 END
         + CASE WHEN m.at_raw IS NULL THEN 8 WHEN m.ts IS NULL THEN 16 ELSE 0 END
         + CASE WHEN m.amount_raw IS NULL THEN 32 WHEN m.amount_num IS NULL THEN 64 WHEN m.amount_neg THEN 128
                WHEN m.amount_num >= 1e16 OR m.amount_num <> round(m.amount_num, 2) THEN 256 ELSE 0 END
         + CASE WHEN m.quantity_raw IS NOT NULL AND (m.quantity_num IS NULL OR m.quantity_neg
                     OR m.quantity_num >= 1e11 OR m.quantity_num <> round(m.quantity_num, 3)) THEN 512 ELSE 0 END
         + CASE WHEN m.cost_raw IS NOT NULL AND (left(m.cost_raw, 1) = '-' OR m.cost_num IS NULL
                     OR m.cost_num >= 1e16 OR m.cost_num <> round(m.cost_num, 2)) THEN 1024 ELSE 0 END
         + CASE WHEN length(m.product) > 200 OR length(m.category) > 100 OR length(m.src) > 50
                     OR length(m.ext) > 100 THEN 2048 ELSE 0 END,
       0) AS bad
FROM (
    SELECT f.*,
           left(f.amount_raw, 1) = '-' AS amount_neg,
           left(f.quantity_raw, 1) = '-' AS quantity_neg,
           CASE WHEN w.rec IS NOT NULL THEN w.ts
                WHEN length(f.at_raw) > 16 AND (right(f.at_raw, 1) = 'Z'
                                                OR substr(f.at_raw, length(f.at_raw) - 5, 1) IN ('+', '-'))
                    THEN f.at_raw::timestamptz
                ELSE f.at_raw::timestamp AT TIME ZONE %(tz)s END AS ts,
           CASE WHEN w.rec IS NULL THEN f.amount_raw::numeric ELSE w.amount_num END AS amount_num,
           CASE WHEN w.rec IS NULL THEN f.quantity_raw::numeric ELSE w.quantity_num END AS quantity_num,
           CASE WHEN w.rec IS NULL THEN f.cost_raw::numeric ELSE w.cost_num END AS cost_num,
           CASE WHEN f.customer_raw ~ '^[0-9]{{1,18}}$' THEN f.customer_raw::bigint END AS customer_num
    FROM ({fields}) f
    LEFT JOIN purchase_slow w ON w.rec = f.rec
    OFFSET 0
) m
LEFT JOIN accounts_customer ci ON ci.id = m.customer_num AND {visible_ci}
LEFT JOIN accounts_customer cr
       ON m.customer_raw IS NULL AND cr.external_ref = m.ref_raw AND cr.external_ref <> '' AND {visible_cr}
"""

_DERIVE_SQL = """
UPDATE purchase_parsed p SET ext = 'auto-' || d.h || '-' || d.n
FROM (
    SELECT rec, h, row_number() OVER (PARTITION BY h ORDER BY rec) AS n
    FROM (
        SELECT rec, md5(customer_id::text || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
                        || '|' || amount_ok::numeric(18, 2)::text
                        || '|' || coalesce(quantity_ok::numeric(14, 3)::text, '')
                        || '|' || product || '|' || category
                        || '|' || coalesce(cost_ok::numeric(18, 2)::text, '')) AS h
        FROM purchase_parsed WHERE bad IS NULL AND ext IS NULL
    ) x
) d
WHERE p.rec = d.rec
"""

# A second row of the file with the same (source, external id) is rejected, as in purchase_io.
_DUPLICATES_SQL = """
UPDATE purchase_parsed p SET bad = 4096, dup_of = d.first
FROM (
    SELECT src, ext, min(rec) AS first FROM purchase_parsed WHERE bad IS NULL
    GROUP BY src, ext HAVING count(*) > 1
) d
WHERE p.src = d.src AND p.ext = d.ext AND p.rec > d.first AND p.bad IS NULL
"""

_INSERT_SQL = """
WITH inserted AS (
    INSERT INTO insights_purchase (customer_id, purchased_at, purchased_on, amount, quantity, product, category,
                                   cost, source, external_id, created_at)
    SELECT customer_id, ts, local_ts::date, amount_ok, quantity_ok, product, category, cost_ok, src, ext, now()
    FROM purchase_parsed WHERE bad IS NULL
    -- In customer order, the customer indexes and the foreign key checks walk their pages in turn.
    ORDER BY customer_id, ts, rec
    ON CONFLICT (source, external_id) DO NOTHING
    RETURNING customer_id
)
SELECT count(*), array_agg(DISTINCT customer_id) FROM inserted
"""
