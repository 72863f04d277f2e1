"""``goals``: a menu of goals; each person is paid on the goal they chose (the ``choices``
source): the latest choice made on or before the program's cut-off day of the period
(``cutoff_day``). No choice: no payout, and the line says so.

YAML::

    - id: challenge
      type: goals
      cutoff_day: 15
      goals:
        - {id: five-new, name: Close 5 new deals, measure: new_deals, at_least: 5, pays: 500}
        - {id: grow, name: Grow revenue 20 %, measure: growth, at_least: 20%, pays: 1000}

Worked example (catalogue kind 13, tests/test_goals.py): a person who chose "close 5 new
deals" and closed 5 is paid 500; one whose only choice came after the cut-off (15 April) is
paid nothing, and the line says "no goal chosen by 2026-04-15: no payout".
"""

from __future__ import annotations

import datetime as dt

from ...diagnostics import Diagnostic
from ..model import Award, BasisStep, Component
from .base import ZERO, Context, Outcome, fmt_value, gives


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    period, data = ctx.period, ctx.data
    cutoff = period.start + dt.timedelta(days=c.cutoff_day - 1)
    since = period.shift(-1).start + dt.timedelta(days=c.cutoff_day - 1)  # the previous period's cut-off
    menu = {g.id: g for g in c.goals}
    out = {}
    for p in ctx.people:
        choices = (data.choices or {}).get(p, [])
        made = [x for x in choices if since < x[0] <= cutoff]
        if not made:
            out[p] = Outcome(ZERO, (BasisStep(f"no goal chosen by {cutoff.isoformat()}: no payout", amount=ZERO),))
            continue
        day, goal_id, where = made[-1]
        goal = menu.get(goal_id)
        if goal is None:
            ctx.report(Diagnostic("bad-reference", f"{data.people[p].name} ({p}) chose the goal {goal_id!r}, which is not on the menu of {ctx.program.id!r} (goals: {', '.join(menu)})", where, hint="write one of the menu's goal ids", value=goal_id))
            out[p] = Outcome()
            continue
        m = ctx.program.measure(goal.measure)
        v = ctx.value(goal.measure).values[p]
        later = len([x for x in choices if cutoff < x[0] <= period.end])
        chose = f"chose {goal.name!r} on {day.isoformat()}" + (f" ({later} later choice{'s' if later > 1 else ''} after the cut-off {cutoff.isoformat()} ignored)" if later else "")
        test = f"{goal.measure} {fmt_value(v, m)} >= {fmt_value(goal.at_least, m)}"
        if v >= goal.at_least:
            got: list[Award] = []
            day_met = ctx.measures.crossing_dates(m, p, [goal.at_least], period)[0] or period.end
            what = gives(goal.reward, day_met, got)
            exact = goal.reward.pays or ZERO
            out[p] = Outcome(exact, (BasisStep(chose), BasisStep(f"{test}: met", threshold=goal.at_least, amount=exact, note=", ".join(what))), tuple(got))
        else:
            out[p] = Outcome(ZERO, (BasisStep(chose), BasisStep(f"{test}: not met", threshold=goal.at_least, amount=ZERO, note=f"{fmt_value(goal.at_least - v, m)} more {goal.measure} meets it")))
    return out
