"""``override``: a rate of other people's payout lines (a component of another program, which
is computed first) at each level below the person up the manager chain: ``levels: {1: 2%,
2: 1.5%}`` pays 2 % of the direct reports' lines and 1.5 % of their reports'. The part that
comes from each member is shown, and each member's deals carry over: the override is
attributed to them (statement, clawbacks).

YAML::

    - id: override
      type: override
      program: maven-commission
      component: commission
      levels: {1: 2%, 2: 1%}
      members: {roles: [Sales Rep]}

Worked example (tests/test_plan_design.py): a regional head over one manager with two reps
paid 300.00 and 500.00: the manager earns 2 % of 800.00 = 16.00, the head 1 % of it = 8.00.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from ...money import format_money, format_rate
from .. import attribution
from ..attribution import Attribution, Source
from ..model import BasisStep, Component, PayoutLine
from .base import ZERO, Context, Outcome


def level_members(ctx: Context, p: str, level: int, roles: tuple[str, ...]) -> list[str]:
    """The people exactly ``level`` steps below a person in the reporting tree (with roles,
    only those holding one)."""
    layer = [p]
    for _ in range(level):
        layer = [q for x in layer for q in ctx.data.children.get(x, ())]
    return [q for q in layer if not roles or ctx.data.people[q].role in roles]


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    program, component = c.program or "", c.component or ""
    out = {}
    for p in ctx.people:
        steps, exact, parts = [], ZERO, []
        for level, rate in c.levels:
            members = level_members(ctx, p, level, c.member_roles)
            lines = [(q, x) for q in members for x in ctx.measures.paid(program, component, q)]
            paid = sum((x.amount for _, x in lines), ZERO)
            exact += paid * rate
            who = ", ".join(f"{ctx.data.people[q].name} {format_money(sum((x.amount for y, x in lines if y == q), ZERO))}" for q in members if any(y == q for y, _ in lines))
            steps.append(BasisStep(f"level {level}: {component} of {len(members)} {'person' if len(members) == 1 else 'people'} x {format_rate(rate)}", base=paid, rate=rate, amount=paid * rate, note=who or "nobody at this level was paid"))
            parts.append((rate, [x for _, x in lines]))
        out[p] = Outcome(exact, tuple(steps), attribution=_carried(parts, ctx.program.currency))
    return out


def _carried(parts: list[tuple[Decimal, list[PayoutLine]]], currency: str) -> Source:
    """The members' deals, each earning the override's rate of what it earned the member
    (made when asked for); None when a member's line was not paid on deals."""
    lines = [x for _, xs in parts for x in xs]
    if not lines:
        return None

    def make() -> Attribution | None:
        pieces = []
        for rate, xs in parts:
            for x in xs:
                a = x.attribution
                if a is None or a.paid is None:
                    return None
                pieces.append((rate, a))
        den = math.lcm(*(attribution.fraction_of(r)[1] for r, _ in pieces)) * 10 ** pieces[0][1].places
        rows = np.concatenate([a.rows for _, a in pieces])
        num = np.concatenate([attribution.times(a.paid, attribution.fraction_of(r)[0] * (den // attribution.fraction_of(r)[1] // 10**a.places)) for r, a in pieces])
        value = np.concatenate([a.paid for _, a in pieces])
        return attribution.make("each member's deal at the level's rate of what it earned them", rows, num, den, (value, pieces[0][1].places))

    return make
