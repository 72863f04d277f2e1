"""Nothing read wrong in silence (issue 13): deal identity, missing values, empty and
misdated exports, roster gaps, declarations that cannot apply, blank rows and --strict.
One located case per refusal lives in tests/bad_inputs/; these tests check the figures,
the run record, the statements and the command line around them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from conftest import DEFAULT_SOURCES, GOOD_PROGRAM, GOOD_ROSTER, PROGRAMS, SAMPLE, cli, deals_csv

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected
from incentive_cli.engine.checks import render_facts


def _refused(call) -> list:  # type: ignore[no-untyped-def]
    with pytest.raises(InputRejected) as exc:
        call()
    return exc.value.diagnostics


def _maven_rows(column: str, start: str, end: str) -> int:
    with (SAMPLE / "sales_pipeline.csv").open(newline="") as f:
        return sum(1 for r in csv.DictReader(f) if start <= r[column] <= end)


# --- empty and misdated data ----------------------------------------------------------------


def test_the_demo_refuses_a_period_without_deals_naming_the_source_and_the_dates_it_covers(tmp_path):
    code, _, err = cli("run", "--programs", str(PROGRAMS), "--data", str(SAMPLE), "--period", "2015-Q2", "--out", str(tmp_path / "out"))
    assert code == 1
    assert "sales_pipeline.csv: error [no-facts-in-period] no row of deals has a close_date in 2015-Q2 (2015-04-01 to 2015-06-30): the file's close_date runs from 2017-03-01 to 2017-12-31 (6,711 dated row(s), 2,089 undated)" in err
    assert "activities.csv: error [no-facts-in-period] no row of activities has a date in 2015-Q2" in err
    assert "[no-target]" not in err, "nothing is computed, so nothing is reported person by person"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_run_states_how_many_facts_of_each_source_fall_in_the_period():
    result = api.compute(PROGRAMS, SAMPLE, "2017-Q2")
    facts = {(c.table, c.date_field): c for c in result.facts}
    deals = facts[("deals", "close_date")]
    assert (deals.rows, deals.in_period, deals.undated) == (8800, _maven_rows("close_date", "2017-04-01", "2017-06-30"), 2089)
    assert deals.before + deals.after == 8800 - 2089 - deals.in_period
    assert facts[("deals", "engage_date")].in_period == _maven_rows("engage_date", "2017-04-01", "2017-06-30")
    assert deals.render(result.period) == f"deals (sales_pipeline.csv): {deals.in_period:,} of 8,800 row(s) in 2017-Q2 by close_date ({deals.before + deals.after:,} outside it, 2,089 undated)"
    assert "q2-plan" in facts[("activities", "date")].programs
    engaged = facts[("deals", "engage_date")]
    assert render_facts(result.facts, result.period).startswith(deals.render(result.period) + f", {engaged.in_period:,} by engage_date ({engaged.before + engaged.after:,} outside it, 500 undated); activities (activities.csv): ")


def test_allow_empty_computes_an_empty_period_and_every_line_pays_nothing():
    result = api.compute(PROGRAMS, SAMPLE, "2015-Q2", allow_empty=True)
    [deals] = [c for c in result.facts if (c.table, c.date_field) == ("deals", "close_date")]
    assert (deals.in_period, deals.before, deals.after, deals.undated) == (0, 0, 6711, 2089)
    assert result.allow_empty and sum(r.total for r in result.results) == 0


def test_a_date_range_that_fits_no_program_is_refused_with_the_periods_that_would():
    [d] = _refused(lambda: api.compute(PROGRAMS, SAMPLE, "2017-04-01..2017-05-15"))
    assert d.code == "no-program-fits"
    assert d.message.startswith("no program runs for 2017-04-01..2017-05-15: badge-rush (its period is quarter, the run's is 2017-04-01..2017-05-15)")
    assert d.hint == "run a period the programs are written for: --period 2017-04, --period 2017-Q2"


def test_an_empty_deals_export_is_refused_unless_allowed_and_then_pays_nothing(ws):
    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount\n")
    ws.program("p", GOOD_PROGRAM)
    [d] = [d for d in _refused(lambda: api.compute(ws.programs, ws.data, "2026-04")) if d.is_error]
    assert (d.code, d.location.line) == ("empty-export", 1)
    [r] = api.compute(ws.programs, ws.data, "2026-04", allow_empty=True).results
    assert [str(p.total) for p in r.people] == ["0.00"]
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data), "--allow-empty")
    assert code == 0, err


def test_an_empty_export_no_program_reads_is_not_refused(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS_APRIL).activities()  # activities: a header and nothing else
    ws.program("p", GOOD_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    assert str(r.people[0].total) == "50.00"


GOOD_DEALS_APRIL = deals_csv([("D1", "ana", "Acme", "Won", "2026-04-02", "1000.00")])


def test_run_json_records_the_facts_of_each_source_and_allow_empty(ws):
    ws.setup(GOOD_ROSTER, deals_csv([("D1", "ana", "Acme", "Won", "2026-03-02", "1000.00")]))
    ws.program("p", GOOD_PROGRAM)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out), "--allow-empty")
    assert code == 0, err
    assert "Facts: deals (deals.csv): 0 of 1 row(s) in 2026-04 by close_date (1 outside it) (--allow-empty)" in err
    record = json.loads((ws.out / "2026-04" / "run.json").read_text())
    assert record["facts_in_period"] == {"allow_empty": True, "sources": [{"table": "deals", "file": "deals.csv", "date_field": "close_date", "rows": 1, "in_period": 0, "before": 1, "after": 0, "undated": 0, "first": "2026-03-02", "last": "2026-03-02", "programs": ["p"]}]}


# --- --strict -----------------------------------------------------------------------------------


def test_strict_makes_every_warning_an_error_and_a_run_writes_nothing(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS_APRIL)
    ws.program("p", GOOD_PROGRAM.replace("{stage: Won}", "{stage: Closed Won}"))  # matches no row: a warning
    args = ["run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out)]
    code, _, err = cli(*args, "--strict")
    assert code == 1 and "error [filter-matches-nothing]" in err and "an error under --strict" in err
    assert not ws.out.exists() or not [p for p in ws.out.iterdir() if not p.name.startswith(".")]
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data), "--strict")
    assert code == 1 and "error [filter-matches-nothing]" in err
    code, _, err = cli(*args)
    assert code == 0 and "warning [filter-matches-nothing]" in err


# --- deal identity -------------------------------------------------------------------------------


def test_duplicates_last_keeps_the_latest_row_and_says_so_in_run_json(ws):
    sources = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    modified: {header: modified, type: date}\n") + "  duplicates: last\n  order: modified\n"
    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount,modified\nD1,ana,Acme,Won,2026-04-02,1000.00,2026-04-03\nD1 ,ana,Acme,Won,2026-04-02,4000.00,2026-04-28\nD2,ana,Beta,Won,2026-04-09,100.00,2026-04-09\n", sources)
    ws.program("p", GOOD_PROGRAM)
    result = api.run(ws.programs, ws.data, "2026-04", ws.out, workers=1)
    assert str(result.results[0].people[0].total) == "205.00"  # (4,000 + 100) x 5 %: the later D1 only
    [deals] = [i for i in json.loads((result.out_path / "run.json").read_text())["inputs"] if i["table"] == "deals"]
    assert deals["rows"] == 3 and deals["duplicates"] == {"rule": "last by modified", "rows_dropped": 1} and deals["key"] == "deal_id"
    assert deals["ignored_rows"] == [{"row": 2, "reason": "duplicate deal_id 'D1': row 3 has the latest modified (duplicates: last)", "text": "D1"}]
    statement = next((result.out_path / "statements").iterdir())
    credited = [r[2] for r in openpyxl.load_workbook(statement)["Deals"].iter_rows(min_row=3, values_only=True) if r[2]]
    assert sorted(credited) == ["D1", "D2"]


def test_a_key_of_several_fields_allows_one_id_on_several_product_lines(ws):
    sources = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    product: product\n") + "  key: [deal_id, product]\n"
    head = "deal_id,owner,customer,stage,close_date,amount,product\n"
    ws.setup(GOOD_ROSTER, head + "D1,ana,Acme,Won,2026-04-02,100,GTX\nD1,ana,Acme,Won,2026-04-02,300,MG\n", sources)
    ws.program("p", GOOD_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    assert str(r.people[0].total) == "20.00"
    ws.data_file("deals.csv", head + "D1,ana,Acme,Won,2026-04-02,100,GTX\nD1,ana,Acme,Won,2026-04-02,300,MG\nD1,ana,Acme,Won,2026-04-02,100,GTX\n")
    [d] = [d for d in _refused(lambda: api.compute(ws.programs, ws.data, "2026-04")) if d.is_error]
    assert (d.code, d.location.line, d.message) == ("duplicate-deal", 4, "deal_id / product 'D1' appears on 2 rows (2, 4): a deal counts once")


def test_long_numeric_ids_that_kept_their_digits_are_read(ws):
    # Zoho and HubSpot ids are long numbers; ids that end in other digits were never rounded
    ws.setup(GOOD_ROSTER, deals_csv([("4876876000000311", "ana", "A", "Won", "2026-04-02", "100"), ("4876876000000320", "ana", "B", "Won", "2026-04-03", "100"), ("12345678901234560", "ana", "C", "Won", "2026-04-04", "100")]))
    ws.program("p", GOOD_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    assert str(r.people[0].total) == "15.00"


def test_finding_one_copy_among_a_hundred_thousand_deals(ws):
    rows = [(f"0061a{i:010d}AAB", "ana", "C", "Won", "2026-04-02", "1") for i in range(100_000)]
    rows.insert(70_000, rows[12_345])
    ws.setup(GOOD_ROSTER, deals_csv(rows))
    ws.program("p", GOOD_PROGRAM)
    [d] = [d for d in _refused(lambda: api.compute(ws.programs, ws.data, "2026-04")) if d.is_error]
    assert (d.code, d.location.line) == ("duplicate-deal", 70_002)
    assert "(12347, 70002)" in d.message


# --- missing values ------------------------------------------------------------------------------


def test_a_blank_amount_declared_zero_is_shown_on_the_statement_and_in_run_json(ws):
    ws.setup(GOOD_ROSTER, deals_csv([("D1", "ana", "Acme", "Won", "2026-04-02", "1000.00"), ("D2", "ana", "Beta", "Engaging", "", "")]), DEFAULT_SOURCES + "  blank: {amount: zero}\n")
    ws.program("p", GOOD_PROGRAM)
    result = api.run(ws.programs, ws.data, "2026-04", ws.out, workers=1)
    [deals] = [i for i in json.loads((result.out_path / "run.json").read_text())["inputs"] if i["table"] == "deals"]
    assert deals["blank"] == {"amount": {"read_as": "0", "cells": 1, "declared": "blank: zero"}}
    assert deals["sums"] == {"amount": "1000.00"}
    statement = next((result.out_path / "statements").iterdir())
    facts = {r[0]: r[1] for r in openpyxl.load_workbook(statement)["Summary"].iter_rows(values_only=True) if r[0]}
    assert facts["Blank amount read as 0"] == "1 cell of deals.csv (declared in sources.yaml)"


def test_a_blank_count_of_activities_is_refused_at_its_cell(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS_APRIL).activities("ana,2026-04-02,Call,3\nana,2026-04-03,Call,\n")
    ws.program("p", GOOD_PROGRAM)
    [d] = [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error]
    assert (d.code, d.location.line, d.location.column_name) == ("blank-value", 3, "count")


def _xlsx_deals(ws, owner: str, extra_sources: str = "") -> None:  # type: ignore[no-untyped-def]
    """A workbook of one deal (its owner cell as given) read by the default sources."""
    wb = openpyxl.Workbook()
    wb.active.append(["deal_id", "owner", "customer", "stage", "close_date", "amount"])
    wb.active.append(["D1", owner, "Acme", "Won", "2026-04-02", 10])
    buf = io.BytesIO()
    wb.save(buf)
    ws.setup(GOOD_ROSTER, "", DEFAULT_SOURCES.replace("deals.csv", "deals.xlsx") + extra_sources)
    ws.data_file("deals.xlsx", buf.getvalue())
    ws.program("p", GOOD_PROGRAM)


def test_a_formula_without_its_result_is_refused_in_any_column(ws):
    _xlsx_deals(ws, '=VLOOKUP("x",A:A,1,FALSE)')
    [d] = [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error]
    assert (d.code, d.location.line, d.location.column_name) == ("formula-not-computed", 2, "owner")
    assert d.message == "the cell holds a formula (=VLOOKUP(\"x\",A:A,1,FALSE)) with no saved result"


# --- roster ----------------------------------------------------------------------------------------


OVERRIDE = """\
schema_version: 1
id: override
currency: USD
period: month
eligible: {roles: [Sales Manager]}
measures:
  team_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: subtree}
