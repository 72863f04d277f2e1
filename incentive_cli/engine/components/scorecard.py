"""``scorecard``: several KPIs, each scored on its payout curve and weighted; the weighted
score times ``of`` (a target bonus) is the payout (without ``of`` the curves score amounts).
A curve's points rise: below the first point the KPI scores 0 (a jump at the first point),
between points a straight line, above the last point the last (a cap).

YAML::

    - id: scorecard
      type: scorecard
      of: target_bonus
      kpis:
        - {name: Revenue, measure: revenue_attainment, weight: 60%, curve: [{at: 80%, pays: 50%}, {at: 100%, pays: 100%}, {at: 150%, pays: 200%}]}
        - {name: NPS, measure: nps, weight: 40%, curve: [{at: 30, pays: 50%}, {at: 50, pays: 100%}]}

Worked example (tests/test_plan_design.py): revenue attainment 90 % scores 75 % (halfway from
80 % to 100 %), NPS 60 scores 100 % (capped): 60 % x 75 % + 40 % x 100 % = 85 % of a 10,000
target bonus: 8,500.00; attainment 79 % scores 0.
"""

from __future__ import annotations

from decimal import Decimal

from ...money import format_money, format_rate
from ..model import BasisStep, Component, Kpi, Measure
from .base import ZERO, Context, Outcome, fmt_value


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    of = ctx.value(c.of).values if c.of else None
    values = {k.measure: ctx.value(k.measure).values for k in c.kpis}
    out = {}
    for p in ctx.people:
        steps, score = [], ZERO
        for k in c.kpis:
            m = ctx.program.measure(k.measure)
            v = values[k.measure][p]
            scored, where = curve(k, v, m)
            score += k.weight * scored
            steps.append(BasisStep(f"{k.name or k.measure} {fmt_value(v, m)}: scores {_score(scored, of is not None)} ({where})", base=scored, rate=k.weight, amount=k.weight * scored if of is None else None, note=f"weight {format_rate(k.weight)}"))
        if of is not None:
            exact = score * of[p]
            steps.append(BasisStep(f"score {format_rate(round(score, 6))} x {c.of} {format_money(of[p])}", base=of[p], rate=score, amount=exact))
        else:
            exact = score
        out[p] = Outcome(exact, tuple(steps))
    return out


def curve(k: Kpi, v: Decimal, m: Measure | None = None) -> tuple[Decimal, str]:
    """What a KPI scores at v, and where on its curve v lies (points in the measure's unit)."""
    pts = k.curve
    if v < pts[0][0]:
        return ZERO, f"below the first point {fmt_value(pts[0][0], m)}"
    if v >= pts[-1][0]:
        return pts[-1][1], f"at or above the last point {fmt_value(pts[-1][0], m)}"
    for (a0, p0), (a1, p1) in zip(pts, pts[1:], strict=False):
        if a0 <= v < a1:
            return p0 + (v - a0) * (p1 - p0) / (a1 - a0), f"between {fmt_value(a0, m)} and {fmt_value(a1, m)}"
    raise AssertionError("unreachable")


def _score(x: Decimal, share: bool) -> str:
    return format_rate(round(x, 6)) if share else format_money(x)
