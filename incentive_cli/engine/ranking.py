"""Ranks: competition ranking of people by a measure, and the leaderboard of a program."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from ..money import CONTEXT
from .data import DataSet
from .eligibility import eligible_people
from .measures import Evaluator
from .model import Program
from .periods import Period, reference_of


@dataclass(frozen=True)
class Standing:
    person_id: str
    name: str
    team: str
    value: Decimal
    rank: int
    reference_value: Decimal | None
    reference_rank: int | None


def rank_values(values: dict[str, Decimal], names: dict[str, str]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4): higher is better; ties share the better rank."""
    order = sorted(values, key=lambda p: (-values[p], names.get(p, p), p))
    ranks: dict[str, int] = {}
    for i, p in enumerate(order, start=1):
        ranks[p] = ranks[order[i - 2]] if i > 1 and values[p] == values[order[i - 2]] else i
    return ranks


def leaderboard(program: Program, data: DataSet, period: Period, measure: str) -> tuple[list[Standing], Period]:
    """Everyone eligible ranked by a measure, with their rank in the reference period
    (people eligible then)."""
    ref = reference_of(period, program.reference)
    with decimal.localcontext(CONTEXT):
        now_people = eligible_people(program, data, period)
        now_ev = Evaluator(program, data, now_people)
        now_ev.run = period
        now = now_ev.measure(measure, period).values
        ref_people = eligible_people(program, data, ref)
        before = Evaluator(program, data, ref_people).measure(measure, ref).values
    names = {pid: p.name for pid, p in data.people.items()}
    ranks, ref_ranks = rank_values(now, names), rank_values(before, names)
    rows = [Standing(p, names[p], data.people[p].team, now[p], ranks[p], before.get(p), ref_ranks.get(p)) for p in now]
    return sorted(rows, key=lambda s: (s.rank, s.name, s.person_id)), ref
