"""Periods: ``2026-10`` (a month), ``2026-Q2`` (a quarter), ``2026`` (a year), or an explicit
date range. Both ends are inclusive. The reference period is the previous one of the same
length unless a program names another (``same_last_year`` or a literal period).

>>> Period.parse("2026-Q2").previous().label
'2026-Q1'
>>> Period.parse("2026-01").previous().label
'2025-12'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # month, quarter, year, range
    start: dt.date
    end: dt.date  # inclusive

    @staticmethod
    def parse(text: str) -> Period:
        t = text.strip()
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", t):
            y, q = int(m[1]), int(m[2])
            return Period(t, "quarter", dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", t):
            y, mo = int(m[1]), int(m[2])
            return Period(t, "month", dt.date(y, mo, 1), _month_end(y, mo))
        if re.fullmatch(r"\d{4}", t):
            y = int(t)
            return Period(t, "year", dt.date(y, 1, 1), dt.date(y, 12, 31))
        raise ValueError(f"{text!r} is not a period (write 2026-10, 2026-Q2 or 2026)")

    @staticmethod
    def between(start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise ValueError("the period ends before it starts")
        return Period(f"{start.isoformat()}..{end.isoformat()}", "range", start, end)

    def shift(self, steps: int) -> Period:
        if self.kind == "year":
            return Period.parse(str(self.start.year + steps))
        if self.kind in ("month", "quarter"):
            months = 1 if self.kind == "month" else 3
            index = self.start.year * 12 + self.start.month - 1 + steps * months
            y, m0 = divmod(index, 12)
            if self.kind == "month":
                return Period.parse(f"{y:04d}-{m0 + 1:02d}")
            return Period.parse(f"{y:04d}-Q{m0 // 3 + 1}")
        length = (self.end - self.start).days + 1
        start = self.start + dt.timedelta(days=steps * length)
        return Period.between(start, start + dt.timedelta(days=length - 1))

    def containing(self, day: dt.date) -> Period:
        """The period of this kind that holds ``day`` (a range shifts by whole lengths).

        >>> Period.parse("2026-05").containing(dt.date(2026, 4, 20)).label
        '2026-04'
        """
        if self.kind == "month":
            return Period.parse(f"{day.year:04d}-{day.month:02d}")
        if self.kind == "quarter":
            return Period.parse(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")
        if self.kind == "year":
            return Period.parse(f"{day.year:04d}")
        return self.shift((day - self.start).days // self.days)

    def previous(self) -> Period:
        return self.shift(-1)

    def same_last_year(self) -> Period:
        per_year = {"month": 12, "quarter": 4, "year": 1}.get(self.kind)
        if per_year is None:
            return Period.between(self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1))
        return self.shift(-per_year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def reference_of(period: Period, reference: str) -> Period:
    if reference == "previous":
        return period.previous()
    if reference == "same_last_year":
        return period.same_last_year()
    return Period.parse(reference)


def fits(program_period: str, run_period: Period) -> bool:
    """A recurring program (month/quarter/year) fits any run period of its kind; a fixed one
    fits only itself."""
    if program_period in ("month", "quarter", "year"):
        return program_period == run_period.kind
    return program_period == run_period.label
