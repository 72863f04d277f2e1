"""From a component's outcome to a payout line: the after-steps every kind passes through,
in this order, each a small function of the outcome so far:

1. ``per_deal``: with ``rounding: {per: deal}``, each deal's amount is rounded on its own
   and the line is their sum (components paid on deals only);
2. ``gate``: below the gate, nothing is paid (and no deal earns anything, no badge is given);
3. ``cap``: the line is limited to the cap (each deal keeps its share);
4. ``floor``: an eligible person past the gate gets at least the floor;
5. the line is rounded once, with the component's places and mode, and its cents are spread
   over the deals that earned it (largest remainder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from ..money import EXACT_PLACES, format_amount, format_number, round_money
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


AFTER_STEPS: tuple[AfterStep, ...] = (per_deal, gate, cap, floor)


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
