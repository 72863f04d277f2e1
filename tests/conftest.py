"""Shared helpers: small data folders and programs written inside the tests."""

from __future__ import annotations

import csv
import textwrap
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"
PROGRAMS = REPO / "programs"

DEFAULT_SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns:
    person_id: id
    name: name
    role: role
    team: team
    manager: manager
    quarterly_quota: {header: quota, type: money, required: false}
  unknown_managers: allow        # the test rosters name a manager 'boss' who is not on them
deals:
  file: deals.csv
  columns:
    deal_id: deal_id
    owner: owner
    customer: customer
    stage: stage
    close_date: close_date
    amount: amount
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class Workspace:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.programs = root / "programs"
        self.out = root / "out"
        self.data.mkdir()
        self.programs.mkdir()

    def data_file(self, name: str, text: str | bytes) -> Path:
        p = self.data / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(dedent(text), encoding="utf-8")
        return p

    def program(self, pid: str, text: str) -> Path:
        p = self.programs / f"{pid}.yaml"
        p.write_text(dedent(text), encoding="utf-8")
        return p

    def setup(self, roster: str, deals: str, sources: str = DEFAULT_SOURCES) -> Workspace:
        self.data_file("sources.yaml", sources)
        self.data_file("roster.csv", roster)
        self.data_file("deals.csv", deals)
        return self

    def activities(self, rows: str = "") -> Workspace:
        """Adds an activities source (owner, date, kind, count), for programs that count calls."""
        sources = (self.data / "sources.yaml").read_text(encoding="utf-8")
        self.data_file("sources.yaml", sources + "activities:\n  file: activities.csv\n  columns: {owner: owner, date: date, kind: kind, count: count}\n")
        self.data_file("activities.csv", "owner,date,kind,count\n" + rows)
        return self


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def deals_csv(rows: list[tuple[str, str, str, str, str, str]]) -> str:
    """rows of (deal_id, owner, customer, stage, close_date, amount)."""
    lines = ["deal_id,owner,customer,stage,close_date,amount"]
    lines += [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"


def amounts_by(result, component: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = {}
    for person in result.people:
        for line in person.lines:
            if line.component_id == component:
                out[person.person_id] = str(line.amount)
    return out


def run_and_read_not_counted(ws: Workspace, period: str, slug: str, deal_id: str) -> list[str]:
    """Runs the CLI on the workspace and returns the reasons the person's statement gives
    for not counting the deal (an empty list when it counted)."""
    from openpyxl import load_workbook

    code, _, err = cli("run", "--period", period, "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    [book] = (ws.out / period / "statements").glob(f"*_{slug}_*.xlsx")
    return [str(r[-1]) for r in load_workbook(book)["Deals not counted"].iter_rows(values_only=True) if r and r[2] == deal_id]


def won_by_agent(start: str, end: str) -> dict[str, Decimal]:
    """Won value per Maven agent with a close date in [start, end], by plain csv reading."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    with (SAMPLE / "sales_pipeline.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] == "Won" and start <= row["close_date"] <= end:
                out[row["sales_agent"]] += Decimal(row["close_value"])
    return out


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the real command line (a fresh process), as a user would."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "incentive_cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


GOOD_PROGRAM = """\
schema_version: 1
id: p
currency: USD
period: month
measures:
  revenue:
    from: deals
    sum: amount
    where: {stage: Won}
components:
  - id: commission
    type: rate
    base: revenue
    rate: 5%
"""
GOOD_ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,1000\n"
GOOD_DEALS = "deal_id,owner,customer,stage,close_date,amount\nD1,ana,Acme,Won,2026-04-02,1000.50\nD2,Ana Lima,Beta,Won,2026-04-03,99.50\n"
