"""CRM export profiles: the same Maven deals, exported the way each CRM exports them
(tests/fixtures/exports, made by make_fixtures.py), load to the same deals and pay the same
commission as the plain Maven rows they were made from."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import PROGRAMS, REPO

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected
from incentive_cli.readers.profiles import PROFILES

EXPORTS = REPO / "tests" / "fixtures" / "exports"
PROGRAM = PROGRAMS / "maven-commission.yaml"
FOLDERS = ("plain", "salesforce-csv", "salesforce-xlsx", "salesforce-formatted", "hubspot", "pipedrive", "zoho", "dynamics")
PROFILE_OF = {"plain": "plain", "salesforce-csv": "salesforce", "salesforce-xlsx": "salesforce", "salesforce-formatted": "salesforce-formatted", "hubspot": "hubspot", "pipedrive": "pipedrive", "zoho": "zoho", "dynamics": "dynamics"}

# 5% of each agent's won revenue in 2017-Q2 (teams of Cara Losch and Celia Rouche)
EXPECTED = {
    "Carol Thompson": "0.00",
    "Corliss Cosme": "5718.10",
    "Elease Gluck": "6825.15",
    "Elizabeth Anderson": "0.00",
    "Garret Kinder": "3478.60",
    "Hayden Neloms": "4105.45",
    "Markita Hansen": "5068.85",
    "Rosalina Dieter": "4202.25",
    "Rosie Papadopoulos": "4689.00",
    "Vicki Laflamme": "5307.15",
    "Violet Mclelland": "2609.35",
    "Wilburn Farren": "2039.55",
}


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_fixtures", EXPORTS / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_generator()


@pytest.fixture(scope="module")
def runs():
    return {folder: api.compute(PROGRAM, EXPORTS / folder, "2017-Q2") for folder in FOLDERS}


def deals_input(result):  # type: ignore[no-untyped-def]
    return next(i for i in result.data.inputs if i["table"] == "deals")


def canonical_deals(folder: str, result) -> set[tuple[str, str, str, str, str, int]]:  # type: ignore[no-untyped-def]
    """(maven id, person, customer, stage, close date, cents) of every loaded deal, the CRM's
    id mapped back to the Maven id it was made from."""
    _, maven = gen.maven_rows()
    profile = PROFILE_OF[folder]
    back = {gen.crm_id(profile, r["opportunity_id"], n).removeprefix("zcrm_"): r["opportunity_id"] for n, r in enumerate(maven)}
    frame = result.data.tables["deals"].frame
    out = set()
    for rec in frame.to_dict("records"):
        out.add((back[rec["deal_id"]], rec["_person"], rec["customer"], rec["stage"], str(rec["close_date"].date()), int(rec["amount"])))
    return out


def test_the_expected_payouts_are_five_percent_of_the_maven_won_values():
    """EXPECTED, recomputed in plain Python from sample_data/ itself."""
    _, maven = gen.maven_rows()
    won: dict[str, Decimal] = defaultdict(Decimal)
    for r in maven:
        if r["deal_stage"] == "Won":
            won[r["sales_agent"]] += Decimal(r["close_value"])
    for person, amount in EXPECTED.items():
        assert (won.get(person, Decimal(0)) * Decimal("0.05")).quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal(amount), person
    assert len(maven) == 504 and sum(won.values()) == Decimal(880_869)


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_export_pays_the_same_per_person(runs, folder):
    [result] = runs[folder].results
    got = {p.person_id: str(p.lines[0].amount) for p in result.people}
    assert got == EXPECTED
    assert sum(p.lines[0].amount for p in result.people) == Decimal("44043.45")
    record = deals_input(runs[folder])
    assert record["rows"] == 504
    assert record["sums"] == {"amount": "880869.00"}  # control total: no total row counted as a deal
    assert runs[folder].data.unmatched_owners == []
    if folder != "plain":
        assert record["profile"] == PROFILE_OF[folder]


@pytest.mark.parametrize("folder", FOLDERS[1:])
def test_each_export_loads_to_the_same_deals_as_the_plain_rows(runs, folder):
    plain = canonical_deals("plain", runs["plain"])
    assert len(plain) == 504
    assert canonical_deals(folder, runs[folder]) == plain


def test_salesforce_details_only_footer_is_dropped_and_listed(runs):
    csv_rec = deals_input(runs["salesforce-csv"])
    assert csv_rec["delimiter"] == "," and csv_rec["delimiter_from"] == "sniffed"
    assert [(r["row"], r["reason"], r["text"]) for r in csv_rec["ignored_rows"]] == [
        (506, "blank line in the report footer", ""),
        (507, "blank line in the report footer", ""),
        (508, "report footer", "Opportunity Pipeline Q2"),
        (509, "report footer", "Grand Totals (504 records)"),
        (510, "report footer", "Copyright (c) 2000-2017 salesforce.com, inc. All rights reserved."),
        (511, "report footer", "Confidential Information - Do Not Distribute"),
        (512, "report footer", "Generated By:  Dustin Brinkmann  7/3/2017 9:15 AM"),
        (513, "report footer", "MavenTech, Inc."),
    ]
    assert csv_rec["recoded"] == {"stage": {"Closed Lost": "Lost (193 rows)", "Closed Won": "Won (311 rows)"}}
    xlsx_rec = deals_input(runs["salesforce-xlsx"])
    assert [r["text"] for r in xlsx_rec["ignored_rows"]] == ["", "", "Opportunity Pipeline Q2", "Copyright (c) 2000-2017 salesforce.com, inc. All rights reserved.", "Confidential Information - Do Not Distribute", "Generated By:  Dustin Brinkmann  7/3/2017 9:15 AM", "MavenTech, Inc."]
    # the multi-currency CSV's Amount Currency column is the currency
    assert set(runs["salesforce-csv"].data.tables["deals"].frame["currency"]) == {"USD"}


def test_the_ignored_rows_reach_run_json(tmp_path):
    result = api.run(PROGRAM, EXPORTS / "salesforce-csv", "2017-Q2", tmp_path / "out")
    assert result.out_path is not None
    record = json.loads((result.out_path / "run.json").read_text())
    deals = next(i for i in record["inputs"] if i["table"] == "deals")
    assert deals["profile"] == "salesforce"
    assert len(deals["ignored_rows"]) == 8 and deals["ignored_rows"][3]["text"] == "Grand Totals (504 records)"


def test_salesforce_formatted_groups_totals_and_merged_owners(runs):
    rec = deals_input(runs["salesforce-formatted"])
    assert rec["header_row"] == 12  # below the title and filter rows
    reasons: dict[str, list[str]] = defaultdict(list)
    for r in rec["ignored_rows"]:
        reasons[r["reason"].split(" (")[0]].append(r["text"])
    owners = sorted({r["sales_agent"] for r in gen.maven_rows()[1]})
    assert reasons["group header"] == [f"{o} ({n})" for o, n in sorted((o, sum(1 for r in gen.maven_rows()[1] if r["sales_agent"] == o)) for o in owners)]
    assert len(reasons["total row"]) == len(owners) + 1
    assert reasons["total row"][-1] == "Grand Total (504 records) | USD 880,869.00"
    assert reasons["total row"][0] == "Subtotal | USD 114,362.00"  # Corliss Cosme's won value
    assert reasons["report footer"] == ["Confidential Information - Do Not Distribute", "Copyright © 2000-2017 salesforce.com, inc. All rights reserved."]
    # every deal has its owner (filled down from the merged group cell), and its currency
    frame = runs["salesforce-formatted"].data.tables["deals"].frame
    assert frame["owner"].notna().all() and set(frame["currency"]) == {"USD"}
    assert rec["derived"] == {"currency": "the ISO code in front of each Amount cell"}


def test_hubspot_associations_and_close_times(runs):
    rec = deals_input(runs["hubspot"])
    assert rec["multi_valued"] == {"customer": {"separator": ";", "rows": 34, "kept": "first"}}
    frame = runs["hubspot"].data.tables["deals"].frame
    assert not frame["customer"].str.contains(";").any()


def test_pipedrive_lost_deals_take_their_lost_time(runs):
    rec = deals_input(runs["pipedrive"])
    assert rec["delimiter"] == ";" and rec["delimiter_from"] == "sniffed"
    assert rec["filled_from"] == {"close_date": {"Deal - Lost time": 193}}
    assert rec["recoded"] == {"stage": {"lost": "Lost (193 rows)", "won": "Won (311 rows)"}}


def test_zoho_zip_parts_and_id_prefix(runs):
    rec = deals_input(runs["zoho"])
    assert rec["parts"] == ["Deals_001.csv", "Deals_002.csv"]
    assert rec["id_prefix_removed"] == {"deal_id": "zcrm_", "rows": 504}
    frame = runs["zoho"].data.tables["deals"].frame
    assert frame["deal_id"].str.fullmatch(r"4876876\d{9}").all()
    # a row of the second part is located in that part
    table = runs["zoho"].data.tables["deals"]
    assert table.row_of(300) == 2


def test_dynamics_hidden_columns_serial_dates_and_capitalised_owners(runs):
    rec = deals_input(runs["dynamics"])
    assert rec["hidden_sheets_not_read"] == ["hiddenSheet"]
    assert rec["recoded"] == {"currency": {"US Dollar": "USD (504 rows)"}}
    frame = runs["dynamics"].data.tables["deals"].frame
    assert frame["deal_id"].str.fullmatch(r"\{[0-9A-F-]{36}\}").all()
    assert "Vicki LAFLAMME" in set(frame["owner"])  # matched to the roster's Vicki Laflamme


def test_the_fixtures_are_what_the_generator_makes(tmp_path):
    gen.main(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(EXPORTS) for p in EXPORTS.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts)
    assert made == committed
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (EXPORTS / rel).read_bytes(), rel


def test_every_profile_has_a_description_and_the_readme_lists_it():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, profile in PROFILES.items():
        assert profile.description
        assert f"`{name}`" in readme.split("### CRM export profiles")[1].split("### Sources reference")[0]


# --- rules around the profiles -----------------------------------------------------------


def _copy(folder: str, tmp_path: Path) -> Path:
    shutil.copytree(EXPORTS, tmp_path / "exports", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return tmp_path / "exports" / folder


def test_declared_columns_win_over_the_profile(tmp_path):
    data = _copy("salesforce-xlsx", tmp_path)
    src = data / "sources.yaml"
    src.write_text(src.read_text() + "  columns:\n    customer: Opportunity Name\n")
    result = api.compute(PROGRAM, data, "2017-Q2")
    frame = result.data.tables["deals"].frame
    assert frame["customer"].str.contains(" - ").all()  # 'Hatfan - MG Advanced'
    assert sum(p.lines[0].amount for p in result.results[0].people) == Decimal("44043.45")


def test_recode_adds_to_the_profile_stage_names(tmp_path):
    data = _copy("hubspot", tmp_path)
    (data / "hubspot-crm-exports-all-deals-2017-07-03.csv").write_text((data / "hubspot-crm-exports-all-deals-2017-07-03.csv").read_text().replace('"Closed Won"', '"Contract Signed"'))
    result = api.compute(PROGRAM, data, "2017-Q2")
    assert sum(p.lines[0].amount for p in result.results[0].people) == Decimal("0.00")  # nothing is Won
    src = data / "sources.yaml"
    src.write_text(src.read_text() + "  recode:\n    stage: {Contract Signed: Won}\n")
    result = api.compute(PROGRAM, data, "2017-Q2")
    assert sum(p.lines[0].amount for p in result.results[0].people) == Decimal("44043.45")
    assert deals_input(result)["recoded"]["stage"]["Contract Signed"] == "Won (311 rows)"


def test_an_unknown_owner_in_a_profile_export_is_reported_not_dropped(tmp_path):
    data = _copy("pipedrive", tmp_path)
    path = data / "deals-8071-2017-07-03.csv"
    path.write_text(path.read_text().replace(";Wilburn Farren;", ";Brandon Toth;"))
    with pytest.raises(InputRejected) as exc:
        api.compute(PROGRAM, data, "2017-Q2")
    [d] = [d for d in exc.value.diagnostics if d.code == "unknown-owner"]
    assert "Brandon Toth" in d.message and d.location.column_name == "Deal - Owner"
    src = data / "sources.yaml"
    src.write_text(src.read_text() + "  unknown_owners: report\n")
    result = api.compute(PROGRAM, data, "2017-Q2")
    [unmatched] = result.data.unmatched_owners
    assert unmatched["owner"] == "Brandon Toth" and unmatched["rows"] == 19
    got = {p.person_id: str(p.lines[0].amount) for p in result.results[0].people}
    assert got == {**EXPECTED, "Wilburn Farren": "0.00"}


def test_details_only_profile_refuses_a_formatted_report_with_a_located_hint(tmp_path):
    data = _copy("salesforce-formatted", tmp_path)
    src = data / "sources.yaml"
    src.write_text(src.read_text().replace("profile: salesforce-formatted", "profile: salesforce"))
    with pytest.raises(InputRejected) as exc:
        api.compute(PROGRAM, data, "2017-Q2")
    [d] = [d for d in exc.value.diagnostics if d.is_error]
    assert d.code == "formatted-report" and d.location.line == 13 and d.location.column_name == "Opportunity Owner ↑"
    assert "Details Only" in d.hint and "salesforce-formatted" in d.hint


def _formatted_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["Opportunity Pipeline"])
    sh.append([])
    sh.append([None, "Opportunity Owner", "Account Name", "Stage", "Close Date", "Amount"])
    for r in rows:
        sh.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FORMATTED_SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns: {person_id: id, name: name}
deals:
  file: deals.xlsx
  profile: salesforce-formatted
"""


