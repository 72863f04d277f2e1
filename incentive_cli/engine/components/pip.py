"""``pip``: a performance improvement plan. Who is on it and from which day (a roster date
column, or the bottom N / share of the reference period), a target (``team_lowest``: the
lowest reference-period value in the person's team among people not on the plan; or a
target's name) and cumulative checkpoints (``{at: 25%, day: 7, badge: ...}``). A checkpoint
pays in the period that holds its last day; earlier ones are shown as settled, later ones as
due. The line says plainly whether the person met the plan.

YAML::

    - id: plan
      type: pip
      measure: revenue
      participants: {roster: pip_start}
      checkpoints: [{at: 25%, day: 7, badge: Week 1}, {at: 100%, day: 30, badge: Plan met}]

Worked example (catalogue kind 10, tests/test_pip_champions.py): the team's lowest March
revenue, 4,000, is the target from 1 April; 1,100 by day 7 meets 25 %, 1,900 by day 14
misses 50 %, 3,100 by day 21 and 4,100 by day 30 meet the rest: "Met the plan: yes".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ...diagnostics import Diagnostic, Severity
from ...money import format_number, format_rate
from ..model import Award, BasisStep, Component, Measure, Step
from ..periods import Period
from .base import ZERO, Context, Outcome, fmt_value, gives


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    """An outcome for each person on the plan only: the others have no line."""
    assert c.on is not None
    plan = participants(c, ctx)
    target, how = _targets(c, ctx, plan)
    m = ctx.program.measure(c.on)
    final = c.steps[-1]
    out = {}
    for p, start in plan.items():
        end = start + dt.timedelta(days=(final.day or 1) - 1)
        head = BasisStep(f"on the plan from {start.isoformat()} to {end.isoformat()}", note=f"target {how.get(p, '')}")
        t = target.get(p)
        if t is None:
            status = "Met the plan: cannot tell (the plan has no target)"
            out[p] = Outcome(ZERO, (head, BasisStep(status, amount=ZERO)), status=status, rows=np.zeros(0, dtype=np.int64))
            continue
        got: list[Award] = []
        steps = [head]
        cash, met, rows = ZERO, None, np.zeros(0, dtype=np.int64)
        for s in c.steps:
            step, paid, ok, fed = _checkpoint(ctx, m, p, (start, t), s, got)
            steps.append(step)
            cash += paid
            met = ok if s is final and ok is not None else met
            rows = fed if fed is not None else rows
        verdict = "yes" if met else "no" if met is False else f"not yet (the plan ends on {end.isoformat()})"
        status = f"Met the plan: {verdict}"
        out[p] = Outcome(cash, (*steps, BasisStep(status)), tuple(got), status=status, rows=rows)
    return out


def _checkpoint(ctx: Context, m: Measure, p: str, plan: tuple[dt.date, Decimal], s: Step, got: list[Award]) -> tuple[BasisStep, Decimal, bool | None, np.ndarray | None]:
    """One checkpoint: its step, the cash it pays now, whether it was met (None: not due
    yet), and the rows behind it (None: none counted in this period)."""
    start, t = plan
    period = ctx.period
    due = start + dt.timedelta(days=(s.day or 1) - 1)
    need = s.bound * t
    window = Period.between(start, min(due, period.end))
    mv = ctx.measures.measure(m.name, window) if window.end >= start else None
    v = mv.values[p] if mv is not None else ZERO
    label = s.name or f"{format_rate(s.bound)} of the target ({fmt_value(round(need, 6), m)}) by day {s.day} ({due.isoformat()})"
    if due > period.end:
        return BasisStep(f"{label}: due after this period", threshold=need, note=f"{fmt_value(v, m)} so far"), ZERO, None, None
    ok = v >= need
    if due < period.start:
        return BasisStep(f"{label}: {'met' if ok else 'missed'} (settled in an earlier period)", threshold=need, note=f"{fmt_value(v, m)} by then"), ZERO, ok, None
    fed = mv.rows.get(p) if mv is not None else None
    if not ok:
        return BasisStep(f"{label}: missed", threshold=need, amount=ZERO, note=f"{fmt_value(v, m)}, {fmt_value(need - v, m)} short"), ZERO, False, fed
    day = ctx.measures.crossing_dates(m, p, [need], window)[0] or due
    what = gives(s, day, got)
    return BasisStep(f"{label}: met", threshold=need, amount=s.pays or ZERO, note=f"{fmt_value(v, m)}; {', '.join(what) or 'reached'} on {day.isoformat()}"), s.pays or ZERO, True, fed


def participants(c: Component, ctx: Context) -> dict[str, dt.date]:
    """Who is on the plan and from which day: a roster date column, or the bottom N (share)
    of the reference period, people tied at the cut all joining."""
    parts = c.participants
    assert parts is not None
    period, data = ctx.period, ctx.data
    if parts.roster:
        out = {}
        for p in ctx.people:
            day = data.people[p].attr(parts.roster)
            if isinstance(day, dt.date) and day <= period.end:
                out[p] = day
        return out
    start = parts.start or period.start
    if start > period.end:
        return {}  # the plan has not started yet
    values, _ = ctx.measures.reference_values(parts.by or c.on or "", period.containing(start))
    known = sorted((p for p in ctx.people if values.get(p) is not None), key=lambda p: (values[p], data.people[p].name, p))
    n = parts.bottom if parts.bottom is not None else max(1, int(((parts.bottom_share or ZERO) * len(known)).to_integral_value(ROUND_HALF_UP)))
    if not known:
        return {}
    cut = values[known[min(n, len(known)) - 1]]
    return {p: start for p in known if values[p] is not None and values[p] <= cut}  # type: ignore[operator]


def _targets(c: Component, ctx: Context, plan: dict[str, dt.date]) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """A plan's target is set by the period its start date falls in (so it stays the same
    for the whole plan). team_lowest: the lowest reference-period value above zero in the
    person's team among people with history who are not on the plan (the whole team when
    everyone is on it). Zeros are left out: a target of 0 would be met by doing nothing."""
    out: dict[str, Decimal | None] = {}
    how: dict[str, str] = {}
    data = ctx.data
    for p, start in plan.items():
        plan_period = ctx.period.containing(start)  # the target is set when the plan starts
        if c.target and c.target != "team_lowest":
            named, named_how = ctx.measures.target(c.target, plan_period)
            out[p], how[p] = named.get(p), named_how.get(p, "")
            continue
        values, ref = ctx.measures.reference_values(c.on or "", plan_period)
        team = data.people[p].team
        mates = [q for q in ctx.measures.people if data.people[q].team == team and (values.get(q) or 0) > 0]
        others = [q for q in mates if q not in plan] or mates
        if not others:
            out[p] = None
            how[p] = f"team_lowest: nobody in team {team or '-'} had {c.on} above 0 in {ref.label}"
            ctx.report(Diagnostic("no-target", f"components.{c.id}: {data.people[p].name} ({p}) has no plan target: {how[p]}", c.source, hint="give the plan a target (target: <name>), or a reference period with data", severity=Severity.WARNING, value=p))
            continue
        low = min(others, key=lambda q: (values[q], data.people[q].name))
        out[p] = values[low]
        scope = "not on the plan" if any(q not in plan for q in mates) else "(everyone in the team is on the plan)"
        how[p] = f"team_lowest: the lowest {c.on} above 0 in {ref.label} in team {team or '-'} {scope}: {data.people[low].name} with {format_number(values[low])}"
    return out, how
