"""Split credit (catalogue kind 3, "Team Success Bonus"): a deal's commission pool shared
among the roles that worked it, to the cent."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEFAULT_SOURCES, Workspace, cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentive_cli import api

ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{n},{r},East,boss,1\n" for p, n, r in (("sam", "Sam Sdr", "SDR"), ("ana", "Ana Ae", "AE"), ("sue", "Sue Se", "Sales Engineer")))
SOURCES = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    sdr: {header: sdr, required: false}\n    se: {header: se, required: false}\n")
SPLIT = """
schema_version: 1
id: team-success
currency: USD
period: month
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: team-success
    name: Team Success Bonus
    type: split
    base: revenue
    rate: 10%
    roles:
      - {role: SDR, share: 10%, field: sdr}
      - {role: AE, share: 70%, field: owner}
      - {role: Sales Engineer, share: 20%, field: se}
    missing_role: redistribute
"""


def _run(ws: Workspace, deals: str, program: str = SPLIT, sources: str = SOURCES) -> dict[str, str]:
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount,sdr,se\n" + deals, sources)
    ws.program("team-success", program)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    return {p.person_id: str(p.total) for p in r.people}


def test_a_10000_deal_at_10_percent_shares_100_700_200(ws):
    assert _run(ws, "D1,ana,Acme,Won,2026-04-02,10000,sam,sue\n") == {"sam": "100.00", "ana": "700.00", "sue": "200.00"}


def test_a_pool_of_33_33_shares_to_the_cent(ws):
    got = _run(ws, "D1,ana,Acme,Won,2026-04-02,333.30,Sam Sdr,sue\n")  # a role holder may be named
    assert got == {"sam": "3.33", "ana": "23.33", "sue": "6.67"}
    assert sum(Decimal(v) for v in got.values()) == Decimal("33.33")


def test_a_missing_role_is_redistributed_or_left_unpaid_as_declared(ws):
    assert _run(ws, "D1,ana,Acme,Won,2026-04-02,10000,sam,\n") == {"sam": "125.00", "ana": "875.00", "sue": "0.00"}
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    sam = next(p for p in r.people if p.person_id == "sam")
    assert sam.lines[0].steps[0].label == "deal D1 as SDR (12.5% of the pool 1,000.00)"  # 10 of the 80 % held
    assert sam.lines[0].steps[0].note == "nobody held Sales Engineer: its share went to the others pro rata"
    assert _run(ws, "D1,ana,Acme,Won,2026-04-02,10000,sam,\n", SPLIT.replace("redistribute", "unpaid")) == {"sam": "100.00", "ana": "700.00", "sue": "0.00"}
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    ana = next(p for p in r.people if p.person_id == "ana")
    step = ana.lines[0].steps[0]
    assert step.label == "deal D1 as AE (70% of the pool 1,000.00)"
    assert step.note == "nobody held Sales Engineer: its share is not paid"


SPLIT_TABLE_SOURCES = DEFAULT_SOURCES + """splits:
  file: splits.csv
  columns: {deal_id: deal, role: role, person: person, share: {header: share, required: false}}
