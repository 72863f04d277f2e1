"""``rate``: the base times a rate.

YAML::

    - {id: commission, type: rate, base: revenue, rate: 5%}

Worked example (tests/test_maven.py): 5 % of an agent's 2017-Q2 won revenue; each deal earns
its value x 5 % (engine/attribution.py), so a lost deal gives back exactly that.
"""

from __future__ import annotations

from ...money import format_rate
from ..model import BasisStep, Component
from .base import Context, Outcome
from .deals import attribution_measure, per_row


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.base is not None and c.rate is not None
    mv = ctx.value(c.base)
    am = attribution_measure(ctx.program, c)
    shared = per_row(ctx, am, f"each deal at {format_rate(c.rate)}", c.rate) if am is not None else {}
    out = {}
    for p in ctx.people:
        b = mv.values[p]
        exact = b * c.rate
        out[p] = Outcome(exact, (BasisStep(f"{c.base} x {format_rate(c.rate)}", base=b, rate=c.rate, amount=exact),), attribution=shared.get(p))
    return out
