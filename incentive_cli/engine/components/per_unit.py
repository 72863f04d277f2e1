"""``per_unit``: a fixed amount for each unit of a measure: per fact row of a row count (50
per meeting booked), or per unit of a summed field (200 per unit sold). Each row earns the
amount times its units, so a cancelled deal gives back exactly that.

YAML::

    - {id: meetings, type: per_unit, measure: meetings, amount: 50}

Worked example (tests/test_plan_design.py): 7 meetings at 50 pay 350.00, each meeting 50.00;
units sold 3 + 2 at 200 per unit pay 1,000.00 (600.00 and 400.00).
"""

from __future__ import annotations

from ...money import format_money, format_number
from ..model import BasisStep, Component
from .base import Context, Outcome
from .deals import attribution_measure, per_row


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.on is not None and c.amount is not None
    mv = ctx.value(c.on)
    m = ctx.program.measure(c.on)
    unit = "row" if m.kind == "count" else f"unit of {m.field}"
    am = attribution_measure(ctx.program, c)
    shared = per_row(ctx, am, f"each deal at {format_money(c.amount)} per {'row' if am.kind == 'count' else 'unit'}", c.amount) if am is not None else {}
    out = {}
    for p in ctx.people:
        v = mv.values[p]
        exact = v * c.amount
        step = BasisStep(f"{format_number(v)} {c.on} x {format_money(c.amount)} per {unit}", base=v, amount=exact)
        out[p] = Outcome(exact, (step,), attribution=shared.get(p))
    return out
