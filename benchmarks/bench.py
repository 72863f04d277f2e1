"""make bench: 1,000,000 deals for 10,000 people; the time of each step of a run, and the
start-up of the commands that must stay light. Prints figures; asserts nothing.

Budgets: read <= 1 s, compute one tiered program <= 2 s, `incentive --help` <= 200 ms,
`incentive validate programs/` <= 300 ms (issue 2); 10,000 statements of about 100 deal
rows each <= 60 s (issue 3).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
N_DEALS = 1_000_000
N_PEOPLE = 10_000

SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns: {person_id: id, name: name, role: role, team: team, manager: manager, quota: {header: quota, type: money}}
  add_people: [{from: manager, role: Manager, names: [MANAGERS]}]
deals:
  file: deals.csv
  columns: {deal_id: deal_id, owner: owner, customer: customer, stage: stage, close_date: close_date, amount: amount}
"""

ONE_TIER_PROGRAM = """\
schema_version: 1
id: bench
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: commission
    type: tiers
    base: revenue
    method: marginal
    bound: upper
    tiers: [{up_to: 50000, rate: 4%}, {up_to: 150000, rate: 6%}, {rate: 8.5%}]
"""

PROGRAM = """\
schema_version: 1
id: bench
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  attainment: {attainment: revenue, target: quota}
targets:
  quota: {roster: quota}
components:
  - id: commission
    type: tiers
    base: revenue
    method: marginal
    bound: upper
    scope: period
    tiers: [{up_to: 50000, rate: 4%}, {up_to: 150000, rate: 6%}, {rate: 8.5%}]
  - id: running
    type: tiers
    base: revenue
    method: retroactive
    bound: upper
    scope: running
    tiers: [{up_to: 40000, rate: 1%}, {rate: 2%}]
  - {id: kicker, type: bonus, measure: attainment, at_least: 110%, amount: 1500}
"""


ROLLUP_PROGRAM = """\
schema_version: 1
id: bench
currency: USD
period: quarter
measures:
  team_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: team}
  subtree_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: subtree}
components:
  - {id: team, type: rate, base: team_revenue, rate: 0.1%}
  - {id: override, type: rate, base: subtree_revenue, rate: 1%}
"""


def generate(folder: Path) -> None:
    rng = np.random.default_rng(7)
    people = [f"P{i:05d}" for i in range(N_PEOPLE)]
    pd.DataFrame({"id": people, "name": [f"Person {i}" for i in range(N_PEOPLE)], "role": "Sales Rep", "team": [f"T{i % 200}" for i in range(N_PEOPLE)], "manager": [f"M{i % 200}" for i in range(N_PEOPLE)], "quota": rng.integers(50, 200, N_PEOPLE) * 1000}).to_csv(folder / "roster.csv", index=False)
    cents = rng.integers(1_00, 20_000_00, N_DEALS)
    days = rng.integers(0, 91, N_DEALS)
    dates = (np.datetime64("2026-04-01") + days.astype("timedelta64[D]")).astype(str)
    frame = pd.DataFrame({
        "deal_id": [f"D{i:07d}" for i in range(N_DEALS)],
        "owner": np.array(people)[rng.integers(0, N_PEOPLE, N_DEALS)],
        "customer": [f"C{i}" for i in rng.integers(0, 50_000, N_DEALS)],
        "stage": np.where(rng.random(N_DEALS) < 0.6, "Won", "Lost"),
        "close_date": dates,
        "amount": [f"{c // 100}.{c % 100:02d}" for c in cents],
    })
    frame.to_csv(folder / "deals.csv", index=False)
    (folder / "sources.yaml").write_text(SOURCES.replace("MANAGERS", ", ".join(f"M{i}" for i in range(200))))


def timed(label: str, fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Best and median of `repeat` runs (the machine is a shared 2-core VM: the best run is the
    cost of the code, the median what a user sees)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    extra = f"   (median {statistics.median(times):.2f} s of {repeat})" if repeat > 1 else ""
    print(f"  {label:<48} {min(times):7.2f} s{extra}")
    return out


def startup(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "incentive"), *args], capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from incentive_cli.engine.compute import compute_program
    from incentive_cli.engine.deal_credit import deal_credit
    from incentive_cli.engine.measures import filter_mask
    from incentive_cli.engine.periods import Period
    from incentive_cli.readers.program import parse_program
    from incentive_cli.readers.sources import read_dataset
    from incentive_cli.writers.register import write_register_csv, write_register_xlsx
    from incentive_cli.writers.statements import build_statements, write_statements

    print(f"incentive_cli benchmark: {N_DEALS:,} deals, {N_PEOPLE:,} people")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        timed("generate the data (not part of a run)", lambda: generate(folder))
        size = (folder / "deals.csv").stat().st_size / 1e6
        print(f"  deals.csv is {size:.0f} MB")
        data, diags = timed("read roster + deals CSV (parse, type, match)", lambda: read_dataset(folder), repeat=3)
        assert data is not None, diags
        one, _ = parse_program("bench.yaml", ONE_TIER_PROGRAM)
        program, pdiags = parse_program("bench.yaml", PROGRAM)
        assert program is not None and one is not None, pdiags
        timed("compute one tiered commission program", lambda: compute_program(one, data, Period.parse("2026-Q2")), repeat=3)
        result, _ = timed("compute tiers + running tiers + bonus", lambda: compute_program(program, data, Period.parse("2026-Q2")), repeat=3)
        rollup, _ = parse_program("bench.yaml", ROLLUP_PROGRAM)
        assert rollup is not None
        timed("compute team (50) and subtree roll-ups", lambda: compute_program(rollup, data, Period.parse("2026-Q2")), repeat=3)
        print(f"    -> {len(result.people):,} people, total {result.total:,}")
        timed("write register.csv", lambda: write_register_csv(folder / "register.csv", "2026-Q2", [result]))
        timed("write register.xlsx", lambda: write_register_xlsx(folder / "register.xlsx", "2026-Q2", [result]))
        period = Period.parse("2026-Q2")
        credit = timed("deal credit (which deals counted, and why not)", lambda: deal_credit(program, data, period, [p.person_id for p in result.people], filter_mask))
        statements = timed("build 10,000 statement models", lambda: build_statements(period, [result], data, {program.id: credit}))
        rows = sum(len(st.credited) + len(st.not_counted) for st in statements) / max(1, len(statements))
        print(f"    -> {len(statements):,} statements, {rows:.0f} deal rows each on average")
        timed("write 10,000 statements (2 processes)", lambda: write_statements(folder / "statements", statements, workers=2))
    print(f"  {'incentive --help (median of 7)':<48} {startup(['--help']) * 1000:7.0f} ms")
    print(f"  {'incentive validate programs/ (median of 7)':<48} {startup(['validate', 'programs', '--quiet']) * 1000:7.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
