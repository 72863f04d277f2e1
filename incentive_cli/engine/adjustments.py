"""Manual adjustments as payout lines: one line per adjustment paid in the run's period, in
a program of their own ("Manual adjustments", one per currency), each line carrying its
reason, its approver and what it corrects."""

from __future__ import annotations

from pathlib import PurePath

from ..money import Rounding, minor_units, round_money
from .carry import as_results
from .data import DataSet
from .model import BasisStep, PayoutLine, ProgramResult
from .periods import Period


def adjustment_results(data: DataSet, period: Period) -> list[ProgramResult]:
    lines = []
    for n, a in enumerate(a for a in data.adjustments if a.period == period.label):
        note = f"approved by {a.approver}" + (f"; corrects {a.corrects}" if a.corrects else "")
        amount = round_money(a.amount, Rounding(minor_units(a.currency), "half_up"))
        lines.append(PayoutLine(a.person, "adjustments", f"adjustment-{a.source.line or n + 1}", f"Adjustment: {a.reason}", a.currency, amount, a.amount,
                                (BasisStep(f"{a.reason} (row {a.source.line} of {PurePath(a.source.file).name})", amount=a.amount, note=note),)))
    return as_results("adjustments", "Manual adjustments", lines, data, period)
