"""The records carried across periods: what each deal paid, what is held, each draw's
balance; what the ledger holds (``Prior``) and what a run adds to it (``Carry``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
RATE_PLACES = Decimal("1e-10")  # the rate a deal was paid at, as recorded (informational)
HELD = "held-back"  # component id prefix of the negative line a holdback puts beside a paid line
TRUE_UP = "true-up"


@dataclass(frozen=True)
class DealPaid:
    """A deal's part of a paid line (or, negative, of a clawback): the deal value credited
    and the money, at the line's effective rate."""

    period: str  # the period whose run paid (or clawed back) it
    origin: str  # the period the deal was first paid in
    person_id: str
    program: str
    component: str
    deal_id: str
    amount: Decimal  # deal value credited (negative: taken back)
    rate: Decimal  # money per unit of deal value, as paid
    paid: Decimal  # money


@dataclass(frozen=True)
class Hold:
    """Money held back (positive) or released (negative, in the period it is released)."""

    period: str
    hold_id: str
    origin: str
    person_id: str
    program: str
    component: str
    component_name: str
    deal_id: str  # '' for a hold of a whole line
    amount: Decimal
    currency: str
    release: str  # 'invoice' or the release day (ISO)


@dataclass(frozen=True)
class DrawMove:
    period: str
    person_id: str
    currency: str
    kind: str  # recoverable or guarantee
    opening: Decimal
    top_up: Decimal
    recovered: Decimal
    closing: Decimal


@dataclass
class Prior:
    """What the ledger holds for periods that ended before the run's period started."""

    periods: list[tuple[str, str]] = field(default_factory=list)  # (period, run.json sha256)
    lines: list[Any] = field(default_factory=list)  # ledger.Line
    deals: list[DealPaid] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    draws: dict[str, DrawMove] = field(default_factory=dict)  # person -> latest move


@dataclass
class Carry:
    """What this run adds to the ledger when its period is finalised."""

    deals: list[DealPaid] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    draws: list[DrawMove] = field(default_factory=list)
    prior: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def rows(items: list[Any]) -> list[dict[str, str]]:
            return [{k: str(v) for k, v in vars(x).items()} for x in items]

        return {"prior_periods": [{"period": p, "run_json_sha256": s} for p, s in self.prior], "deals": rows(self.deals), "holds": rows(self.holds), "draws": rows(self.draws)}


def base_component(cid: str) -> str:
    """A component id without the version suffix an effective-dated part gives it."""
    return cid.split("@", 1)[0]
