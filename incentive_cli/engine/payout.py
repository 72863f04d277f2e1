"""From a component's outcome to a payout line: the after-steps every kind passes through,
in this order, each a small function of the outcome so far:

1. ``deal_limits``: ``floor: {per_deal: X}`` raises each deal's amount to at least X and
   ``cap: {per_deal: Y}`` limits it to Y (components paid on deals only);
2. ``per_deal``: with ``rounding: {per: deal}``, each deal's amount is rounded on its own
   and the line is their sum (components paid on deals only);
3. ``gate``: below the gate, nothing is paid (and no deal earns anything, no badge is given);
4. ``factor``: the amount times the multiplier of the band a measure falls in (or times the
   measure itself), shown with the amount before it;
5. ``cap``: the line is limited to the cap (each deal keeps its share);
6. ``floor``: an eligible person past the gate gets at least the floor;
7. the line is rounded once, with the component's places and mode, and its cents are spread
   over the deals that earned it (largest remainder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from ..money import EXACT_PLACES, format_amount, format_money, format_number, round_money
from . import attribution
from .attribution import Source
from .components.base import ZERO, Context, Outcome, fmt_value, passes
from .model import BasisStep, Component, PayoutLine


@dataclass(frozen=True)
class Pending:
    """A line on its way: the amount so far, its steps, its deals, what the deals still need
    (``zero``, ``scale`` to an amount), and whether it passed the gate."""

    amount: Decimal
    steps: tuple[BasisStep, ...]
    source: Source
    after: tuple[tuple[str, Decimal], ...] = ()
    gate_ok: bool = True


AfterStep = Callable[[Component, Context, str, Pending], Pending]


def deal_limits(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    if x.source is None or (c.floor_per_deal is None and c.cap_per_deal is None):
        return x
    a = attribution.resolve(x.source)
    if a is None:
        return replace(x, source=None)
    limited, raised, capped = attribution.clamped(a, c.floor_per_deal, c.cap_per_deal)
    total = limited.total
    amount = Decimal(total.numerator) / Decimal(total.denominator)
    steps = list(x.steps)
    if c.floor_per_deal is not None:
        steps.append(BasisStep(f"floor per deal {format_money(c.floor_per_deal)}: {raised} deal{'s' if raised != 1 else ''} raised to it", threshold=c.floor_per_deal, amount=amount if c.cap_per_deal is None else None, note="each deal earns at least the floor"))
    if c.cap_per_deal is not None:
        steps.append(BasisStep(f"cap per deal {format_money(c.cap_per_deal)}: {capped} deal{'s' if capped != 1 else ''} limited to it", threshold=c.cap_per_deal, amount=amount, note="each deal earns at most the cap"))
    return replace(x, amount=amount, steps=tuple(steps), source=limited)


def per_deal(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    if x.source is None or c.rounding.per != "deal":
        return x
    a = attribution.resolve(x.source)
    if a is None:
        return replace(x, source=None)
    a = attribution.round_each(a, c.rounding)
    total = a.total
    amount = Decimal(total.numerator) / Decimal(total.denominator)
    step = BasisStep(f"each deal's amount rounded {c.rounding.mode.replace('_', ' ')} to {c.rounding.places} decimals, then added up", amount=amount, note="rounding: per deal")
    return replace(x, amount=amount, steps=(*x.steps, step), source=a)


def gate(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    if c.gate is None:
        return x
    g = c.gate
    value = ctx.value(g.on).values[p]
    m = ctx.program.measure(g.on)
    need = f"{'above' if g.strict else 'at least'} {fmt_value(g.threshold, m)}"
    if passes(value, g.threshold, g.strict):
        return replace(x, steps=(*x.steps, BasisStep(f"gate: {g.on} {fmt_value(value, m)} is {need}", threshold=g.threshold, note="passed")))
    step = BasisStep(f"gate: {g.on} {fmt_value(value, m)} is not {need}", threshold=g.threshold, amount=ZERO, note="no payout below the gate")
    return replace(x, amount=ZERO, steps=(*x.steps, step), after=(*x.after, ("zero", ZERO)), gate_ok=False)


def factor(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    f = c.factor
    if f is None or not x.gate_ok:
        return x
    value = ctx.value(f.measure).values[p]
    m = ctx.program.measure(f.measure)
    if f.bands:
        band = next((b for b in reversed(f.bands) if value >= b[0]), None)
        times = band[1] if band is not None else Decimal(1)
        where = f"in the band from {fmt_value(band[0], m)}" if band is not None else "below every band"
    else:
        times, where = value, "the multiplier itself"
    amount = x.amount * times
    step = BasisStep(f"factor: {f.measure} {fmt_value(value, m)} is {where}: x{format_number(times)}", base=x.amount, amount=amount, note=f"{format_amount(round(x.amount, EXACT_PLACES))} before the factor")
    after = (*x.after, ("scale", amount)) if x.amount != 0 else x.after
    return replace(x, amount=amount, steps=(*x.steps, step), after=after)


def cap(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    if c.cap is None or x.amount <= c.cap:
        return x
    step = BasisStep(f"cap {format_number(c.cap)}", threshold=c.cap, amount=c.cap, note=f"limited from {format_amount(round(x.amount, EXACT_PLACES))}" + ("; each deal keeps its share" if x.source is not None else ""))
    return replace(x, amount=c.cap, steps=(*x.steps, step), after=(*x.after, ("scale", c.cap)))


def floor(c: Component, ctx: Context, p: str, x: Pending) -> Pending:
    if c.floor is None or x.amount >= c.floor or not x.gate_ok:
        return x
    step = BasisStep(f"floor {format_number(c.floor)}", threshold=c.floor, amount=c.floor, note=f"raised from {format_amount(round(x.amount, EXACT_PLACES))}")
    return replace(x, amount=c.floor, steps=(*x.steps, step), after=(*x.after, ("scale", c.floor)))


AFTER_STEPS: tuple[AfterStep, ...] = (deal_limits, per_deal, gate, factor, cap, floor)


def line(c: Component, ctx: Context, p: str, outcome: Outcome, fed: tuple[np.ndarray, str]) -> PayoutLine:
    """The payout line of one person: the outcome through the after-steps, rounded once.
    ``fed`` is the rows behind the line (the measure's, unless the outcome names its own)
    and their table."""
    x = Pending(outcome.exact, outcome.steps, outcome.attribution)
    for step in AFTER_STEPS:
        x = step(c, ctx, p, x)
    rounded = round_money(x.amount, c.rounding)
    rows, table = fed
    awards = outcome.awards if x.gate_ok else ()
    shared = attribution.deferred(x.source, list(x.after), rounded, c.rounding.places)
    return PayoutLine(p, ctx.program.id, c.id, c.name, ctx.program.currency, rounded, x.amount, x.steps, rows, table, awards, outcome.status, shared)
