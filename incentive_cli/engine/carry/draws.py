"""Draws: top-ups to the draw, recoveries of a recoverable balance from later earnings."""

from __future__ import annotations

from decimal import Decimal

from ...money import Rounding, format_amount, format_rate, minor_units, round_money
from ..data import DataSet, Draw
from ..model import BasisStep, PayoutLine, ProgramResult
from ..periods import Period
from .records import ZERO, DrawMove, Prior


def draws(results: list[ProgramResult], prior: Prior, data: DataSet, period: Period) -> tuple[list[PayoutLine], list[DrawMove]]:
    """Draw top-ups and recoveries against each person's earnings of the run (every program
    line but manual adjustments)."""
    earned: dict[str, Decimal] = {}
    for r in results:
        if r.program.id.startswith("adjustments"):
            continue
        for p in r.people:
            earned[p.person_id] = earned.get(p.person_id, ZERO) + p.total
    active: dict[str, Draw] = {}
    for d in data.draws:
        if d.start <= period.start <= d.end:
            active[d.person] = d
    lines, moves = [], []
    for pid in sorted(set(active) | {p for p, m in prior.draws.items() if m.closing > 0}):
        draw = active.get(pid)
        last = prior.draws.get(pid)
        if draw is None:  # a recoverable draw that ended with a balance: recover only
            draw = next((d for d in sorted(data.draws, key=lambda d: d.end, reverse=True) if d.person == pid and d.kind == "recoverable"), None)
            if draw is None or last is None:
                continue
            paying = False
        else:
            paying = True
        currency = draw.currency
        places = minor_units(currency)
        rounding = Rounding(places, "half_up")
        opening = last.closing if last is not None and last.currency == currency else ZERO
        e = earned.get(pid, ZERO)
        top_up = round_money(max(ZERO, draw.amount - e), rounding) if paying else ZERO
        base = max(ZERO, e - draw.amount) if paying else max(ZERO, e)
        recovered = ZERO
        earnings = f"earnings this period {format_amount(e)} (every program line; manual adjustments are not earnings)"
        steps = [BasisStep(f"{earnings}; draw {format_amount(draw.amount)} ({draw.kind})" if paying else f"{earnings}; the draw has ended")]
        if draw.kind == "recoverable" and opening > 0 and base > 0:
            recovered = round_money(min(opening, base * draw.recovery_share, draw.cap if draw.cap is not None else opening), rounding)
            cap = f", cap {format_amount(draw.cap)}" if draw.cap is not None else ""
            steps.append(BasisStep(f"recovery: {format_rate(draw.recovery_share)} of {format_amount(base)}, at most the balance {format_amount(opening)}{cap}", amount=-recovered))
        closing = opening + (top_up if draw.kind == "recoverable" else ZERO) - recovered
        if top_up:
            lines.append(PayoutLine(pid, "draws", "draw", "Draw top-up" + (" (recoverable)" if draw.kind == "recoverable" else " (guarantee)"), currency, top_up, top_up,
                                    (*steps, BasisStep(f"top-up to the draw: {format_amount(draw.amount)} - {format_amount(e)}", amount=top_up, note=f"balance to recover {format_amount(closing)}" if draw.kind == "recoverable" else "not recovered"))))
        if recovered:
            lines.append(PayoutLine(pid, "draws", "draw-recovery", "Draw recovery", currency, -recovered, -recovered, (*steps, BasisStep(f"balance {format_amount(opening)} -> {format_amount(closing)}"))))
        moves.append(DrawMove(period.label, pid, currency, draw.kind, opening, top_up, recovered, closing))
    return lines, moves
