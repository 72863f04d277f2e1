"""Deal attribution: which fact rows earned a payout line, and what each of them earned. Pure.

Every component paid on facts (``rate``, ``tiers``, ``split``) gives each of its lines an
``Attribution``: the rows that earned it and each row's exact amount, held as whole numbers
over one denominator (``num / den``), so the rows add up to the line's exact amount with no
rounding at all, whatever the arithmetic (a linear table's interpolation, a cap's share).
When the line is rounded, the paid cents are spread over the rows by largest remainder, so
the rounded per-deal figures add up to the paid line to the cent (``settle``); a plan that
rounds each sale (``rounding: {per: deal}``) rounds every row first (``round_each``).

How the rows share a line depends on the component and is written on the statement:

* ``scope: deal``: each deal earned what the table gives it on its own;
* ``scope: running``: each deal earned the table's increase from the running total before
  it to the running total after it (close-date order; ties by deal id, then file row);
* ``scope: period`` with marginal tiers (``attribution: marginal``, the default): the deals
  fill the tiers in closing order, so the same arithmetic as ``running``;
* ``attribution: proportional`` (the default for retroactive, linear and flat rates): each
  deal earned the line's amount times its share of the base;
* ``split``: each deal earned the person's part of its pool.

Worked example (a test checks it): marginal tiers per deal, 1 % to 1,000, 2 % to 3,000,
3 % to 8,000 and 5 % above, over sales of 200, 300, 1,500, 1,200, 2,000 and 4,500 earn 2.00,
3.00, 20.00, 14.00, 30.00 and 95.00: 164.00, and a lost sale of 200 gives back 2.00.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ..money import Rounding
from .data import FactTable

INT64_SAFE = 2**62

MARGINAL_RULE = "marginal: the deals fill the tiers in closing order"
PROPORTIONAL_RULE = "proportional: each deal earns the line times its share of the base"
DEAL_RULE = "each deal on its own through the table"
RUNNING_RULE = "each deal earns what the table adds on the running total (close-date order)"
DEAL_BY_DEAL = (DEAL_RULE, RUNNING_RULE)  # lines whose every deal has its own steps (a deal-by-deal table)


@dataclass(frozen=True, eq=False)
class Attribution:
    """What each fact row earned of one payout line: ``num[k] / den`` for row ``rows[k]``."""

    rule: str  # how the line was shared over its rows, as the statement says it
    rows: np.ndarray  # int64 data row indices (``_i``) of the fact table
    num: np.ndarray  # int64, or object (Python ints) where int64 could overflow
    den: int  # > 0
    value: np.ndarray  # int64: each row's base value (what it was credited with), at value_scale
    value_scale: int
    table: str = "deals"
    running: np.ndarray | None = None  # running total after each row (value_scale), in the order paid
    tier: np.ndarray | None = None  # index of the tier each row reached (-1: none)
    tier_labels: tuple[str, ...] = ()
    role: np.ndarray | None = None  # split: the role held (object)
    share: np.ndarray | None = None  # split: the person's share of the deal's pool (object Decimal)
    paid: np.ndarray | None = None  # int64 minor units once the line is rounded (settle)
    places: int = 2

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> Fraction:
        return Fraction(_sum(self.num), self.den)

    def exact(self, k: int) -> Decimal:
        """Row k's exact amount (a decimal with up to 60 significant digits)."""
        return Decimal(int(self.num[k])) / Decimal(self.den)

    def paid_amount(self, k: int) -> Decimal:
        assert self.paid is not None
        return Decimal(int(self.paid[k])).scaleb(-self.places)

    def value_amount(self, k: int) -> Decimal:
        return Decimal(int(self.value[k])).scaleb(-self.value_scale)


def _ints(values: Any) -> np.ndarray:
    """An integer array: int64 where every value fits comfortably, else Python ints."""
    arr = np.asarray(values)
    if arr.dtype == object:
        big = max((abs(int(v)) for v in arr), default=0)
        return arr.astype(np.int64) if big < INT64_SAFE else arr
    return arr.astype(np.int64, copy=False)


def times(num: np.ndarray, k: int, den: int = 1) -> np.ndarray:
    """num x k without int64 overflow (Python ints also when the result is to be divided by
    a denominator outside int64)."""
    if num.dtype != object and len(num) and den < INT64_SAFE:
        big = int(np.abs(num).max())
        if big * abs(k) < INT64_SAFE:
            return num * k
    return num.astype(object) * k


