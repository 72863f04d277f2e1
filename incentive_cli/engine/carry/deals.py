"""Which deals a paid line was paid on, and what each earned (from its deal attribution,
engine/attribution.py): recorded for clawbacks and invoice holdbacks."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..attribution import by_deal
from ..data import DataSet
from ..model import Measure, PayoutLine, Program, ProgramResult
from ..periods import Period
from .records import HELD, RATE_PLACES, TRUE_UP, ZERO, DealPaid, base_component


def base_measure(program: Program, component: str) -> Measure | None:
    """The measure a component's line is computed on (its base, else the measure it is on),
    by the line's component id (version suffix and all); None for components without one."""
    comp = next((c for c in program.components if c.id == base_component(component)), None)
    name = (comp.base or comp.on) if comp is not None else None
    return program.measure(name) if name else None


def deal_ids(data: DataSet) -> np.ndarray | None:
    """The deals' ids by data row (``_i``), or None when the deals carry no id."""
    ft = data.tables.get("deals")
    if ft is None or "deal_id" not in ft.frame.columns:
        return None
    return ft.deal_ids()


def paid_deals(line: PayoutLine, ids: np.ndarray | None) -> list[tuple[str, Decimal, Decimal]]:
    """(deal id, value credited, money paid) of each deal a line was paid on: its deal
    attribution (engine/attribution.py), in deal id order; [] for a line not paid on deals."""
    a = line.attribution
    if a is None or ids is None or a.table != "deals" or a.paid is None:
        return []
    return by_deal(a, ids)


def payments(program: Program, result: ProgramResult, data: DataSet, period: Period) -> list[DealPaid]:
    """What each deal earned of every paid line of a program with a clawback rule."""
    ids = deal_ids(data)
    out = []
    for person in result.people:
        for line in person.lines:
            if line.amount == 0 or line.component_id.startswith((HELD, TRUE_UP)):
                continue
            for deal, value, paid in paid_deals(line, ids):
                if paid:
                    rate = (paid / value).quantize(RATE_PLACES).normalize() + 0 if value else ZERO
                    out.append(DealPaid(period.label, period.label, person.person_id, program.id, line.component_id, deal, value, rate, paid))
    return out
