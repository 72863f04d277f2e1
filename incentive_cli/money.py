"""Money and rates: exact decimals, one declared rounding, and largest-remainder splits.

Policy (README "Money"): no binary float ever carries an amount or a rate. Amounts read
from files become integer minor units (cents) in the columnar fast path and ``Decimal``
per person and per payout line. Rates are fractions (``0.05`` or ``5%``) held as
``Decimal``. A payout line is rounded exactly once, with the program's declared places
and mode; every total is a sum of rounded lines, so totals always add up to the cent.

>>> round_money(Decimal("3750.005"), Rounding(2, "half_up"))
Decimal('3750.01')
>>> allocate(Decimal("33.33"), [Decimal("0.1"), Decimal("0.7"), Decimal("0.2")], 2)
[Decimal('3.33'), Decimal('23.33'), Decimal('6.67')]
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# Plenty of precision: products of amounts and rates stay exact before the one rounding.
# The engine computes inside ``decimal.localcontext(CONTEXT)``; importing this module does
# not change the caller's decimal context.
CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}

# ISO 4217 minor units for the currencies people are paid in; others default to 2.
MINOR_UNITS: dict[str, int] = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}



# Exact figures (before a line's one rounding: a tier's slice, an interpolation, a deal's
# share) are computed exactly and written with at most this many decimals, rounded half up
# for the reader only; the payout line itself is rounded once, from the exact figure.
EXACT_PLACES = 6
# No number written into any output carries more decimals than this (a ratio, an FX rate).
WRITTEN_PLACES = 10


def written(v: Decimal) -> Decimal:
    """A number as it is written into a file: at most WRITTEN_PLACES decimals (half up), no
    exponent (1000, not 1E+3), no negative zero."""
    if v == v.to_integral_value():
        return v.quantize(Decimal(1)) + 0
    exponent = v.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -WRITTEN_PLACES:
        v = v.quantize(Decimal(1).scaleb(-WRITTEN_PLACES), rounding=decimal.ROUND_HALF_UP)
    return v.normalize() if v != v.to_integral_value() else v.quantize(Decimal(1)) + 0


@dataclass(frozen=True)
class Rounding:
    places: int = 2
    mode: str = "half_up"
    per: str = "line"  # line: the line's exact amount is rounded once; deal: each deal's amount is rounded, then added up

    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def round_money(amount: Decimal, rounding: Rounding) -> Decimal:
    return amount.quantize(rounding.quantum(), rounding=ROUNDING_MODES[rounding.mode])



def allocate(total: Decimal, shares: Sequence[Decimal], places: int) -> list[Decimal]:
    """Split ``total`` by ``shares`` (which need not add to 1) so the parts add up to
    ``total`` exactly at ``places`` decimals: floor every part, then give the remaining
    units one by one to the largest remainders (ties: earlier share first)."""
    if not shares:
        return []
    weight = sum(shares, Decimal(0))
    if weight == 0:
        raise ValueError("shares add up to zero")
    unit = Decimal(1).scaleb(-places)
    total_units = int((total / unit).to_integral_value(rounding=decimal.ROUND_HALF_UP))
    sign = -1 if total_units < 0 else 1
    total_units = abs(total_units)
    exact = [Decimal(total_units) * s / weight for s in shares]
    floors = [int(x.to_integral_value(rounding=decimal.ROUND_FLOOR)) for x in exact]
    left = total_units - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(sign * f) * unit).quantize(unit) for f in floors]


def format_money(amount: Decimal, places: int = 2) -> str:
    q = Decimal(1).scaleb(-places)
    return f"{amount.quantize(q):,}"


def format_number(d: Decimal | None) -> str:
    """1,234 for whole numbers, 1,234.5 otherwise (no trailing zeros); '-' for nothing."""
    if d is None:
        return "-"
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1)):,}"
    return f"{d.normalize():,f}"


def format_amount(d: Decimal, min_places: int = 2) -> str:
    """An amount with at least ``min_places`` decimals and every further non-zero digit:
    4,123.60; 1,189.9993 (an exact figure before its one rounding)."""
    places = max(min_places, -d.normalize().as_tuple().exponent) if d else min_places  # type: ignore[operator]
    return f"{d:,.{places}f}"


def format_rate(rate: Decimal) -> str:
    pct = (rate * 100).normalize()
    text = f"{pct:f}"
    return f"{text}%"
