"""Compute (or recompute) the programme's stored period figures.

manage.py compute_periods 2026-Q3 2026      # these periods
manage.py compute_periods --recent 8        # the last 8 quarters and the years they touch
manage.py compute_periods                   # what the nightly job would compute
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relationships import services
from relationships.periods import Period, PeriodKind


class Command(BaseCommand):
    help = "Compute the key-account programme's figures for periods (quarters like 2026-Q3, years like 2026)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("periods", nargs="*", help="Period keys: 2026-Q3 or 2026.")
        parser.add_argument("--recent", type=int, default=0, help="The last N quarters and the years they touch.")

    def handle(self, *args: Any, periods: list[str], recent: int, **options: Any) -> None:
        today = timezone.localdate()
        try:
            chosen = [Period.parse(key) for key in periods]
        except ValueError as error:
            raise CommandError(str(error)) from error
        if recent:
            quarters = Period.of(PeriodKind.QUARTER, today).recent(recent)
            years = sorted({Period.of(PeriodKind.YEAR, q.start) for q in quarters})
            chosen += quarters + years
        if not chosen:
            chosen = services.periods_due(today=today)
        for period in chosen:
            started = time.perf_counter()
            try:
                computation = services.period_compute(period=period, today=today)
            except ValidationError as error:
                raise CommandError(f"{period.key}: {'; '.join(error.messages)}") from error
            self.stdout.write(
                f"{period.key}: {computation.key_accounts} key accounts, data until {computation.data_until}, "
                f"{time.perf_counter() - started:.2f} s"
            )