def test_a_formatted_group_whose_count_does_not_add_up_is_refused(ws):
    ws.data_file("sources.yaml", FORMATTED_SOURCES)
    ws.data_file("roster.csv", "id,name\nana,Ana Lima\n")
    ws.data_file("deals.xlsx", _formatted_xlsx([
        [None, "Ana Lima (3)"],
        [None, None, "Acme", "Closed Won", "2026-04-02", "USD 100.00"],
        [None, None, "Beta", "Closed Won", "2026-04-03", "USD 50.00"],
        [None, "Subtotal", None, None, None, "USD 150.00"],
    ]))
    data, diags = _read(ws.data)
    [d] = [d for d in diags if d.is_error]
    assert d.code == "formatted-report" and d.location.line == 4
    assert "says 3 record(s) but 2 deal row(s) follow it" in d.message


def test_a_formatted_report_with_converted_amounts(ws):
    ws.data_file("sources.yaml", FORMATTED_SOURCES)
    ws.data_file("roster.csv", "id,name\nana,Ana Lima\nbo,Bo Berg\n")
    ws.data_file("deals.xlsx", _formatted_xlsx([
        [None, "Ana Lima (2)"],
        [None, None, "Acme", "Closed Won", "2026-04-02", "EUR 1,000.00 (USD 1,080.00)"],
        [None, None, "Beta", "Closed Lost", "2026-04-03", "USD 50.00"],
        [None, "Subtotal", None, None, None, "USD 1,130.00"],
        [None, "Bo Berg", "Core", "Closed Won", "2026-04-05", "USD 7.50"],
        [None, "Total", None, None, None, "USD 1,137.50"],
    ]))
    data, diags = _read(ws.data)
    assert [d for d in diags if d.is_error] == []
    frame = data.tables["deals"].frame
    assert frame["owner"].tolist() == ["Ana Lima", "Ana Lima", "Bo Berg"]
    assert frame["amount"].tolist() == [100000, 5000, 750]
    assert frame["currency"].tolist() == ["EUR", "USD", "USD"]
    assert frame["stage"].tolist() == ["Won", "Lost", "Won"]


