"""Tier tables: marginal, retroactive and linear, on a period total or deal by deal.

YAML::

    - id: commission
      type: tiers
      base: revenue
      method: marginal        # or retroactive, or linear (points: at / pays)
      bound: upper            # 75,000 exactly belongs to the 7% tier
      scope: period           # or deal, or running
      tiers:
        - {up_to: 75000, rate: 5%}
        - {rate: 7%}

Worked example (PROGRAMS.md, the Q2 plan): revenue 100,000 pays
75,000 x 5% = 3,750 plus 25,000 x 7% = 1,750, so 5,500 marginal; retroactive pays
100,000 x 7% = 7,000.

Rules:
* ``bound: upper``: a value exactly on ``up_to`` belongs to the tier above; ``lower``: to the
  tier it closes. For retroactive tables this changes the rate; for marginal tables the
  amount is the same either way (the function is continuous) and only the tier named on the
  statement changes.
* The first tier reaches down to minus infinity, so a negative base pays at the first rate
  (exactly like a flat rate); the last tier is open-ended.
* Linear tables pay the straight line between points; below the first point they pay the
  first point's amount, above the last point the last point's amount.
* Scopes: ``period`` applies the table once to the period total; ``deal`` to each deal on its
  own; ``running`` to each deal on the person's running total in close-date order (ties by
  deal id, then file row, so the order of rows in an export never matters). Marginal running equals marginal period in total; retroactive running pays
  each deal at the rate its running total reached, with no uplift of earlier deals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .model import BasisStep, Tier


@dataclass(frozen=True)
class TierTable:
    """A marginal/retroactive table with bounds in the units of the value that selects it."""

    bounds: tuple[Decimal, ...]  # up_to of every tier but the last
    rates: tuple[Decimal, ...]
    labels: tuple[str, ...]
    upper: bool  # a value on a bound belongs to the upper tier

    @staticmethod
    def of(tiers: tuple[Tier, ...], bound: str | None, scale: Decimal = Decimal(1)) -> TierTable:
        bounds = tuple(t.up_to * scale for t in tiers[:-1] if t.up_to is not None)
        rates = tuple(t.rate or Decimal(0) for t in tiers)
        labels = tuple(t.name or f"tier {i + 1} ({_pct(t.rate)})" for i, t in enumerate(tiers))
        return TierTable(bounds, rates, labels, bound != "lower")

    def index(self, x: Decimal) -> int:
        if self.upper:
            return sum(1 for b in self.bounds if x >= b)
        return sum(1 for b in self.bounds if x > b)

    def marginal(self, x: Decimal) -> tuple[Decimal, list[BasisStep]]:
        total = Decimal(0)
        steps = []
        for i, rate in enumerate(self.rates):
            lo = self.bounds[i - 1] if i > 0 else None
            hi = self.bounds[i] if i < len(self.bounds) else None
            if lo is None:
                part = x if hi is None else min(x, hi)
            else:
                part = max(Decimal(0), (x if hi is None else min(x, hi)) - lo)
            if part == 0 and i > self.index(x):
                continue
            amount = part * rate
            total += amount
            if lo is None:
                rng = "all" if hi is None else f"up to {_num(hi)}"
            else:
                rng = f"above {_num(lo)}" if hi is None else f"{_num(lo)} to {_num(hi)}"
            steps.append(BasisStep(self.labels[i], base=part, rate=rate, threshold=lo, amount=amount, note=f"the part {rng}"))
        return total, steps

    def retroactive(self, on_value: Decimal, base: Decimal) -> tuple[Decimal, list[BasisStep]]:
        i = self.index(on_value)
        rate = self.rates[i]
        lo = self.bounds[i - 1] if i > 0 else None
        return base * rate, [BasisStep(self.labels[i], base=base, rate=rate, threshold=lo, amount=base * rate, note="whole base at the rate reached")]

    def next_bound(self, x: Decimal) -> tuple[Decimal, str] | None:
        i = self.index(x)
        if i < len(self.bounds):
            nb = self.bounds[i]  # the tier reached there: past every bound equal to it (zero-width bands)
            return nb, self.labels[sum(1 for b in self.bounds if b <= nb)]
        return None


def linear(x: Decimal, tiers: tuple[Tier, ...]) -> tuple[Decimal, list[BasisStep]]:
    pts = [(t.at, t.pays) for t in tiers if t.at is not None and t.pays is not None]
    if x <= pts[0][0]:
        return pts[0][1], [BasisStep("at or below the first point", threshold=pts[0][0], amount=pts[0][1])]
    if x >= pts[-1][0]:
        return pts[-1][1], [BasisStep("at or above the last point", threshold=pts[-1][0], amount=pts[-1][1])]
    for (a0, p0), (a1, p1) in zip(pts, pts[1:], strict=False):
        if a0 <= x <= a1:
            amount = p0 + (x - a0) * (p1 - p0) / (a1 - a0)
            return amount, [BasisStep(f"between {_num(a0)} and {_num(a1)}", base=x, threshold=a0, amount=amount, note=f"{_num(p0)} + ({_num(x)} - {_num(a0)}) x ({_num(p1)} - {_num(p0)}) / ({_num(a1)} - {_num(a0)})")]
    raise AssertionError("unreachable")


def _pct(rate: Decimal | None) -> str:
    if rate is None:
        return "-"
    return f"{(rate * 100).normalize():f}%"


def _num(d: Decimal) -> str:
    """A bound for people: 75,000; 29,670.33 (a bound scaled by a prorated target, to the cent)."""
    if d == d.to_integral_value():
        return f"{d.normalize():,f}"
    exponent = d.normalize().as_tuple().exponent
    return f"{round(d, 2).normalize():,f}" if isinstance(exponent, int) and exponent < -6 else f"{d.normalize():f}"


# --- deal by deal, vectorised --------------------------------------------------------------


def _int_scale(values: list[Decimal]) -> int:
    """Smallest power of ten that makes every value whole."""
    m = 0
    for v in values:
        exp = v.normalize().as_tuple().exponent
        if isinstance(exp, int) and -exp > m:
            m = -exp
    return m


@dataclass(frozen=True)
class DealAmounts:
    """What each row earned through a table, in the order given: ``num[k] / den``."""

    num: np.ndarray  # int64, or object (Python ints) where int64 could overflow
    den: int
    reached: np.ndarray  # the tier (or linear segment) each row's value or running total fell in
    running: np.ndarray | None  # running total after each row, in the amounts' units (running order only)


def per_deal(
    method: str,
    scope: str,
    table: TierTable,
    values: tuple[np.ndarray, int],  # int64 units sorted by person then date, and their decimal places
    group_starts: np.ndarray,  # index of each person's first row
) -> DealAmounts:
    """Exact amounts of every row for deal or running scope (``running`` also serves a period
    total's marginal attribution: the deals fill the tiers in closing order), in integer
    arithmetic. Values are scaled to whole numbers (minor units, times a power of ten when a
    bound has more decimals); products with rates stay int64 unless they could overflow, in
    which case Python integers take over."""
    amounts, amount_places = values
    rate_scale = _int_scale(list(table.rates))
    m = max(0, _int_scale(list(table.bounds)) - amount_places)
    x = amounts.astype(object) if m > 6 else amounts.astype(np.int64) * (10**m)
    rate_num = [int(r.scaleb(rate_scale)) for r in table.rates]
    bnd = [int(b.scaleb(amount_places + m)) for b in table.bounds]
    # overflow guard: values x rates summed per person must stay inside int64
    max_abs = int(np.abs(x).max()) if len(x) else 0
    total_abs = int(np.abs(x).sum()) if len(x) else 0
    if max(max_abs, total_abs, *[abs(b) for b in bnd]) * max([abs(r) for r in rate_num] + [1]) * (len(rate_num) + 4) >= 2**62:
        x = x.astype(object)
    running = None
    if scope == "running":
        c_after = _group_cumsum(x, group_starts)
        c_before = c_after - x
        running = _group_cumsum(amounts.astype(np.int64), group_starts)
    val = x if scope == "deal" else c_after
    reached = np.searchsorted(np.array(bnd, dtype=x.dtype), val, side="right" if table.upper else "left") if len(bnd) else np.zeros(len(x), dtype=np.int64)
    num: np.ndarray = np.zeros(len(x), dtype=x.dtype)
    for i, rate in enumerate(rate_num):
        lo = bnd[i - 1] if i > 0 else None
        hi = bnd[i] if i < len(bnd) else None
        if method == "marginal":
            part = _slice(x, lo, hi) if scope == "deal" else _slice(c_after, lo, hi) - _slice(c_before, lo, hi)
        else:  # retroactive: the whole row at the rate its value (or running total) reached
            part = np.where(reached == i, x, 0)
        num = num + part * rate
    return DealAmounts(num, 10 ** (amount_places + m + rate_scale), np.asarray(reached, dtype=np.int64), running)


def chosen_per_deal(table: TierTable, values: tuple[np.ndarray, int], selector: tuple[np.ndarray, int]) -> DealAmounts:
    """Each deal's tier chosen by another of its values (``tier_by``: its margin %), the
    tier's rate applied to its base value: amount = value x rate of the tier the selector
    falls in (bound rule as declared). Exact integers."""
    amounts, amount_places = values
    sel, sel_places = selector
    rate_scale = _int_scale(list(table.rates))
    m = max(0, _int_scale(list(table.bounds)) - sel_places)
    s = sel.astype(object) * 10**m if m > 6 else sel.astype(np.int64) * 10**m
    bnd = [int(b.scaleb(sel_places + m)) for b in table.bounds]
    reached = np.searchsorted(np.array(bnd, dtype=s.dtype), s, side="right" if table.upper else "left") if bnd else np.zeros(len(s), dtype=np.int64)
    rate_num = np.array([int(r.scaleb(rate_scale)) for r in table.rates], dtype=object)
    x = amounts.astype(object)
    num = x * rate_num[np.asarray(reached, dtype=np.int64)]
    return DealAmounts(num, 10 ** (amount_places + rate_scale), np.asarray(reached, dtype=np.int64), None)


def linear_per_deal(scope: str, tiers: tuple[Tier, ...], amounts: np.ndarray, amount_places: int, group_starts: np.ndarray, per_unit: Decimal = Decimal(1)) -> DealAmounts:
    """A linear table deal by deal: ``deal`` puts each deal's value through the table;
    ``running`` gives each deal the table's rise from the running total before it to the
    running total after it (the first deal of a person: the table's value at its running
    total), so the deals add up to the table on the period total. ``per_unit`` divides the
    value before it meets the points (a running attainment: the running total over the
    target). Exact fractions; the common denominator joins them."""
    pts = [(Fraction(t.at), Fraction(t.pays)) for t in tiers if t.at is not None and t.pays is not None]
    unit = Fraction(per_unit) * 10**amount_places

    def f(units: int) -> tuple[Fraction, int]:
        v = Fraction(units) / unit
        if v <= pts[0][0]:
            return pts[0][1], 0
        for k, ((a0, p0), (a1, p1)) in enumerate(zip(pts, pts[1:], strict=False), start=1):
            if v <= a1:
                return p0 + (v - a0) * (p1 - p0) / (a1 - a0), k
        return pts[-1][1], len(pts)

    vals = amounts.astype(np.int64)
    running = _group_cumsum(vals, group_starts) if scope == "running" else None
    starts = set(group_starts.tolist())
    out: list[Fraction] = []
    reached: list[int] = []
    before = Fraction(0)
    for k, u in enumerate((running if running is not None else vals).tolist()):
        amount, seg = f(int(u))
        if running is not None:
            if k in starts:
                before = Fraction(0)
            out.append(amount - before)
            before = amount
        else:
            out.append(amount)
        reached.append(seg)
    den = 1
    for q in out:
        den = den * q.denominator // math.gcd(den, q.denominator)
    num = np.array([int(q * den) for q in out], dtype=object)
    return DealAmounts(num, den, np.array(reached, dtype=np.int64), running)


def linear_labels(tiers: tuple[Tier, ...]) -> tuple[str, ...]:
    """Names of a linear table's segments, as ``linear_per_deal`` numbers them."""
    pts = [(t.at, t.pays) for t in tiers if t.at is not None and t.pays is not None]
    inner = [f"between {_num(a0)} and {_num(a1)}" for (a0, _), (a1, _) in zip(pts, pts[1:], strict=False)]
    return ("at or below the first point", *inner, "at or above the last point")


def _slice(v: np.ndarray, lo: int | None, hi: int | None) -> np.ndarray:
    if lo is None:
        return v if hi is None else np.minimum(v, hi)
    top = v if hi is None else np.minimum(v, hi)
    return np.maximum(top - lo, 0)


def _group_cumsum(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    c = np.cumsum(x)
    if len(starts) > 1:
        offsets = np.zeros(len(x), dtype=c.dtype)
        before = c[starts[1:] - 1]
        offsets[starts[1:]] = before - np.concatenate(([0], before[:-1])).astype(c.dtype)
        c = c - np.cumsum(offsets)
    return c
