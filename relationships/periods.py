"""Evaluation periods: calendar quarters and years, named by a key (`2026-Q3`, `2026`).

The key is what URLs, filters and the API take; `start` and `end` are inclusive dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


_KEY = re.compile(r"(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    kind: str

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        """The period of `kind` that contains `day`."""
        if kind == PeriodKind.YEAR:
            return cls(dt.date(day.year, 1, 1), PeriodKind.YEAR)
        if kind == PeriodKind.QUARTER:
            return cls(dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1), PeriodKind.QUARTER)
        raise ValueError(f"unknown period kind {kind!r}")

    @classmethod
    def parse(cls, key: str) -> Period:
        """`2026` is a year, `2026-Q3` a quarter; anything else raises ValueError."""
        match = _KEY.fullmatch((key or "").strip().upper())
        if match is None or not 2000 <= int(match["year"]) <= 2100:
            raise ValueError(gettext("Write a period as a year (2026) or a quarter (2026-Q3)."))
        year = int(match["year"])
        if match["quarter"]:
            return cls(dt.date(year, (int(match["quarter"]) - 1) * 3 + 1, 1), PeriodKind.QUARTER)
        return cls(dt.date(year, 1, 1), PeriodKind.YEAR)

    @property
    def end(self) -> dt.date:
        if self.kind == PeriodKind.YEAR:
            return dt.date(self.start.year, 12, 31)
        following = self.start.month + 3
        if following > 12:
            return dt.date(self.start.year, 12, 31)
        return dt.date(self.start.year, following, 1) - dt.timedelta(days=1)

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def key(self) -> str:
        return f"{self.start.year}-Q{self.quarter}" if self.kind == PeriodKind.QUARTER else str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return gettext("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.start.year}
        return str(self.start.year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return self.label

    def previous(self) -> Period:
        return Period.of(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.kind, self.end + dt.timedelta(days=1))

    def year_before(self) -> Period:
        """The same period one year earlier (growth compares with it)."""
        return Period(self.start.replace(year=self.start.year - 1), self.kind)

    def recent(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods[::-1]

    def is_over(self, today: dt.date) -> bool:
        return self.end < today

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def current(kind: str, today: dt.date) -> Period:
    return Period.of(kind, today)


def latest_closed(kind: str, today: dt.date) -> Period:
    """The last period that has ended: what a GM evaluates by default."""
    return Period.of(kind, today).previous()
