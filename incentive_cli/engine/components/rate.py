"""``rate``: the base times a rate.

YAML::

    - {id: commission, type: rate, base: revenue, rate: 5%}

Worked example (tests/test_maven.py): 5 % of an agent's 2017-Q2 won revenue; each deal earns
its value x 5 % (engine/attribution.py), so a lost deal gives back exactly that.
"""

from __future__ import annotations

from ...money import format_rate
from .. import attribution
from ..attribution import Attribution, Source
from ..model import BasisStep, Component
from .base import Context, Outcome
from .deals import attribution_measure


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.base is not None and c.rate is not None
    mv = ctx.value(c.base)
    shared = _at_rate(c, ctx)
    out = {}
    for p in ctx.people:
        b = mv.values[p]
        exact = b * c.rate
        out[p] = Outcome(exact, (BasisStep(f"{c.base} x {format_rate(c.rate)}", base=b, rate=c.rate, amount=exact),), attribution=shared.get(p))
    return out


def _at_rate(c: Component, ctx: Context) -> dict[str, Source]:
    """Each row's value times the rate, exactly (made when first asked for: a roll-up's rows
    are every member's)."""
    am = attribution_measure(ctx.program, c)
    if am is None or c.rate is None:
        return {}
    mv = ctx.value(c.base or "")
    rate_num, rate_den = attribution.fraction_of(c.rate)
    rule = f"each deal at {format_rate(c.rate)}"

    def maker(p: str) -> Source:
        def make() -> Attribution | None:
            rows = mv.rows.get(p)
            if rows is None or not len(rows):
                return None
            units, scale = ctx.measures.row_values(am, rows)
            return attribution.make(rule, rows, attribution.times(units, rate_num), rate_den * 10**scale, (units, scale), table=am.table or "deals")
        return make

    return {p: maker(p) for p in ctx.people if p in mv.rows}
