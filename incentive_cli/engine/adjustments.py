"""Manual adjustments as payout lines: one line per adjustment paid in the run's period, in
a program of their own ("Manual adjustments", one per currency), each line carrying its
reason, its approver and what it corrects."""

from __future__ import annotations

from pathlib import PurePath

from ..money import Rounding, minor_units, round_money
from .data import DataSet
from .model import BasisStep, Eligibility, PayoutLine, PersonResult, Program, ProgramResult
from .periods import Period, reference_of


def adjustment_results(data: DataSet, period: Period) -> list[ProgramResult]:
    mine = [a for a in data.adjustments if a.period == period.label]
    out = []
    for currency in sorted({a.currency for a in mine}):
        pid_of = "adjustments" if len({a.currency for a in mine}) == 1 else f"adjustments-{currency.lower()}"
        rounding = Rounding(minor_units(currency), "half_up")
        program = Program(pid_of, "Manual adjustments", currency, period.label, "previous", rounding, Eligibility(), (), (), (), file=str(mine[0].source.file))
        people: dict[str, list[PayoutLine]] = {}
        for n, a in enumerate(a for a in mine if a.currency == currency):
            note = f"approved by {a.approver}" + (f"; corrects {a.corrects}" if a.corrects else "")
            amount = round_money(a.amount, rounding)
            line = PayoutLine(a.person, pid_of, f"adjustment-{a.source.line or n + 1}", f"Adjustment: {a.reason}", currency, amount, a.amount,
                              (BasisStep(f"{a.reason} (row {a.source.line} of {PurePath(a.source.file).name})", amount=a.amount, note=note),))
            people.setdefault(a.person, []).append(line)
        results = []
        for pid in sorted(people):
            p = data.people[pid]
            results.append(PersonResult(pid, p.name, p.role, p.team, p.manager, pid_of, currency, (), (), tuple(people[pid])))
        out.append(ProgramResult(program, period.label, period.start, period.end, reference_of(period, "previous").label, tuple(results)))
    return out
