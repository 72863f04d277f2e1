"""``weekly``: ``amount`` for each calendar month of the period in which every ISO week
(Monday to Sunday) that starts in it reaches ``at_least`` on the measure; a week is counted
to its Sunday, even past the month's or the period's end.

YAML::

    - {id: calls-bonus, type: weekly, measure: calls, at_least: 50, amount: 200}

Worked example (the Q2 plan, tests/test_q2_plan.py): 200 for a month whose every week has
50 calls or more; a month with one week of 49 pays nothing.
"""

from __future__ import annotations

import datetime as dt

from ...money import format_number
from ..model import BasisStep, Component
from ..periods import Period
from .base import ZERO, Context, Outcome


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.on is not None and c.threshold is not None and c.amount is not None
    period = ctx.period
    exact = {p: ZERO for p in ctx.people}
    steps: dict[str, list[BasisStep]] = {p: [] for p in ctx.people}
    month = period.start.replace(day=1)
    while month <= period.end:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        first = month + dt.timedelta(days=(7 - month.weekday()) % 7)  # the first Monday in the month
        mondays = [first + dt.timedelta(weeks=k) for k in range(6) if first + dt.timedelta(weeks=k) < nxt]
        weeks = [(d, ctx.measures.measure(c.on, Period.between(d, d + dt.timedelta(days=6))).values) for d in mondays]
        for p in ctx.people:
            counts = [(d, v[p]) for d, v in weeks]
            ok = bool(counts) and all(x >= c.threshold for _, x in counts)
            short = [f"{d.isoformat()} ({format_number(x)})" for d, x in counts if x < c.threshold]
            label = f"{month.strftime('%Y-%m')}: every ISO week starting in it has at least {format_number(c.threshold)} {c.on}: {'yes' if ok else 'no'}"
            note = "weeks from " + ", ".join(f"{d.strftime('%m-%d')}: {format_number(x)}" for d, x in counts)
            if short:
                note += "; short: " + ", ".join(short)
            exact[p] += c.amount if ok else ZERO
            steps[p].append(BasisStep(label, threshold=c.threshold, amount=c.amount if ok else ZERO, note=note))
        month = nxt
    return {p: Outcome(exact[p], tuple(steps[p])) for p in ctx.people}
