"""Monthly RFM snapshots for past month ends, computed from the purchase history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from insights import rollup, services
from insights.models import RollupRun


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"Not a month (YYYY-MM): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Compute the monthly RFM snapshot of every month end from the first purchase (or --from) "
        "to last month (or --to). Months already done are recomputed only with --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", type=_month, help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", type=_month, help="last month, YYYY-MM (default: last month)")
        parser.add_argument("--force", action="store_true", help="recompute months that have a snapshot already")

    def handle(self, *args: Any, first: dt.date | None, last: dt.date | None, force: bool, **options: Any) -> None:
        last_complete = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        if last is not None and rollup.month_end(last) > last_complete:
            raise CommandError("--to must be a complete month (last month or earlier).")
        months = rollup.snapshot_months(first=first, last=last or last_complete)
        done = skipped = 0
        for month_end in months:
            if not force and rollup.snapshot_exists(as_of=month_end):
                skipped += 1
                continue
            run = services.rollup_run_now(kind=RollupRun.Kind.SNAPSHOT, as_of=month_end)
            done += 1
            self.stdout.write(f"{month_end:%Y-%m}: {run.rows} customers")
        self.stdout.write(self.style.SUCCESS(f"{done} month(s) computed, {skipped} already there."))
