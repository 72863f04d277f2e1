"""Bands and thresholds, shared by ``slabs`` and ``milestones``: which steps a value reached,
what they give, and on which day the measure first reached each."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ...money import format_rate
from ..model import Award, BasisStep, Component, Measure, Step
from .base import ZERO, Context, Outcome, fmt_value, gives


def pay_table(c: Component, ctx: Context) -> dict[str, Outcome]:
    """Each person through the component's own table of steps (slabs or milestones)."""
    m = ctx.program.measure(c.on or "")
    out = {}
    for p in ctx.people:
        steps, notes = resolved(c, ctx, p, m)
        out[p] = reward(c, ctx, p, steps, notes)
    return out


def reward(c: Component, ctx: Context, p: str, steps: tuple[Step, ...], before: tuple[BasisStep, ...] = ()) -> Outcome:
    """Slabs: the highest band reached pays once. Milestones: every one reached pays. Badges
    and non-cash rewards carry the day the measure first reached their bound."""
    assert c.on is not None
    m = ctx.program.measure(c.on)
    v = ctx.value(c.on).values[p]
    if not steps:
        return Outcome(ZERO, before)
    reached = [s for s in steps if v >= s.bound]
    paid = reached[-1:] if c.type == "slabs" else reached
    dates = ctx.measures.crossing_dates(m, p, [s.bound for s in paid], ctx.period)
    cash = ZERO
    earned: list[Award] = []
    word = "from" if c.type == "slabs" else "at"
    out: list[BasisStep] = []
    if not reached:
        out.append(BasisStep(f"{c.on} {fmt_value(v, m)} is below the first {word} {fmt_value(steps[0].bound, m)}", amount=ZERO))
    for s in steps:
        label = s.name or f"{c.type[:-1]} {word} {fmt_value(s.bound, m)}"
        if s in paid:
            day = dates[paid.index(s)] or ctx.period.end
            what = gives(s, day, earned)
            cash += s.pays or ZERO
            out.append(BasisStep(f"{label}: reached", threshold=s.bound, amount=s.pays or ZERO, note=f"{', '.join(what)}; reached on {day.isoformat()}"))
        elif c.type == "milestones" or not reached or s.bound > reached[-1].bound:
            out.append(BasisStep(f"{label}: not reached", threshold=s.bound, note=f"{fmt_value(s.bound - v, m)} more {c.on} reaches it"))
            if c.type == "slabs":
                break
    return Outcome(cash, before + tuple(out), tuple(earned))


def resolved(c: Component, ctx: Context, p: str, m: Measure | None) -> tuple[tuple[Step, ...], tuple[BasisStep, ...]]:
    """The steps with a bound that is a share of a target made plain bounds for this person,
    in increasing order; a step whose target has no value cannot be reached, and says so."""
    if not any(s.target for s in c.steps):
        return c.steps, ()
    out, notes = [], []
    for s in c.steps:
        if s.target is None:
            out.append(s)
            continue
        value, how = ctx.measures.target(s.target, ctx.period)
        t = value.get(p)
        share = "" if s.bound == 1 else f"{format_rate(s.bound)} of "
        if t is None:
            notes.append(BasisStep(f"{s.name or share + 'target ' + s.target}: no target", note=how.get(p, "")))
            continue
        bound: Decimal = s.bound * t
        name = s.name or f"{c.type[:-1]} at {share}{s.target} = {fmt_value(round(bound, 6), m)}"
        out.append(replace(s, bound=bound, name=name))
    return tuple(sorted(out, key=lambda s: s.bound)), tuple(notes)
