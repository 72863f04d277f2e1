"""Cohorts by share of a reference-period ranking, and the slab ladders built from them
(catalogue kind 1, "Super Stars"). Pure functions over plain values.

The rules (README, "Cohorts"):

* People with history are ranked by their reference-period value, highest first.
* Each cohort's size is its share of those people rounded half up, at least one person
  where the share is above zero; the cuts are cumulative, so the last cohort takes whoever
  is left (and a cohort can be empty when the ones above it took everybody).
* People tied with someone above a cut go to the better cohort, however many they are.
* People without history go to the ``no_history`` cohort (default: the last one).
* A cohort's average and maximum are over its members with history.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..money import Rounding, format_number, format_rate, round_money
from .model import CohortPlace, Cohorts, Ladder, Step

MAX_LADDER_SLABS = 200


def cohort_sizes(shares: list[Decimal], n: int) -> list[int]:
    """How many people each cohort takes from ``n`` ranked people, best cohort first.

    >>> cohort_sizes([Decimal("0.1"), Decimal("0.3"), Decimal("0.6")], 35)
    [4, 11, 20]
    >>> cohort_sizes([Decimal("0.1"), Decimal("0.3"), Decimal("0.6")], 1)
    [1, 0, 0]
    """
    sizes: list[int] = []
    left = n
    for i, share in enumerate(shares):
        if i == len(shares) - 1:
            size = left
        else:
            size = int((share * n).to_integral_value(rounding=ROUND_HALF_UP))
            if share > 0:
                size = max(size, 1)
            size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def assign_cohorts(spec: Cohorts, reference: str, values: dict[str, Decimal | None], names: dict[str, str]) -> dict[str, CohortPlace]:
    """Every person's cohort. ``values`` holds each person's reference-period value, or None
    for a person without history."""
    ranked = sorted((p for p, v in values.items() if v is not None), key=lambda p: (-values[p], names.get(p, p), p))  # type: ignore[operator]
    sizes = cohort_sizes([g.share for g in spec.groups], len(ranked))
    group_of: dict[str, int] = {}
    rank_of: dict[str, int] = {}
    cut, gi = sizes[0], 0
    for i, p in enumerate(ranked):
        prev = ranked[i - 1] if i else None
        if prev is not None and values[p] == values[prev]:
            group_of[p], rank_of[p] = group_of[prev], rank_of[prev]  # a tie follows the better cohort
            continue
        while i >= cut and gi < len(sizes) - 1:
            gi += 1
            cut += sizes[gi]
        group_of[p], rank_of[p] = gi, i + 1
    no_history = next(i for i, g in enumerate(spec.groups) if g.name == spec.no_history)
    for p, v in values.items():
        if v is None:
            group_of[p] = no_history
    out: dict[str, CohortPlace] = {}
    for gi, g in enumerate(spec.groups):
        members = [p for p in values if group_of[p] == gi]
        known = [v for v in (values[p] for p in members) if v is not None]
        avg = sum(known, Decimal(0)) / len(known) if known else None
        mx = max(known) if known else None
        for p in members:
            out[p] = CohortPlace(g.name, spec.measure, reference, values[p], rank_of.get(p), len(ranked), len(members), avg, mx)
    return out


class LadderTooLong(ValueError):
    pass


def build_ladder(ladder: Ladder, average: Decimal, maximum: Decimal) -> tuple[tuple[Step, ...], str]:
    """The slabs of one cohort, lowest first, and how they were made.

    The first slab starts at the cohort's average (or maximum); each closed slab is ``step``
    wide; closed slabs end at or below ``stretch`` x maximum; each later slab starts ``gap``
    above the previous end; one open-ended slab follows. Each slab pays ``rate`` x its lower
    bound rounded (down, to whole units by default); ``top_pays`` replaces the open slab's.

    >>> steps, _ = build_ladder(Ladder(stretch=Decimal("1.05"), rate=Decimal("0.025"), step=Decimal(500), top_pays=Decimal(320)), Decimal(10000), Decimal(12000))
    >>> [(int(s.bound), int(s.pays)) for s in steps]
    [(10000, 250), (10501, 262), (11001, 275), (11501, 287), (12001, 300), (12501, 320)]
    """
    start = average if ladder.start == "average" else maximum
    end = ladder.stretch * maximum
    step = ladder.step if ladder.step is not None else (ladder.step_share or Decimal(0)) * start
    if step <= 0:
        raise LadderTooLong(f"the step is {format_number(step)}, so the ladder cannot climb")
    count = 0
    while start + (count + 1) * step <= end:
        count += 1
        if count > MAX_LADDER_SLABS:
            raise LadderTooLong(f"steps of {format_number(step)} from {format_number(round(start, 2))} to {format_number(round(end, 2))} make more than {MAX_LADDER_SLABS} slabs")
    rounding = Rounding(places=ladder.places, mode=ladder.round)
    bounds = [start] + [start + k * step + ladder.gap for k in range(1, count + 1)]
    steps = []
    for i, b in enumerate(bounds):
        top = i == len(bounds) - 1
        pays = ladder.top_pays if top and ladder.top_pays is not None else round_money(ladder.rate * b, rounding)
        upper = "and above" if top else f"to {format_number(round(start + (i + 1) * step, 2))}"
        steps.append(Step(b, pays, name=f"slab {format_number(round(b, 2))} {upper}"))
    how = (f"ladder from the cohort {ladder.start} {format_number(round(start, 2))} in steps of {format_number(round(step, 2))} "
           f"up to {format_rate(ladder.stretch)} of the cohort maximum {format_number(maximum)} = {format_number(round(end, 2))}; "
           f"each slab pays {format_rate(ladder.rate)} of its lower bound rounded {ladder.round} to {ladder.places} places"
           + (f"; the open top slab pays {format_number(ladder.top_pays)}" if ladder.top_pays is not None else ""))
    return tuple(steps), how
