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

from dataclasses import dataclass
from decimal import Decimal

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
            return self.bounds[i], self.labels[i + 1]
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


def per_deal(
    method: str,
    scope: str,
    table: TierTable,
    amounts: np.ndarray,  # int64 minor units, already sorted by person then date
    amount_places: int,
    group_starts: np.ndarray,  # index of each person's first row
) -> tuple[list[Decimal], list[list[tuple[Decimal, Decimal]]]]:
    """Exact amounts per person for deal or running scope, in integer arithmetic.

    Returns the amount per person, and per person (base in tier, amount in tier) for each
    tier. Values are scaled to whole numbers (minor units, times a power of ten when a bound
    has more decimals); products with rates stay int64 unless they could overflow, in which
    case Python integers take over."""
    n_tiers = len(table.rates)
    rate_scale = _int_scale(list(table.rates))
    bound_scale = max(0, _int_scale(list(table.bounds)) - amount_places)
    m = bound_scale
    x = amounts.astype(object) if m > 6 else amounts.astype(np.int64) * (10**m)
    rate_num = [int(r.scaleb(rate_scale)) for r in table.rates]
    bnd = [int(b.scaleb(amount_places + m)) for b in table.bounds]
    # overflow guard: values x rates summed per person must stay inside int64
    max_abs = int(np.abs(x).max()) if len(x) else 0
    total_abs = int(np.abs(x).sum()) if len(x) else 0
    if max(max_abs, total_abs) * max([abs(r) for r in rate_num] + [1]) * 4 >= 2**62:
        x = x.astype(object)
    if scope == "running":
        c_after = _group_cumsum(x, group_starts)
        c_before = c_after - x
    tier_base = []
    tier_amt = []
    for i in range(n_tiers):
        lo = bnd[i - 1] if i > 0 else None
        hi = bnd[i] if i < len(bnd) else None
        if method == "marginal":
            if scope == "deal":
                part = _slice(x, lo, hi)
            else:
                part = _slice(c_after, lo, hi) - _slice(c_before, lo, hi)
        else:  # retroactive
            val = x if scope == "deal" else c_after
            if table.upper:
                in_tier = (val >= lo if lo is not None else np.ones(len(val), bool)) & (val < hi if hi is not None else True)
            else:
                in_tier = (val > lo if lo is not None else np.ones(len(val), bool)) & (val <= hi if hi is not None else True)
            part = np.where(np.asarray(in_tier, dtype=bool), x, 0)
        tier_base.append(part)
        tier_amt.append(part * rate_num[i])
    denom_base = amount_places + m
    denom_amt = denom_base + rate_scale
    people_tiers: list[list[tuple[Decimal, Decimal]]] = []
    totals: list[Decimal] = []
    if len(x) == 0:
        return totals, people_tiers
    sums_base = [np.add.reduceat(b, group_starts) for b in tier_base]
    sums_amt = [np.add.reduceat(a, group_starts) for a in tier_amt]
    for g in range(len(group_starts)):
        per = [(Decimal(int(sums_base[i][g])).scaleb(-denom_base), Decimal(int(sums_amt[i][g])).scaleb(-denom_amt)) for i in range(n_tiers)]
        people_tiers.append(per)
        totals.append(sum((a for _, a in per), Decimal(0)))
    return totals, people_tiers


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
