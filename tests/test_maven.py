"""The real Maven CRM data, read as exported, checked against plain-Python computations."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import PROGRAMS, SAMPLE, won_by_agent

from incentive_cli import api


@pytest.fixture(scope="module")
def q2():
    return api.compute(PROGRAMS, SAMPLE, "2017-Q2")


def test_maven_data_loads_as_exported_with_the_published_control_totals(q2):
    deals = next(i for i in q2.data.inputs if i["table"] == "deals")
    assert deals["rows"] == 8800
    assert deals["sha256"] == "02f44c2ccd46a1c7d7c1d2e568a7504c15560e11b3cdb330a0a8229a1a365421"
    frame = q2.data.tables["deals"].frame
    won = frame[frame["stage"] == "Won"]
    assert int(won["amount"].sum()) == 10_005_534_00  # the dataset README's Won total, in cents
    assert len(q2.data.people) == 44  # 35 agents, plus their 6 managers and 3 regional offices (add_people)
    assert frame["deal_id"].iloc[0] == "1C1I7A6R"  # ids stay text


def test_five_percent_commission_is_exactly_five_percent_of_each_agents_q2_won_value(q2):
    expected = won_by_agent("2017-04-01", "2017-06-30")
    assert sum(expected.values()) == Decimal(3_086_111)  # README: 2017Q2 won value
    commission = next(r for r in q2.results if r.program.id == "maven-commission")
    got = {p.person_id: p.lines[0].amount for p in commission.people}
    assert len(got) == 30  # every Sales Rep; the five agents without deals are SDRs (sample_data/roles.csv)
    for agent, amount in got.items():
        want = (expected.get(agent, Decimal(0)) * Decimal("0.05")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert amount == want, agent
    assert "Mei-Mei Johns" not in got
    assert sum(got.values()) == Decimal("154305.55")


def test_quarter_totals_match_the_dataset_readme():
    for quarter, total in (("2017-Q1", 1_134_672), ("2017-Q3", 2_982_255), ("2017-Q4", 2_802_496)):
        result = api.compute(PROGRAMS / "maven-commission.yaml", SAMPLE, quarter)
        [r] = result.results
        assert sum(p.measures[0][1] for p in r.people) == total


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    """The demo as `make demo` runs it: every program for 2017-Q2, then 2017-06."""
    out = tmp_path_factory.mktemp("demo") / "out"
    api.run(PROGRAMS, SAMPLE, "2017-Q2", out)
    api.run(PROGRAMS, SAMPLE, "2017-06", out)
    return out


def test_demo_run_writes_every_agent_to_the_register(demo_out):
    out = demo_out / "2017-Q2"
    rows = list(csv.DictReader((out / "register.csv").open()))
    teams = [line.split(",") for line in (SAMPLE / "sales_teams.csv").read_text().splitlines()[1:]]
    agents = {t[0] for t in teams}
    managers = {t[1] for t in teams} | {t[2] for t in teams}
    assert {r["person_id"] for r in rows if r["program"] not in ("manager-override", "commission-override")} == agents
    for program in ("manager-override", "commission-override"):
        assert {r["person_id"] for r in rows if r["program"] == program} == managers
    record = json.loads((out / "run.json").read_text())
    total = sum(Decimal(r["amount"]) for r in rows)
    assert record["totals"]["by_currency"] == {"USD": str(total)}
    assert record["period"] == "2017-Q2"


def test_the_maven_commission_records_what_each_deal_paid_for_clawbacks(tmp_path):
    """carry.json shares every commission line over its deals, to the cent."""
    result = api.run(PROGRAMS / "maven-commission.yaml", SAMPLE, "2017-Q2", tmp_path)
    carry = json.loads((tmp_path / "2017-Q2" / "carry.json").read_text(encoding="utf-8"))
    [commission] = result.results
    paid: dict[str, Decimal] = {}
    for row in carry["deals"]:
        paid[row["person_id"]] = paid.get(row["person_id"], Decimal(0)) + Decimal(row["paid"])
        assert Decimal(row["rate"]) == Decimal("0.05")
    assert paid == {p.person_id: p.total for p in commission.people if p.total}
    assert sum(paid.values()) == Decimal("154305.55")  # 5 % of 2017-Q2's won 3,086,111
    assert len(carry["deals"]) == sum(1 for r in csv.DictReader((SAMPLE / "sales_pipeline.csv").open()) if r["deal_stage"] == "Won" and "2017-04-01" <= r["close_date"] <= "2017-06-30")


EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][+-]\d")
MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]00:00:00")
TOO_PRECISE = re.compile(r"(?<![\w.])-?\d[\d,]*\.\d{11,}(?!\d)")  # more than WRITTEN_PLACES (10) decimals


def test_no_output_of_the_demo_writes_an_exponent_a_midnight_time_or_too_many_decimals(demo_out):
    """Every number in every file the demo writes uses the tool's number format: CSV and JSON
    text, and in the workbooks every cell value and every text (bases, notes, reasons)."""
    found = []
    files = sorted(p for p in demo_out.rglob("*") if p.suffix in (".csv", ".json", ".xlsx"))
    assert len(files) > 100
    for path in files:
        texts = [path.read_text(encoding="utf-8")] if path.suffix != ".xlsx" else []
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.endswith(".xml"):
                        xml = z.read(name).decode("utf-8")
                        texts += re.findall(r"<v>([^<]*)</v>", xml) + re.findall(r"<t[^>]*>([^<]*)</t>", xml)
        for text in texts:
            for rx in (EXPONENT, MIDNIGHT, TOO_PRECISE):
                found += [(path.name, m.group()) for m in rx.finditer(text)]
    assert found == []
    # money in the register carries the currency's two decimals, every line
    for period in ("2017-Q2", "2017-06"):
        amounts = [r["amount"] for r in csv.DictReader((demo_out / period / "register.csv").open())]
        assert amounts and all(re.fullmatch(r"-?\d+\.\d\d", a) for a in amounts)


def test_the_commission_override_pays_each_level_its_rate_of_the_agents_commission(demo_out):
    """Sales managers 2 % and regional offices 1 % of what maven-commission paid the agents
    below them, line by line (each line rounded once)."""
    rows = list(csv.DictReader((demo_out / "2017-Q2" / "register.csv").open()))
    commission = {r["person_id"]: Decimal(r["amount"]) for r in rows if r["program"] == "maven-commission"}
    teams = [line.split(",") for line in (SAMPLE / "sales_teams.csv").read_text().splitlines()[1:]]
    override = {r["person_id"]: Decimal(r["amount"]) for r in rows if r["program"] == "commission-override"}
    for manager in {t[1] for t in teams}:
        paid = sum((commission.get(t[0], Decimal(0)) for t in teams if t[1] == manager), Decimal(0))
        assert override[manager] == (paid * Decimal("0.02")).quantize(Decimal("0.01"), ROUND_HALF_UP), manager
    for office in {t[2] for t in teams}:
        paid = sum((commission.get(t[0], Decimal(0)) for t in teams if t[2] == office), Decimal(0))
        assert override[office] == (paid * Decimal("0.01")).quantize(Decimal("0.01"), ROUND_HALF_UP), office


def test_split_credit_toward_quota_shares_every_won_deal_without_losing_a_cent():
    """Each won deal of 2017-Q2 counts 10 % for its SDR and 20 % for its sales engineer
    (sample_data/splits.csv), the owner the rest: the credited revenue of everyone adds up
    to the quarter's won revenue exactly, 3,086,111."""
    [r] = api.compute(PROGRAMS / "split-credit-quota.yaml", SAMPLE, "2017-Q2").results
    credited = {p.person_id: dict((n, v) for n, v, _ in p.measures)["credited_revenue"] for p in r.people}
    assert sum(credited.values()) == Decimal(3_086_111)
    owned = won_by_agent("2017-04-01", "2017-06-30")
    sdrs = [p for p in r.people if p.role == "SDR"]
    assert sdrs and all(credited[p.person_id] > 0 and owned.get(p.person_id, Decimal(0)) == 0 for p in sdrs)  # SDRs own no deal, yet are credited