"""
TABLE_PROGRAM = SPLIT.replace(", field: sdr}", "}").replace(", field: se}", "}")


def test_roles_can_come_from_a_split_table_whose_shares_replace_the_programs(ws):
    ws.data_file("splits.csv", "deal,role,person,share\nD1,SDR,sam,\nD1,Sales Engineer,sue,\nD2,AE,ana,50\nD2,SDR,sam,50\n")
    got = _run(ws, "D1,ana,Acme,Won,2026-04-02,10000,,\nD2,ana,Beta,Won,2026-04-03,2000,,\n", TABLE_PROGRAM, SPLIT_TABLE_SOURCES)
    # D1: the program's shares (100 / 700 / 200); D2: its own 50 / 50 of a 200 pool
    assert got == {"sam": "200.00", "ana": "800.00", "sue": "200.00"}


def test_a_split_table_whose_shares_add_up_to_99_is_refused_with_the_deal_and_the_rows(ws):
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount\nD7,ana,Acme,Won,2026-04-02,100\n", SPLIT_TABLE_SOURCES)
    ws.data_file("splits.csv", "deal,role,person,share\nD7,AE,ana,70\nD7,SDR,sam,10\nD7,Sales Engineer,sue,19\n")
    ws.program("team-success", TABLE_PROGRAM)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "splits.csv, row 2, column D (share): error [bad-shares] deal 'D7': the split shares add up to 99, not 100 (rows 2, 3, 4)" in err


def test_program_role_shares_must_add_up_to_100_percent(ws):
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount\n", SOURCES)
    ws.program("team-success", SPLIT.replace("share: 20%", "share: 19%"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1
    assert "[bad-shares] components[0].roles: the role shares add up to 99%, not 100%" in err


def test_a_role_holder_who_is_nobody_is_refused_at_the_cell(ws):
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount,sdr,se\nD1,ana,Acme,Won,2026-04-02,10,Zed Nobody,sue\n", SOURCES)
    ws.program("team-success", SPLIT)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "deals.csv, row 2 (sdr): error [unknown-owner] deal D1: the SDR (sdr) 'Zed Nobody' matches nobody on the roster" in err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 10**8), min_size=1, max_size=6), st.lists(st.integers(1, 97), min_size=2, max_size=2), st.booleans())
def test_the_parts_of_every_deal_add_up_to_its_pool(cents, cuts, sdr_present):
    a, b = sorted(cuts)
    b = b if b > a else a + 1
    shares = [a, b - a, 100 - b]  # SDR, AE, SE in whole percent, adding up to 100
    program = SPLIT.replace("share: 10%", "share: <SDR>").replace("share: 70%", "share: <AE>").replace("share: 20%", "share: <SE>").replace("rate: 10%", "rate: 7.3%")
    program = program.replace("<SDR>", f"{shares[0]}%").replace("<AE>", f"{shares[1]}%").replace("<SE>", f"{shares[2]}%")
    rows = "".join(f"D{i},ana,C,Won,2026-04-0{1 + i % 9},{Decimal(c).scaleb(-2)},{'sam' if sdr_present else ''},sue\n" for i, c in enumerate(cents))
    with tempfile.TemporaryDirectory() as tmp:
        got = _run(Workspace(Path(tmp)), rows, program)
    pools = sum((Decimal(c).scaleb(-2) * Decimal("0.073")).quantize(Decimal("0.01"), "ROUND_HALF_UP") for c in cents)
    assert sum(Decimal(v) for v in got.values()) == pools


@pytest.mark.parametrize("missing", ["redistribute", "unpaid"])
def test_split_lines_reach_the_register_with_their_basis(ws, missing):
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount,sdr,se\nD1,ana,Acme,Won,2026-04-02,10000,sam,sue\n", SOURCES)
    ws.program("team-success", SPLIT.replace("redistribute", missing))
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    register = (ws.out / "2026-04" / "register.csv").read_text()
    assert "deal D1 as SDR (10% of the pool 1,000.00) = 100.00" in register


def test_maven_team_success_pools_add_up():
    from conftest import PROGRAMS, SAMPLE, won_by_agent

    [r] = api.compute(PROGRAMS / "team-success.yaml", SAMPLE, "2017-Q2").results
    total = sum(p.total for p in r.people)
    # every won deal's pool is 2 % of its value rounded to the cent (Maven values are whole dollars)
    assert total == sum(won_by_agent("2017-04-01", "2017-06-30").values()) * Decimal("0.02")
    def roles(pid: str) -> set[str]:
        person = next(p for p in r.people if p.person_id == pid)
        return {s.label.split(" as ")[1].split(" (")[0] for s in person.lines[0].steps}

    assert roles("Darcel Schlecht") == {"AE", "Sales Engineer"}
    assert "SDR" in roles("Mei-Mei Johns")  # the SDR of Darcel's team (sample_data/roles.csv)


def test_a_deal_where_only_a_zero_share_role_was_held_pays_nobody(ws):
    program = SPLIT.replace("share: 10%", "share: 0%").replace("share: 70%", "share: 80%")
    assert _run(ws, "D1,,Acme,Won,2026-04-02,100,sam,\n".replace(",,Acme", ",sam,Acme"), program.replace("field: owner", "field: se")) == {"sam": "0.00", "ana": "0.00", "sue": "0.00"}
