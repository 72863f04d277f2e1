"""True-up: the year to date's lines, less what the program paid earlier in the year."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ...money import Rounding, minor_units, round_money
from ..model import BasisStep, PayoutLine, ProgramResult
from ..periods import Period
from .records import HELD, TRUE_UP, ZERO, Prior


def year_to_date(period: Period) -> Period:
    return Period.between(dt.date(period.start.year, 1, 1), period.end)


def true_up(result: ProgramResult, prior: Prior, period: Period) -> ProgramResult:
    """The year to date's lines, less what the program paid earlier in the year."""
    year = str(period.start.year)
    earlier = [x for x in prior.lines if x.program == result.program.id and x.period[:4] == year and not x.component.startswith(HELD)]
    people = []
    for person in result.people:
        mine = [x for x in earlier if x.person_id == person.person_id]
        back = round_money(ZERO - sum((x.amount for x in mine), ZERO), Rounding(minor_units(result.program.currency)))  # 0.00, never -0
        periods = sorted({x.period for x in mine})
        step = BasisStep(f"paid by {result.program.name} in {', '.join(periods) if periods else 'no earlier period of ' + year}", amount=back)
        line = PayoutLine(person.person_id, result.program.id, TRUE_UP, f"Paid earlier in {year}", result.program.currency, back, back, (step,))
        people.append(replace(person, lines=person.lines + (line,)))
    return replace(result, people=tuple(people), period_label=period.label, period_start=period.start, period_end=period.end)
