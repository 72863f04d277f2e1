"""Payout measures: a sum of other people's pay (``payouts: commission`` of another program,
over a person's direct reports, subtree or team), so "a manager earns 10 % of the commission
their reports earn" is a rate on it. The deals each member's line was paid on carry over: the
measure's rows are the members' attributed deals, each worth what it earned the member, so
an override on it is attributed to the member's deals (and clawed back with them). Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from ..money import minor_units
from .model import Measure, PayoutLine
from .periods import Period

if TYPE_CHECKING:
    from .measures import Evaluator, MeasureValue

WHOSE = {"direct": "the person's direct reports", "subtree": "everyone below the person", "team": "the person's teammates", "own": "the person"}


def members_of(ev: Evaluator, p: str, rollup: str, roles: tuple[str, ...]) -> list[str]:
    """Whose lines count for a person: their direct reports, subtree or team (not
    themselves), or their own; with roles, only members holding one."""
    people = ev.data.members(p, rollup)
    out = [q for q in people if q != p or rollup == "own"]
    return [q for q in out if not roles or ev.data.people[q].role in roles]


class PaidRows(Mapping[str, np.ndarray]):
    """Each person's members' attributed deal rows, and what each earned them (made when
    asked for: a manager's rows are every member's)."""

    def __init__(self, lines: dict[str, list[PayoutLine]], units: bool = False):
        self.lines, self.units = lines, units

    def __getitem__(self, p: str) -> np.ndarray:
        attributed = [x.attribution for x in self.lines.get(p, ())]
        parts = [a.paid if self.units else a.rows for a in attributed if a is not None and a.paid is not None]
        if not parts:
            raise KeyError(p)
        return np.concatenate(parts).astype(np.int64)

    def __contains__(self, p: object) -> bool:
        return isinstance(p, str) and bool(self.lines.get(p)) and all(x.attribution is not None for x in self.lines[p])

    def __iter__(self) -> Iterator[str]:
        return (p for p in self.lines if p in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def paid_measure(ev: Evaluator, m: Measure, period: Period) -> MeasureValue:
    from .measures import MeasureValue

    program, component = m.program or "", m.field or ""
    if ev.run is not None and period.label != ev.run.label:
        return MeasureValue({p: Decimal(0) for p in ev.people}, f"{component} of {program}: paid in the run's period only, so 0 in {period.label}")
    lines: dict[str, list[PayoutLine]] = {}
    values = {}
    for p in ev.people:
        mine = [x for q in members_of(ev, p, m.rollup, m.member_roles) for x in ev.paid(program, component, q)]
        lines[p] = mine
        values[p] = sum((x.amount for x in mine), Decimal(0))
    roles = f" ({', '.join(m.member_roles)})" if m.member_roles else ""
    places = minor_units(ev.program.currency)
    how = f"{component} paid by {program} to {WHOSE.get(m.rollup, m.rollup)}{roles} in {period.label}"
    return MeasureValue(values, how, PaidRows(lines), "deals", credited=PaidRows(lines, units=True), credited_scale=places)
