"""Seasons and active windows (catalogue kind 9): calendar windows that scale a program's
targets, or the window a program runs in. A window is written with full dates (2017-11-15)
or as a month and day that recur every year (11-15); a recurring window may wrap the year
end (12-15 to 01-15). Both end dates belong to the window.

>>> import datetime as dt
>>> [(a.isoformat(), b.isoformat()) for a, b in resolve("12-15", "01-15", dt.date(2026, 1, 1), dt.date(2026, 3, 31))]
[('2025-12-15', '2026-01-15')]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from .model import Season
from .periods import Period


def _day(text: str, year: int) -> dt.date:
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    month, day = int(text[:2]), int(text[3:])
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28  # 29 February in a year without one: the 28th
    return dt.date(year, month, day)


def resolve(start: str, end: str, lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The window's occurrences that touch [lo, hi]."""
    if len(start) == 10:
        a, b = _day(start, 0), _day(end, 0)
        return [(a, b)] if a <= hi and b >= lo else []
    out = []
    for y in range(lo.year - 1, hi.year + 1):
        a = _day(start, y)
        b = _day(end, y if (end[:2], end[3:]) >= (start[:2], start[3:]) else y + 1)
        if a <= hi and b >= lo:
            out.append((a, b))
    return out


def inside(window: Season, dates: np.ndarray, period: Period) -> np.ndarray:
    """Which of ``dates`` (datetime64[D]) fall in the window's occurrences within the period."""
    hit = np.zeros(len(dates), dtype=bool)
    for a, b in resolve(window.start, window.end, period.start, period.end):
        hit |= (dates >= np.datetime64(a)) & (dates <= np.datetime64(b))
    return hit


def overlap_days(start: str, end: str, period: Period) -> int:
    days = 0
    for a, b in resolve(start, end, period.start, period.end):
        days += (min(b, period.end) - max(a, period.start)).days + 1
    return days


def season_factor(seasons: tuple[Season, ...], period: Period) -> tuple[Decimal, str, list[str]]:
    """The day-weighted scale of the period, how it was reached, and the names of seasons
    that overlap each other within it (an error for the caller)."""
    days = period.days
    covered = 0
    weighted = Decimal(0)
    parts = []
    for s in seasons:
        n = overlap_days(s.start, s.end, period)
        if n:
            covered += n
            weighted += s.scale * n
            parts.append(f"{s.name} {n} day{'s' if n != 1 else ''} at {(s.scale * 100).normalize():f}%")
    clashes = []
    if covered > days or len(parts) > 1:
        day = period.start
        while day <= period.end:
            hits = [s.name for s in seasons if any(a <= day <= b for a, b in resolve(s.start, s.end, day, day))]
            if len(hits) > 1:
                clashes = hits
                break
            day += dt.timedelta(days=1)
    rest = days - covered
    if rest > 0 and parts:
        parts.append(f"{rest} day{'s' if rest != 1 else ''} at 100%")
    factor = (weighted + rest) / days if parts else Decimal(1)
    return factor, ", ".join(parts), clashes
