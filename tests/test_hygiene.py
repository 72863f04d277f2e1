"""CRM hygiene (catalogue kind 8): a deal counts only when the fields the program requires
are filled; the others are listed with the missing field; a bonus for complete records."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, cli, run_and_read_not_counted

from incentive_cli import api

SOURCES = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    next_step: {header: next_step, required: false}\n").replace("    close_date: close_date\n", "    close_date: close_date\n    created_date: {header: created, required: false}\n")
HYGIENE = """
schema_version: 1
id: hygiene
currency: USD
period: month
required_fields: [customer, close_date, amount, next_step]
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  complete: {from: deals, count: rows, date: created_date}
  all_deals: {from: deals, count: rows, date: created_date, include_incomplete: true}
  completeness: {divide: complete, by: all_deals, min_denominator: 5}
components:
  - {id: commission, type: rate, base: revenue, rate: 10%}
  - {id: hygiene-bonus, name: Complete records bonus, type: bonus, measure: completeness, at_least: 95%, amount: 250}
"""
ROSTER = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1\nbob,Bob,Sales Rep,East,boss,1\n"


def _deals(bob_gaps: int) -> str:
    rows = ["deal_id,owner,customer,stage,close_date,created,amount,next_step"]
    rows += [f"A{i},ana,Acme,Won,2026-04-10,2026-04-01,100,Invoice" for i in range(19)]
    rows += ["A19,ana,,Won,2026-04-11,2026-04-01,100,Invoice"]  # no customer: does not count
    rows += [f"B{i},bob,Beta,Won,2026-04-10,2026-04-02,100,{'' if i < bob_gaps else 'Call back'}" for i in range(20)]
    return "\n".join(rows) + "\n"


def test_deals_missing_a_required_field_do_not_count_and_complete_records_earn_the_bonus(ws):
    ws.setup(ROSTER, _deals(bob_gaps=2), SOURCES)
    ws.program("hygiene", HYGIENE)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    people = {p.person_id: p for p in r.people}
    values = {pid: {n: v for n, v, _ in p.measures} for pid, p in people.items()}
    assert values["ana"]["revenue"] == Decimal("1900.00") and values["ana"]["completeness"] == Decimal("0.95")
    assert values["bob"]["revenue"] == Decimal("1800.00") and values["bob"]["completeness"] == Decimal("0.9")
    assert {pid: str(p.total) for pid, p in people.items()} == {"ana": "440.00", "bob": "180.00"}  # 190 + 250; 180


def test_the_statement_lists_each_uncounted_deal_with_its_missing_field(ws):
    ws.setup(ROSTER, _deals(bob_gaps=1), SOURCES)
    ws.program("hygiene", HYGIENE)
    assert run_and_read_not_counted(ws, "2026-04", "ana", "A19") == ["no customer (the program requires it: fill it in the CRM)"]
    assert run_and_read_not_counted(ws, "2026-04", "bob", "B0") == ["no next_step (the program requires it: fill it in the CRM)"]


def test_a_required_field_the_export_does_not_have_is_refused(ws):
    ws.setup(ROSTER, _deals(0), DEFAULT_SOURCES)
    ws.program("hygiene", HYGIENE.replace("  complete: {from: deals, count: rows, date: created_date}\n  all_deals: {from: deals, count: rows, date: created_date, include_incomplete: true}\n  completeness: {divide: complete, by: all_deals, min_denominator: 5}\n", "").replace("  - {id: hygiene-bonus, name: Complete records bonus, type: bonus, measure: completeness, at_least: 95%, amount: 250}\n", ""))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "hygiene.yaml:5:18: error [bad-reference] required_fields: the deals source has no field 'next_step'" in err


def test_maven_crm_hygiene_matches_a_plain_python_count_of_complete_records():
    import csv

    complete: dict[str, int] = {}
    engaged: dict[str, int] = {}
    with (SAMPLE / "sales_pipeline.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if "2017-04-01" <= row["engage_date"] <= "2017-06-30":
                engaged[row["sales_agent"]] = engaged.get(row["sales_agent"], 0) + 1
                complete[row["sales_agent"]] = complete.get(row["sales_agent"], 0) + bool(row["account"])
    [r] = api.compute(PROGRAMS / "crm-hygiene.yaml", SAMPLE, "2017-Q2").results
    bonus = {}
    for p in r.people:
        values = {n: v for n, v, _ in p.measures}
        assert values["engaged_all"] == engaged.get(p.person_id, 0), p.person_id
        assert values["engaged_complete"] == complete.get(p.person_id, 0), p.person_id
        bonus[p.person_id] = next(x.amount for x in p.lines if x.component_id == "hygiene-bonus")
    assert sum(1 for v in bonus.values() if v) == sum(1 for a in engaged if complete[a] / engaged[a] >= Decimal("0.8"))
    assert 0 < sum(1 for v in bonus.values() if v) < len(bonus)  # some agents keep their records complete, some do not


def test_a_measure_that_includes_incomplete_deals_credits_them_on_the_statement(ws):
    program = HYGIENE.replace("  revenue: {from: deals, sum: amount, where: {stage: Won}}", "  revenue: {from: deals, sum: amount, where: {stage: Won}, include_incomplete: true}")
    ws.setup(ROSTER, _deals(bob_gaps=0), SOURCES)
    ws.program("hygiene", program)
    assert run_and_read_not_counted(ws, "2026-04", "ana", "A19") == []  # the deal without a customer counted in revenue, so it is credited