def fraction_of(d: Decimal) -> tuple[int, int]:
    """A decimal as (numerator, power-of-ten denominator)."""
    sign, digits, exp = d.as_tuple()
    n = int("".join(map(str, digits)) or 0) * (-1 if sign else 1)
    assert isinstance(exp, int)
    return (n * 10**exp, 1) if exp >= 0 else (n, 10**-exp)


Values = tuple[np.ndarray, int]  # each row's base value in units, and their scale (decimal places)


def make(rule: str, rows: np.ndarray, num: Any, den: int, values: Values, **extra: Any) -> Attribution:
    value, value_scale = values
    return Attribution(rule, np.asarray(rows, dtype=np.int64), _ints(num), int(den), np.asarray(value, dtype=np.int64), value_scale, **extra)


def proportional(rule: str, rows: np.ndarray, values: Values, total: Decimal, **extra: Any) -> Attribution | None:
    """``total`` shared over the rows by their values, exactly: row k earns total x v_k / V.
    None when the values add up to zero (nothing to share by)."""
    v = np.asarray(values[0], dtype=np.int64)
    value_scale = values[1]
    whole = int(v.sum()) if len(v) else 0
    if whole == 0:
        return None
    n, d = fraction_of(total)
    if whole < 0:  # the denominator stays positive
        n, whole = -n, -whole
    return make(rule, rows, times(v, n), d * whole, (v, value_scale), **extra)


def scaled(a: Attribution, new_total: Decimal) -> Attribution | None:
    """The same rows sharing ``new_total`` in the proportions they had (a cap, a floor): row
    k's num_k / den becomes num_k x C / W for the new total C and the old numerators' sum W.
    None when they had nothing to share by."""
    whole = _sum(a.num)
    if whole == 0:
        return None
    n, d = fraction_of(new_total)
    if whole < 0:
        n, whole = -n, -whole
    return replace(a, num=_ints(times(a.num, n)), den=d * whole)


def _sum(num: np.ndarray) -> int:
    """The exact sum of an integer array (int64 where it cannot overflow)."""
    if not len(num):
        return 0
    if num.dtype != object and int(np.abs(num).max()) * len(num) < INT64_SAFE:
        return int(num.sum())
    return int(np.sum(num.astype(object)))


def clamped(a: Attribution, floor: Decimal | None, cap: Decimal | None) -> tuple[Attribution, int, int]:
    """Each row's amount raised to at least ``floor`` and limited to at most ``cap`` (per-deal
    floors and caps); also how many rows were raised and how many limited."""
    num, den = a.num, a.den
    scale = 1
    for limit in (floor, cap):
        if limit is not None:
            scale = math.lcm(scale, fraction_of(limit)[1])
    num, den = times(num, scale, den * scale), den * scale

    def units(limit: Decimal) -> int:
        n, d = fraction_of(limit)
        return n * den // d

    raised = limited = 0
    if floor is not None:
        low = units(floor)
        below = np.asarray(num < low, dtype=bool)
        raised = int(below.sum())
        num = np.where(below, low, num)
    if cap is not None:
        high = units(cap)
        above = np.asarray(num > high, dtype=bool)
        limited = int(above.sum())
        num = np.where(above, high, num)
    return replace(a, num=_ints(num), den=den), raised, limited


def zeroed(a: Attribution) -> Attribution:
    return replace(a, num=np.zeros(len(a.rows), dtype=np.int64), den=1)


def settle(a: Attribution, amount: Decimal, places: int) -> Attribution:
    """The paid line spread over the rows by largest remainder: each row's floor at
    ``places`` decimals, then one more unit to the largest remainders (ties: the earlier
    row), so the rows add up to ``amount`` to the unit."""
    total_units = int(amount.scaleb(places))
    n = len(a.rows)
    if n == 0:
        return replace(a, paid=np.zeros(0, dtype=np.int64), places=places)
    scaled_num = times(a.num, 10**places, a.den)
    q = scaled_num // a.den
    r = scaled_num - q * a.den
    left = total_units - _sum(np.asarray(q))
    if not 0 <= left <= n:  # the line is not this attribution rounded: share it by the rows' weights
        from ..money import allocate

        weights = [Decimal(int(x)) for x in a.num]
        parts = allocate(amount, weights, places) if sum(weights) != 0 else [Decimal(0)] * n
        return replace(a, paid=np.array([int(p.scaleb(places)) for p in parts], dtype=np.int64), places=places)
    if left:
        order = np.argsort(-r if r.dtype != object else np.array([-int(x) for x in r], dtype=object), kind="stable")
        q = q.copy()
        q[order[:left]] += 1
    return replace(a, paid=np.asarray(q, dtype=np.int64), places=places)


