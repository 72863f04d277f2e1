"""``bonus``: a fixed amount when a measure reaches a threshold (``at_least``) or goes above
it (``above``).

YAML::

    - {id: attainment-bonus, type: bonus, measure: attainment, at_least: 115%, amount: 1000}

Worked example (the Q2 plan, tests/test_q2_plan.py): attainment 125 % >= 115 %: 1,000.
"""

from __future__ import annotations

from ..model import BasisStep, Component
from .base import ZERO, Context, Outcome, fmt_value, measure_of, passes


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.on is not None and c.threshold is not None and c.amount is not None
    mv, m = ctx.value(c.on), measure_of(ctx, c.on)
    rel = ">" if c.strict else ">="
    out = {}
    for p in ctx.people:
        v = mv.values[p]
        ok = passes(v, c.threshold, c.strict)
        exact = c.amount if ok else ZERO
        step = BasisStep(f"{c.on} {fmt_value(v, m)} {rel} {fmt_value(c.threshold, m)}: {'yes' if ok else 'no'}", threshold=c.threshold, amount=exact, note="" if ok else f"needs {fmt_value(c.threshold, m)}")
        out[p] = Outcome(exact, (step,))
    return out
