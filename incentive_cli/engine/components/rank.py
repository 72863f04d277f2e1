"""``rank``: the top N by a measure, in competition ranking (1, 2, 2, 4), with cash
(``amount``), a ``badge`` or a non-cash ``reward``. ``ties: include``: everyone ranked
within N wins, even if that is more than N people; ``ties: exclude``: people tied at the
cut win only if all of them fit within N.

YAML::

    - {id: top-performer, type: rank, measure: revenue, top: 1, ties: include, badge: Top performer, reward: Gift card, cost: 500}

Worked example (tests/test_steps.py): revenues 900, 800, 700, 700, 100 rank 1, 2, 3, 3, 5;
top 3 with ties: include coaches four people, with ties: exclude only the first two.
"""

from __future__ import annotations

from ..model import Award, BasisStep, Component
from ..ranking import rank_values
from .base import ZERO, Context, Outcome, fmt_value, measure_of


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.on is not None and c.top is not None
    mv, m = ctx.value(c.on), measure_of(ctx, c.on)
    people = ctx.people
    top = c.top or 1
    values = {p: mv.values[p] for p in people}
    ranks = rank_values(values, {p: ctx.data.people[p].name for p in people})
    within = [p for p in people if ranks[p] <= top]
    winners = set(within)
    if c.ties == "exclude" and len(within) > top:
        cut = max(ranks[p] for p in within)
        winners = {p for p in within if ranks[p] < cut}
    out = {}
    for p in people:
        won = p in winners
        exact = (c.amount or ZERO) if won else ZERO
        tied = sum(1 for q in people if ranks[q] == ranks[p]) - 1
        tie_note = f", tied with {tied} other{'s' if tied > 1 else ''}" if tied else ""
        verdict = "wins" if won else ("tied at the cut: none of the tied wins (ties: exclude)" if ranks[p] <= top else f"outside the top {top}")
        step = BasisStep(f"rank {ranks[p]} of {len(people)} by {c.on} ({fmt_value(values[p], m)}{tie_note}): {verdict}", amount=exact, note=f"top {top}, ties: {c.ties}")
        got: list[Award] = []
        if won and c.badge:
            got.append(Award("badge", c.badge, ctx.period.end))
        if won and c.reward:
            got.append(Award("non-cash", c.reward, ctx.period.end, c.cost))
        out[p] = Outcome(exact, (step,), tuple(got))
    return out
