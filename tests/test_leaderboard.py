"""incentive leaderboard: ranks by any measure, ties share a rank, changes against the
reference period."""

from __future__ import annotations

from decimal import Decimal

from conftest import PROGRAMS, SAMPLE, cli, deals_csv

from incentive_cli.engine.compute import rank_values


def test_ties_share_the_better_rank_and_the_next_rank_skips():
    values = {"a": Decimal(5), "b": Decimal(9), "c": Decimal(5), "d": Decimal(1)}
    assert rank_values(values, {}) == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_leaderboard_shows_ranks_and_changes_in_the_terminal(ws):
    roster = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,m,1\nbob,Bob,Sales Rep,East,m,1\ncy,Cy,Sales Rep,West,m,1\n"
    deals = deals_csv([
        ("Q1a", "ana", "x", "Won", "2026-02-01", "300"), ("Q1b", "bob", "x", "Won", "2026-02-01", "200"), ("Q1c", "cy", "x", "Won", "2026-02-01", "100"),
        ("Q2a", "ana", "x", "Won", "2026-05-01", "100"), ("Q2b", "bob", "x", "Won", "2026-05-01", "250"), ("Q2c", "cy", "x", "Won", "2026-05-01", "250"),
    ])
    ws.setup(roster, deals)
    ws.program("p", "schema_version: 1\nid: p\ncurrency: USD\nperiod: quarter\nmeasures:\n  revenue: {from: deals, sum: amount}\ncomponents:\n  - {id: c, type: rate, base: revenue, rate: 1%}\n")
    code, out, err = cli("leaderboard", "-p", str(ws.programs), "-d", str(ws.data), "--period", "2026-Q2")
    assert code == 0, err
    rows = [[c.strip() for c in line.split("│")] for line in out.splitlines() if "│" in line]
    assert rows == [["1", "▲1", "Bob", "East", "250", "200"], ["1", "▲2", "Cy", "West", "250", "100"], ["3", "▼2", "Ana", "East", "100", "300"]]


def test_leaderboard_on_the_maven_data_by_revenue():
    code, out, err = cli("leaderboard", "-p", str(PROGRAMS), "-d", str(SAMPLE), "--period", "2017-Q2", "--program", "q2-plan", "--measure", "revenue", "--top", "3")
    assert code == 0, err
    rows = [[c.strip() for c in line.split("│")] for line in out.splitlines() if "│" in line]
    assert rows == [
        ["1", "=", "Darcel Schlecht", "Melvin Marxen", "310,075", "112,255"],
        ["2", "▲14", "Daniell Hammack", "Rocco Neubert", "175,148", "31,711"],
        ["3", "▲2", "Zane Levy", "Summer Sewald", "163,202", "58,248"],
    ]


def test_leaderboard_needs_a_program_when_there_are_several():
    code, _, err = cli("leaderboard", "-p", str(PROGRAMS), "-d", str(SAMPLE), "--period", "2017-Q2")
    ids = ", ".join(sorted(p.stem for p in PROGRAMS.glob("*.yaml")))
    assert code == 2 and f"say which program with --program: {ids}" in err
    assert "badge-rush, beat-the-champion" in err