def test_a_formatted_deal_row_with_no_group_above_it_is_refused(ws):
    ws.data_file("sources.yaml", FORMATTED_SOURCES)
    ws.data_file("roster.csv", "id,name\nana,Ana Lima\n")
    ws.data_file("deals.xlsx", _formatted_xlsx([[None, None, "Acme", "Closed Won", "2026-04-02", "USD 100.00"]]))
    _, diags = _read(ws.data)
    [d] = [d for d in diags if d.is_error]
    assert d.code == "formatted-report" and d.location.line == 4 and d.location.column_name == "Opportunity Owner"
    assert "no owner and no group header above it" in d.message


def _read(data_dir: Path):  # type: ignore[no-untyped-def]
    from incentive_cli.readers.sources import read_dataset

    return read_dataset(data_dir)


def test_a_profile_needs_no_columns_but_the_roster_still_does(ws):
    ws.data_file("sources.yaml", "schema_version: 1\nroster:\n  file: roster.csv\n  profile: hubspot\ndeals:\n  file: deals.csv\n  profile: hubspot\n")
    data, diags = _read(ws.data)
    [d] = [d for d in diags if d.is_error]
    assert d.code == "missing-key" and "roster: missing required key 'columns'" in d.message


def test_csv_rows_read_with_a_profile_keep_csv_record_numbers(ws):
    """A row of the wrong width in a profile export is located by its record number."""
    ws.data_file("sources.yaml", "schema_version: 1\nroster:\n  file: roster.csv\n  columns: {person_id: id, name: name}\ndeals:\n  file: deals.csv\n  profile: hubspot\n")
    ws.data_file("roster.csv", "id,name\nana,Ana Lima\n")
    rows = [["Record ID", "Deal Stage", "Close Date", "Amount", "Deal owner"], ["1", "Closed Won", "2026-04-02 10:00", "10", "Ana Lima"], ["2", "Closed Won", "2026-04-02 10:00", "10"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    ws.data_file("deals.csv", buf.getvalue())
    _, diags = _read(ws.data)
    [d] = [d for d in diags if d.is_error]
    assert d.code == "file-unreadable" and d.location.line == 3 and "4 fields but the header has 5" in d.message
