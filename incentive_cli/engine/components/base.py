"""What every component kind shares: the ``Context`` it is paid in, the ``Outcome`` it gives
each person, and the narrow interface to measures and targets it asks (``Measures``).

A kind is one module in this package with one function::

    def pay(c: Component, ctx: Context) -> dict[str, Outcome]

It returns an outcome for each person it pays (every person of ``ctx.people``, except a
plan's kind that picks its own participants), and nothing else: no out-parameters, no
shared dictionaries. Gate, cap, floor and rounding are applied afterwards, the same way for
every kind (engine/payout.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from ...diagnostics import Diagnostic
from ...money import format_money, format_number, format_rate
from ..attribution import Source
from ..data import DataSet, FactTable
from ..model import RATIO_KINDS, Award, BasisStep, CohortPlace, Measure, PayoutLine, Program, Step
from ..periods import Period

if TYPE_CHECKING:
    from ..measures import MeasureValue

ZERO = Decimal(0)


class Measures(Protocol):
    """What a component may ask about the facts (engine/measures.py implements it)."""

    diags: list[Diagnostic]
    people: list[str]

    def measure(self, name: str, period: Period) -> MeasureValue: ...

    def target(self, name: str, period: Period) -> tuple[dict[str, Decimal | None], dict[str, str]]: ...

    def cohorts(self, period: Period) -> dict[str, CohortPlace]: ...

    def crossing_dates(self, m: Measure, p: str, bounds: list[Decimal], period: Period, strict: bool = False) -> list[dt.date | None]: ...

    def reference_values(self, name: str, period: Period, people: list[str] | None = None) -> tuple[dict[str, Decimal | None], Period]: ...

    def rows(self, m: Measure, period: Period | None, until: dt.date | None = None) -> tuple[FactTable, pd.DataFrame]: ...

    def row_values(self, m: Measure, rows: np.ndarray) -> tuple[np.ndarray, int]: ...

    def units(self, ft: FactTable, fld: str) -> np.ndarray: ...

    def among(self, people: list[str]) -> Measures: ...

    def paid(self, program: str, component: str, person: str) -> tuple[PayoutLine, ...]: ...

    def dates(self, ft: FactTable, fld: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Context:
    """Where a component is paid: the program, the data as it sees it, the run's period, the
    people eligible for this component, and the measures to ask."""

    program: Program
    data: DataSet
    period: Period
    people: list[str]
    measures: Measures

    def value(self, name: str) -> MeasureValue:
        """A measure of the program in the run's period."""
        return self.measures.measure(name, self.period)

    def report(self, diagnostic: Diagnostic) -> None:
        self.measures.diags.append(diagnostic)


@dataclass(frozen=True)
class Outcome:
    """What a component gives one person, before gate, cap, floor and rounding."""

    exact: Decimal = ZERO
    steps: tuple[BasisStep, ...] = ()
    awards: tuple[Award, ...] = ()
    attribution: Source = None  # what each deal earned (rate, tiers, split); None: not paid on deals
    status: str = ""  # a plain outcome for the statement's summary ("Met the plan: yes")
    rows: np.ndarray | None = field(default=None, compare=False)  # the facts behind it, when not its measure's rows


def passes(value: Decimal, threshold: Decimal, strict: bool) -> bool:
    return value > threshold if strict else value >= threshold


def fmt_value(v: Decimal, measure: Measure | None) -> str:
    if measure is not None and measure.kind in RATIO_KINDS:
        return format_rate(round(v, 6))
    return format_number(v)


def gives(s: Step, day: dt.date, got: list[Award]) -> list[str]:
    """What a reached step gives, as text; badges and non-cash rewards are added to ``got``."""
    out = [f"pays {format_money(s.pays)}"] if s.pays is not None else []
    if s.badge:
        got.append(Award("badge", s.badge, day))
        out.append(f"badge {s.badge}")
    if s.reward:
        got.append(Award("non-cash", s.reward, day, s.cost))
        out.append(f"{s.reward}" + (f" (cost {format_money(s.cost)})" if s.cost is not None else ""))
    return out


def measure_of(ctx: Context, name: str | None) -> Measure | None:
    return ctx.program.measure(name) if name else None
