"""State carried across periods (issue 7): clawbacks, holdbacks, draws and true-ups.

The engine stays pure: the payout ledger's finalised periods come in as a ``Prior`` (read by
``incentive_cli.ledger``), and what a run adds to the ledger goes out as a ``Carry``
(written beside the outputs as carry.json and recorded by ``incentive finalize``). Every
money figure here is a payout line rounded once; the ledger keeps the rows that let the
next period continue: which deal paid what, what is held and until when, and each person's
draw balance. One module per mechanism.
"""

from __future__ import annotations

from .clawbacks import clawbacks, credited_today, why_not_credited
from .deals import base_measure, deal_ids, paid_deals, payments
from .draws import draws
from .holdbacks import hold_back, installments, releases
from .records import (
    HELD,
    RATE_PLACES,
    TRUE_UP,
    ZERO,
    Carry,
    DealPaid,
    DrawMove,
    Hold,
    Prior,
    base_component,
)
from .results import as_results, balances
from .trueup import true_up, year_to_date

__all__ = [
    "HELD", "RATE_PLACES", "TRUE_UP", "ZERO", "Carry", "DealPaid", "DrawMove", "Hold", "Prior",
    "as_results", "balances", "base_component", "base_measure", "clawbacks", "credited_today",
    "deal_ids", "draws", "hold_back", "installments", "paid_deals", "payments", "releases", "true_up",
    "why_not_credited", "year_to_date",
]