def round_each(a: Attribution, rounding: Rounding) -> Attribution:
    """Every row's amount rounded on its own (a plan that truncates each sale's commission
    before adding them up): the rows become whole units at the rounding's places."""
    k = 10**rounding.places
    scaled_num = times(a.num, k, a.den)
    q = scaled_num // a.den
    r = scaled_num - q * a.den  # 0 <= r < den
    up = _round_up(q, r, a.den, scaled_num, rounding.mode)
    units = q + up
    return replace(a, num=_ints(units), den=k)


def _round_up(q: np.ndarray, r: np.ndarray, den: int, x: np.ndarray, mode: str) -> np.ndarray:
    """Whether each floor q must go one up under ``mode`` (x = q x den + r)."""
    rest = np.asarray(r != 0, dtype=bool)
    negative = np.asarray(x < 0, dtype=bool)
    if mode == "floor":
        return np.zeros(len(q), dtype=np.int64)
    if mode == "ceiling":
        return rest.astype(np.int64)
    if mode == "down":
        return (rest & negative).astype(np.int64)
    if mode == "up":
        return (rest & ~negative).astype(np.int64)
    twice = r * 2
    above = np.asarray(twice > den, dtype=bool)
    tie = np.asarray(twice == den, dtype=bool)
    if mode == "half_up":  # ties away from zero
        return (above | (tie & ~negative)).astype(np.int64)
    if mode == "half_down":  # ties toward zero
        return (above | (tie & negative)).astype(np.int64)
    odd = np.asarray(q % 2 != 0, dtype=bool)  # half_even
    return (above | (tie & odd)).astype(np.int64)


Source = Attribution | Callable[[], "Attribution | None"] | None  # an attribution, or how to make it


def resolve(src: Source) -> Attribution | None:
    return src() if callable(src) else src


def deferred(src: Source, steps: list[tuple[str, Decimal]], amount: Decimal, places: int) -> Source:
    """The line's attribution once its after-steps are applied (``zero`` for a missed gate,
    ``scale`` to a cap or floor) and its rounded amount settled over the deals, made when
    first asked for."""
    if src is None:
        return None

    def make() -> Attribution | None:
        a = resolve(src)
        for kind, value in steps:
            if a is None:
                return None
            a = zeroed(a) if kind == "zero" else scaled(a, value)
        return settle(a, amount, places) if a is not None else None

    return make


def by_deal(a: Attribution, deal_ids: np.ndarray) -> list[tuple[str, Decimal, Decimal]]:
    """(deal id, value credited, money paid) per deal, in deal id order: a deal's rows (a
    split partner's two roles, say) added up."""
    assert a.paid is not None
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for k, i in enumerate(a.rows.tolist()):
        d = str(deal_ids[i])
        v, p = out.get(d, (Decimal(0), Decimal(0)))
        out[d] = (v + a.value_amount(k), p + a.paid_amount(k))
    return [(d, v, p) for d, (v, p) in sorted(out.items())]


@dataclass(frozen=True)
class DealRow:
    """One attributed row as people read it."""

    deal_id: str
    date: Any  # datetime.date or None
    value: Decimal  # the deal's base value credited
    running: Decimal | None  # the running total after it
    tier: str | None  # the tier (or linear segment) it reached
    exact: Decimal
    paid: Decimal
    role: str = ""
    share: Decimal | None = None


def deal_rows(a: Attribution, ft: FactTable) -> list[DealRow]:
    """The rows of an attribution with their deal id and date, in the order they were paid."""
    rows = a.rows
    ids = ft.deal_ids()[rows]
    dates = ft.days()[rows].astype(object)
    out = []
    for k in range(len(rows)):
        out.append(DealRow(
            str(ids[k]), dates[k], a.value_amount(k),
            None if a.running is None else Decimal(int(a.running[k])).scaleb(-a.value_scale),
            a.tier_labels[int(a.tier[k])] if a.tier is not None and a.tier_labels else None,
            a.exact(k), a.paid_amount(k) if a.paid is not None else a.exact(k),
            "" if a.role is None else str(a.role[k]), None if a.share is None else a.share[k],
        ))
    return out
