"""The worked plan of PROGRAMS.md, run from programs/q2-plan.yaml itself."""

from __future__ import annotations

import shutil
from decimal import Decimal

from conftest import PROGRAMS, deals_csv

from incentive_cli import api


def _twelve_new_customers_worth_100k() -> str:
    rows = [(f"D{i:02d}", "ana", f"Customer {i:02d}", "Won", f"2026-0{4 + i % 3}-1{i % 9}", "8000") for i in range(11)]
    rows.append(("D11", "ana", "Customer 11", "Won", "2026-06-30", "12000"))
    rows.append(("D12", "ana", "Customer 11", "Lost", "2026-06-30", "0"))
    rows.append(("D13", "ana", "Customer 12", "Won", "2026-07-01", "50000"))  # next quarter
    return deals_csv(rows)


def test_q2_plan_pays_5500_commission_and_two_bonuses_for_7500_cash(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,80000\n", _twelve_new_customers_worth_100k())
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    result = api.compute(ws.programs, ws.data, "2026-Q2")
    [plan] = result.results
    [ana] = plan.people
    lines = {line.component_id: line.amount for line in ana.lines}
    assert {n: v for n, v, _ in ana.measures} == {"revenue": Decimal("100000.00"), "new_customers": Decimal(12), "attainment": Decimal("1.25")}
    assert lines == {"commission": Decimal("5500.00"), "attainment-bonus": Decimal("1000"), "new-customer-bonus": Decimal("1000"), "top-performer": Decimal("0.00"), "coaching": Decimal("0.00")}
    assert ana.total == Decimal("7500.00")
    assert [(a.kind, a.name, a.cost) for _, a in ana.awards] == [("badge", "Top performer of the quarter", None), ("non-cash", "Gift card", Decimal(500)), ("non-cash", "Exclusive coaching", None)]
    commission = next(line for line in ana.lines if line.component_id == "commission")
    assert [(s.base, s.rate, s.amount) for s in commission.steps if s.rate is not None] == [
        (Decimal("75000"), Decimal("0.05"), Decimal("3750.00")),
        (Decimal("25000.00"), Decimal("0.07"), Decimal("1750.0000")),
    ]


def test_q2_plan_below_the_thresholds_pays_commission_only(ws):
    deals = deals_csv([("D1", "ana", "Old Co", "Won", "2026-01-10", "100"), ("D2", "ana", "Old Co", "Won", "2026-05-01", "91999.99")])
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,80000\n", deals)
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    [plan] = api.compute(ws.programs, ws.data, "2026-Q2").results
    [ana] = plan.people
    lines = {line.component_id: line.amount for line in ana.lines}
    # 91,999.99 / 80,000 = 114.99999% < 115%; Old Co was first won in Q1, so 0 new customers
    assert lines == {"commission": Decimal("4940.00"),  # 3,750 + 16,999.99 x 7% = 4,939.9993
                      "attainment-bonus": Decimal("0.00"), "new-customer-bonus": Decimal("0.00"), "top-performer": Decimal("0.00"), "coaching": Decimal("0.00")}
