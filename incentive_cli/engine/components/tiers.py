"""``tiers``: a tier table, ``marginal`` (each slice at its tier's rate), ``retroactive``
(the whole base at the rate reached) or ``linear`` (the straight line between points), on
the period total (``scope: period``), each deal on its own (``deal``) or each deal on the
running total (``running``). A table selected by an attainment of the base scales its
bounds by the person's target (accelerators and decelerators). The arithmetic is in
engine/tiers.py; what each deal earned in engine/attribution.py.

YAML::

    - id: commission
      type: tiers
      base: revenue
      method: marginal
      bound: upper
      scope: period
      tiers: [{up_to: 75000, rate: 5%}, {rate: 7%}]

Worked example (the Q2 plan, tests/test_q2_plan.py): revenue 100,000 pays 75,000 x 5 % +
25,000 x 7 % = 5,500; deal by deal (tests/test_attribution.py), tiers of 1/2/3/5 % over
sales of 200 ... 4,500 pay 2.00 + 3.00 + 20.00 + 14.00 + 30.00 + 95.00 = 164.00.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ...money import format_money, format_number
from ..attribution import DEAL_RULE, MARGINAL_RULE, RUNNING_RULE, Attribution, Source
from ..model import BasisStep, Component
from ..tiers import TierTable, linear
from .base import ZERO, Context, Outcome
from .deals import Through, attribution_measure, proportional, through_table


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    on_m = ctx.program.measure(c.on) if c.on else None
    on_attainment = on_m is not None and c.base is not None and on_m.name != c.base and on_m.kind == "attainment" and on_m.of == c.base
    targets = ctx.measures.target(on_m.target or "", ctx.period)[0] if on_attainment and on_m is not None else None
    if c.scope != "period":
        return _deal_by_deal(c, ctx, targets)
    if c.method == "linear":
        mv = ctx.value(c.on or c.base or "")
        out = {}
        for p in ctx.people:
            exact, st = linear(mv.values[p], c.tiers)
            out[p] = Outcome(exact, tuple(st))
        tables: dict[str, TierTable] = {}
    else:
        out, tables = _on_the_period(c, ctx, targets)
    shared = _shared(c, ctx, tables, {p: o.exact for p, o in out.items()})
    return {p: Outcome(o.exact, o.steps, attribution=shared.get(p)) for p, o in out.items()}


def _on_the_period(c: Component, ctx: Context, targets: dict[str, Decimal | None] | None) -> tuple[dict[str, Outcome], dict[str, TierTable]]:
    """Marginal and retroactive tables on the period total, with the distance to the next
    tier; and each person's table (scaled by their target on attainment)."""
    assert c.base is not None
    base_mv = ctx.value(c.base)
    on_mv = ctx.value(c.on) if c.on else None
    by_base = targets is not None or c.on in (None, c.base)
    out, tables = {}, {}
    for p in ctx.people:
        base = base_mv.values[p]
        if targets is not None:
            t = targets.get(p)
            if not t:
                out[p] = Outcome(ZERO)
                continue
            table = TierTable.of(c.tiers, c.bound, scale=t)
        else:
            table = TierTable.of(c.tiers, c.bound)
        tables[p] = table
        sel = base if by_base else (on_mv.values[p] if on_mv is not None else base)
        exact, steps = table.marginal(base) if c.method == "marginal" else table.retroactive(sel, base)
        nxt = table.next_bound(sel)
        if nxt is not None:
            gap = nxt[0] - sel
            gap_text = format_money(gap) if by_base else format_number(round(gap, 6))
            steps.append(BasisStep(f"next: {gap_text} more {c.base if by_base else c.on} reaches {nxt[1]}", note="distance to the next tier"))
        out[p] = Outcome(exact, tuple(steps))
    return out, tables


def _shared(c: Component, ctx: Context, tables: dict[str, TierTable], exact: dict[str, Decimal]) -> Mapping[str, Source]:
    """What each deal earned of a period line: marginal tables fill their tiers in closing
    order (one pass for everyone, when first asked for); the others by share of the base."""
    am = attribution_measure(ctx.program, c)
    if am is None:
        return {}
    mv = ctx.value(am.name)
    if c.method == "marginal" and c.attribution != "proportional":
        filled: dict[str, Attribution] = {}
        how = Through(am, [p for p in ctx.people if p in tables and p in mv.rows], "running", MARGINAL_RULE, tables)

        def fill(p: str) -> Source:
            def make() -> Attribution | None:
                if not filled:
                    filled.update(through_table(c, ctx, how))
                return filled.get(p)
            return make

        return {p: fill(p) for p in how.people}
    return {p: proportional(ctx, am, p, exact.get(p, ZERO)) for p in ctx.people if p in mv.rows}


def _deal_by_deal(c: Component, ctx: Context, targets: dict[str, Decimal | None] | None) -> dict[str, Outcome]:
    """scope deal or running: every deal through the table, each person's line the sum."""
    am = attribution_measure(ctx.program, c)
    assert am is not None
    people = ctx.people
    tables: dict[str, TierTable] | None = None
    per_unit: dict[str, Decimal | None] | None = None
    if targets is not None:  # tiers (or points) on a running attainment: the person's target scales them
        people = [p for p in people if targets.get(p)]
        if c.method == "linear":
            per_unit = {p: targets[p] for p in people}
        else:
            tables = {p: TierTable.of(c.tiers, c.bound, scale=targets[p]) for p in people}  # type: ignore[arg-type]
    elif c.method != "linear":
        one = TierTable.of(c.tiers, c.bound)
        tables = {p: one for p in people}
    rule = DEAL_RULE if c.scope == "deal" else RUNNING_RULE
    attributed = through_table(c, ctx, Through(am, people, c.scope, rule, tables, per_unit))
    out = {}
    for p in ctx.people:
        a = attributed.get(p)
        if a is None:
            out[p] = Outcome(ZERO)
            continue
        total = a.total
        exact = Decimal(total.numerator) / Decimal(total.denominator)
        n = len(a)
        out[p] = Outcome(exact, (BasisStep(f"{n} deal{'s' if n != 1 else ''}, {rule}", amount=exact, note="each deal's tier and amount: the deal list"),), attribution=a)
    return out
