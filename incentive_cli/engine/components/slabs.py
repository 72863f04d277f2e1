"""``slabs``: bands by their inclusive lower bound (``from``); the highest band reached pays
once (slabs are not cumulative). A ``ladder`` instead of a table builds each cohort's slabs
from its reference average and maximum (catalogue kind 1).

YAML::

    - id: meetings
      type: slabs
      measure: meetings
      slabs: [{from: 5, pays: 50}, {from: 8, pays: 75}, {from: 11, pays: 100}]

Worked example (catalogue kind 2, tests/test_steps.py): 4 meetings pay 0, 7 pay 50, 8 pay
75, 30 pay 100. A ladder from average 10,000 to 105 % of maximum 12,000 at 2.5 %:
10,000 -> 250; 10,501 -> 262; ... above 12,500 -> 320 (tests/test_cohorts.py).
"""

from __future__ import annotations

from ...diagnostics import Diagnostic
from ..cohorts import LadderTooLong, build_ladder
from ..model import BasisStep, CohortPlace, Component, Step
from .base import Context, Outcome
from .steps import pay_table, reward


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    return _ladder(c, ctx) if c.ladder is not None else pay_table(c, ctx)


def _ladder(c: Component, ctx: Context) -> dict[str, Outcome]:
    """Slabs generated per cohort from its reference average and maximum."""
    placed = ctx.measures.cohorts(ctx.period)
    ladders: dict[str, tuple[tuple[Step, ...], str]] = {}
    out = {}
    for p in ctx.people:
        place = placed[p]
        if place.cohort not in ladders:
            ladders[place.cohort] = _cohort_ladder(c, ctx, place)
        ladder, how = ladders[place.cohort]
        out[p] = reward(c, ctx, p, ladder, (BasisStep(how),))
    return out


def _cohort_ladder(c: Component, ctx: Context, place: CohortPlace) -> tuple[tuple[Step, ...], str]:
    assert c.ladder is not None
    if place.average is None or place.maximum is None:
        return (), f"cohort {place.cohort}: nobody in it has history in {place.reference}, so it has no ladder"
    if (place.average if c.ladder.start == "average" else place.maximum) <= 0:
        return (), f"cohort {place.cohort}: its {c.ladder.start} in {place.reference} is 0, so it has no ladder"
    try:
        ladder, how = build_ladder(c.ladder, place.average, place.maximum)
    except LadderTooLong as exc:
        ctx.report(Diagnostic("ladder-too-long", f"components.{c.id}.ladder: for cohort {place.cohort!r}, {exc}", c.source, hint="make the step larger (step or step_share), or the stretch smaller", value=place.cohort))
        return (), f"cohort {place.cohort}: the ladder is too long"
    return ladder, f"cohort {place.cohort}: {how}"
