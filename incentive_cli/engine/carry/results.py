"""Lines of no program (clawbacks, releases, draws, adjustments) as program results of
their own, and the balances a statement's Summary shows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ...money import Rounding, format_amount, minor_units
from ..data import DataSet
from ..model import Eligibility, PayoutLine, PersonResult, Program, ProgramResult
from ..periods import Period, reference_of
from .records import ZERO, Carry, Hold, Prior


def as_results(program_id: str, name: str, lines: list[PayoutLine], data: DataSet, period: Period) -> list[ProgramResult]:
    """Lines that belong to no program (clawbacks, releases, draws) as program results of
    their own, one per currency (id suffixed with it when there are several), one person
    result per person."""
    currencies = sorted({x.currency for x in lines})
    out = []
    for currency in currencies:
        pid_of = program_id if len(currencies) == 1 else f"{program_id}-{currency.lower()}"
        program = Program(pid_of, name, currency, period.label, "previous", Rounding(minor_units(currency), "half_up"), Eligibility(), (), (), ())
        by_person: dict[str, list[PayoutLine]] = {}
        for line in lines:
            if line.currency == currency:
                by_person.setdefault(line.person_id, []).append(replace(line, program_id=pid_of))
        people = []
        for pid in sorted(by_person):
            p = data.people[pid]
            people.append(PersonResult(pid, p.name, p.role, p.team, p.manager, pid_of, currency, (), (), tuple(by_person[pid])))
        out.append(ProgramResult(program, period.label, period.start, period.end, reference_of(period, "previous").label, tuple(people)))
    return out


def balances(carry: Carry, prior: Prior) -> dict[str, list[tuple[str, str]]]:
    """person -> (label, text) for the statement's Summary: the draw balance after this run
    and the money still held back (from every period, by deal), as the ledger will have them
    once this period is finalised."""
    out: dict[str, list[tuple[str, str]]] = {}
    for m in carry.draws:
        if m.kind == "recoverable":
            moved = f"top-up {format_amount(m.top_up)}" if m.top_up else f"recovered {format_amount(m.recovered)}" if m.recovered else "no change"
            out.setdefault(m.person_id, []).append(("Draw balance", f"{format_amount(m.closing)} {m.currency} to recover from later earnings (opening {format_amount(m.opening)}, {moved})"))
    left: dict[str, Decimal] = {}
    first: dict[str, Hold] = {}
    for h in prior.holds + carry.holds:
        left[h.hold_id] = left.get(h.hold_id, ZERO) + h.amount
        first.setdefault(h.hold_id, h)
    held: dict[str, list[Hold]] = {}
    for hid, amount in left.items():
        if amount > 0:
            held.setdefault(first[hid].person_id, []).append(replace(first[hid], amount=amount))
    for pid, items in held.items():
        total = sum((h.amount for h in items), ZERO)
        parts = "; ".join(f"{h.origin} {h.deal_id or h.component_name} {format_amount(h.amount)}" + ("" if h.release == "invoice" else f" until {h.release}") for h in sorted(items, key=lambda h: (h.origin, h.deal_id, h.hold_id)))
        out.setdefault(pid, []).append(("Held back", f"{format_amount(total)} {items[0].currency} not yet released ({parts})"))
    return out