components:
  - {id: override, type: rate, base: team_revenue, rate: 1%}
"""


def test_add_people_makes_only_the_listed_people_and_a_typo_is_paid_nothing(ws):
    roster = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,Dee Boss,1\nbo,Bo Berg,Sales Rep,East,Dee Bos,1\n"
    sources = DEFAULT_SOURCES.replace("deals:", "  add_people: [{from: manager, role: Sales Manager, names: [Dee Boss]}]\ndeals:", 1)
    ws.setup(roster, deals_csv([("D1", "ana", "A", "Won", "2026-04-02", "1000"), ("D2", "bo", "B", "Won", "2026-04-03", "500")]), sources)
    ws.program("override", OVERRIDE)
    result = api.compute(ws.programs, ws.data, "2026-04")
    assert "Dee Bos" not in result.data.people and result.data.people["Dee Boss"].role == "Sales Manager"
    [r] = result.results
    assert {p.person_id: str(p.total) for p in r.people} == {"Dee Boss": "10.00"}  # Bo's deal is not under her: his manager is a typo
    [w] = result.diagnostics
    assert (w.code, w.severity, w.location.line, w.location.column_name) == ("unlisted-person", "warning", 3, "manager")
    assert w.hint.startswith("did you mean 'Dee Boss'?")


def test_a_blank_manager_is_refused_unless_the_roster_declares_it_optional(ws):
    strict = DEFAULT_SOURCES.replace("  unknown_managers: allow        # the test rosters name a manager 'boss' who is not on them\n", "")
    roster = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,bo,1\nbo,Bo Berg,Head,East,,1\n"
    ws.setup(roster, GOOD_DEALS_APRIL, strict)
    ws.program("p", GOOD_PROGRAM)
    [d] = [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error]
    assert (d.code, d.location.line, d.location.column_name) == ("missing-manager", 3, "manager")
    ws.data_file("sources.yaml", strict.replace("deals:", "  manager_optional: true\ndeals:", 1))
    assert [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error] == []


def test_an_empty_roster_is_named_and_no_owner_is_reported_unknown(ws):
    ws.setup("id,name,role,team,manager,quota\n", GOOD_DEALS_APRIL)
    ws.program("p", GOOD_PROGRAM)
    diags = api.validate(ws.programs, ws.data).diagnostics
    assert [(d.code, d.location.file.endswith("roster.csv")) for d in diags] == [("empty-export", True)]


# --- refusals say where ----------------------------------------------------------------------------


def test_an_encoding_error_names_the_row_the_column_and_its_header(ws):
    ws.setup(GOOD_ROSTER, "")
    ws.data_file("deals.csv", "deal_id,owner,customer,stage,close_date,amount\nD1,ana,Acme,Won,2026-04-02,1\nD2,ana,Caf\xe9,Won,2026-04-03,2\n".encode("cp1252"))
    ws.program("p", GOOD_PROGRAM)
    [d] = api.validate(ws.programs, ws.data).diagnostics
    assert d.location.render().endswith("deals.csv, row 3, column C (customer)")
    assert d.message == "the file is not valid utf-8 text (byte 86, line 3): 0xE9 is not utf-8"


# --- blank rows ------------------------------------------------------------------------------------


def test_blank_rows_are_skipped_counted_and_later_rows_keep_their_numbers(ws):
    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount\nD1,ana,Acme,Won,2026-04-02,10\n,,,,,\n\n  ,  ,,,,\nD2,ana,Beta,Won,2026-04-03,x\n")
    ws.program("p", GOOD_PROGRAM)
    [d] = [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error]
    assert (d.code, d.location.line) == ("bad-amount", 6)
    ws.data_file("deals.csv", "deal_id,owner,customer,stage,close_date,amount\nD1,ana,Acme,Won,2026-04-02,10\n,,,,,\n\n  ,  ,,,,\nD2,ana,Beta,Won,2026-04-03,20\n\n")
    result = api.compute(ws.programs, ws.data, "2026-04")
    [deals] = [i for i in result.data.inputs if i["table"] == "deals"]
    assert (deals["rows"], deals["blank_rows_skipped"], deals["sums"]) == (2, 3, {"amount": "30.00"})  # the blank line at the end is not between rows
    assert str(result.results[0].people[0].total) == "1.50"


def test_the_demo_counts_no_blank_rows_and_declares_its_blank_amounts():
    data = api.compute(PROGRAMS, SAMPLE, "2017-06").data
    [deals] = [i for i in data.inputs if i["table"] == "deals"]
    assert "blank_rows_skipped" not in deals
    assert deals["blank"] == {"amount": {"read_as": "0", "cells": 2089, "declared": "blank: zero"}}
    assert deals["sums"]["amount"] == str(Decimal(10_005_534).quantize(Decimal("0.01")))


# --- declarations -------------------------------------------------------------------------------


def test_an_option_that_cannot_apply_is_refused_but_a_default_written_out_is_not(ws):
    _xlsx_deals(ws, "ana", "  encoding: auto\n  hidden_rows: error\n")
    assert [d for d in api.validate(ws.programs, ws.data).diagnostics if d.is_error] == []
    ws.data_file("sources.yaml", DEFAULT_SOURCES.replace("deals.csv", "deals.xlsx") + "  encoding: cp1252\n  key: deal_id\n")
    found = {(d.code, d.value, d.location.line) for d in api.validate(ws.programs, ws.data).diagnostics}
    assert found == {("option-not-applicable", "encoding", 21)}  # key: deal_id is the deals' own option
