"""``champions``: the reference period's top people (as many as rewards, the top champion
first) are the champions; their values are milestones, beaten only by going strictly above
(a tie does not beat). A champion must have a value above zero: nobody is a champion of an
empty period.

YAML::

    - id: beat
      type: champions
      measure: revenue
      champions: [{pays: 400, badge: Beat the champion}, {pays: 300}, {pays: 200}, {pays: 100}]

Worked example (catalogue kind 12, tests/test_pip_champions.py): champions at 9,000, 8,000,
8,000 and 6,000 paying 400, 300, 200 and 100; revenue 8,000 beats only the last (a tie does
not beat): 100.00; 8,000.01 beats three: 600.00.
"""

from __future__ import annotations

from ..eligibility import eligible_people, is_eligible
from ..model import Award, BasisStep, Component
from ..periods import reference_of
from .base import ZERO, Context, Outcome, fmt_value, gives


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.on is not None
    program, data, period = ctx.program, ctx.data, ctx.period
    m = program.measure(c.on)
    mv = ctx.value(c.on)
    ref = reference_of(period, program.reference)
    ref_people = [p for p in eligible_people(program, data, ref) if is_eligible(data.people[p], c.eligible, ref)]
    ref_values = ctx.measures.among(ref_people).measure(c.on, ref).values
    order = sorted((p for p in ref_people if ref_values[p] > 0), key=lambda p: (-ref_values[p], data.people[p].name, p))
    champions = [(p, ref_values[p]) for p in order[: len(c.steps)]]
    out = {}
    for p in ctx.people:
        v = mv.values[p]
        beaten = [(i, q, cv) for i, (q, cv) in enumerate(champions) if v > cv]
        dates = ctx.measures.crossing_dates(m, p, [cv for _, _, cv in beaten], period, strict=True)
        cash = ZERO
        got: list[Award] = []
        steps = []
        for i, (q, cv) in enumerate(champions):
            reward = c.steps[i]
            who = f"champion {i + 1}: {data.people[q].name} with {fmt_value(cv, m)} in {ref.label}"
            hit = next((k for k, b in enumerate(beaten) if b[0] == i), None)
            if hit is not None:
                day = dates[hit] or period.end
                what = gives(reward, day, got)
                cash += reward.pays or ZERO
                steps.append(BasisStep(f"{who}: beaten", threshold=cv, amount=reward.pays or ZERO, note=f"{', '.join(what)}; went above it on {day.isoformat()}"))
            else:
                tie = " (a tie does not beat)" if v == cv else ""
                steps.append(BasisStep(f"{who}: not beaten{tie}", threshold=cv, note=f"needs more than {fmt_value(cv, m)}"))
        for i in range(len(champions), len(c.steps)):
            steps.append(BasisStep(f"champion {i + 1}: none (fewer than {len(c.steps)} people had {c.on} above 0 in {ref.label})"))
        out[p] = Outcome(cash, tuple(steps), tuple(got))
    return out
