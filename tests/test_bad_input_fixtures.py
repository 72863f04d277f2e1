"""The bad-input fixtures (tests/bad_inputs/NNN-short-description/): each case runs through
``incentive_cli.api.validate`` and must give exactly the diagnostics in its expected.txt
(code, file relative to the case folder, line, column, message; one JSON object a line),
with a hint on every error and no traceback. A case with safe.txt instead is a documented
safe reading: it must give no error.

A case with period.txt is a run: it goes through ``incentive_cli.api.compute`` for that
period instead (the run-level checks: facts in the period, programs that fit it). A safe
case with figures.txt must compute exactly those figures: every payout line (person,
program, component, amount) and what the run record says of each input (rows, blank rows
skipped, blank cells read as 0, duplicates resolved).

Layout: the program is the case's ``programs/`` folder, else its ``p.yaml``, else the shared
``tests/bad_inputs/p.yaml``; the case folder is the data folder when it holds sources.yaml.

    UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_bad_input_fixtures.py

rewrites expected.txt from what the readers say now: read every changed file before
committing it. tests/bad_inputs/make_cases.py writes the inputs of new cases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incentive_cli import api
from incentive_cli.diagnostics import CODES, Diagnostic, InputRejected, sort_key

ROOT = Path(__file__).resolve().parent / "bad_inputs"
SHARED_PROGRAM = ROOT / "p.yaml"
CASES = sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name[:3].isdigit() and p.name[3] == "-")
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"
KEYS = ("code", "file", "line", "column", "message")


def inputs(case: Path) -> tuple[Path, Path | None]:
    if (case / "programs").is_dir():
        program = case / "programs"
    elif (case / "p.yaml").exists():
        program = case / "p.yaml"
    else:
        program = SHARED_PROGRAM
    return program, (case if (case / "sources.yaml").exists() else None)


def _relative(case: Path, text: str) -> str:
    for base, shown in ((case.resolve(), ""), (case, ""), (ROOT.resolve(), "../"), (ROOT, "../")):
        text = text.replace(str(base) + os.sep, shown).replace(str(base), shown.rstrip("/") or ".")
    return text


def reduce(case: Path, diags: list[dict[str, object]]) -> list[str]:
    """Diagnostics as --format json prints them, reduced to code, file, line, column, message."""
    return [json.dumps({k: (_relative(case, str(d[k])) if k in ("file", "message") else d[k]) for k in KEYS}, ensure_ascii=False) for d in diags]


def validate(case: Path) -> tuple[list[Diagnostic], api.RunResult | None]:
    program, data = inputs(case)
    period = case / "period.txt"
    if not period.exists() or data is None:
        return sorted(api.validate(program, data).diagnostics, key=sort_key), None
    try:
        result = api.compute(program, data, period.read_text(encoding="utf-8").strip())
    except InputRejected as exc:
        return sorted(exc.diagnostics, key=sort_key), None
    return sorted(result.diagnostics, key=sort_key), result


INPUT_NOTES = ("blank_rows_skipped", "blank", "duplicates", "ignored_rows")


def figures(result: api.RunResult) -> list[str]:
    """Every payout line, then what the run record says of each input."""
    lines = [f"{p.person_id} {r.program.id} {x.component_id} {x.amount}" for r in result.results for p in r.people for x in p.lines]
    for record in result.data.inputs:
        notes = {k: record[k] for k in INPUT_NOTES if k in record}
        lines.append(f"{record['table']} {record['file']}: {record['rows']} rows " + json.dumps(notes, sort_keys=True, ensure_ascii=False))
    return lines


def test_there_are_at_least_100_cases_each_with_an_outcome():
    assert len(CASES) >= 100
    for case in CASES:
        assert (case / "expected.txt").exists() != (case / "safe.txt").exists() or UPDATE, f"{case.name}: needs expected.txt or safe.txt (not both)"
    numbers = [c.name[:3] for c in CASES]
    assert len(numbers) == len(set(numbers)), "case numbers are unique"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path):
    diags, result = validate(case)  # a traceback here fails the test: bad input never raises
    errs = [d for d in diags if d.is_error]
    for d in errs:
        assert d.code in CODES and d.hint, f"{d.code}: every refusal says how to fix it"
        assert d.location.file, "every refusal names its file"
    got = reduce(case, [d.to_json() for d in diags])
    safe = case / "safe.txt"
    if safe.exists():
        assert errs == [], f"a documented safe reading gives no error: {got}"
        assert safe.read_text(encoding="utf-8").strip().endswith("."), "safe.txt is one sentence saying why"
        expected_figures = case / "figures.txt"
        if result is not None and (expected_figures.exists() or UPDATE):
            if UPDATE:
                expected_figures.write_text("\n".join(figures(result)) + "\n", encoding="utf-8")
            assert figures(result) == expected_figures.read_text(encoding="utf-8").splitlines()
        return
    expected = case / "expected.txt"
    if UPDATE:
        expected.write_text("\n".join(got) + "\n", encoding="utf-8")
    assert got, "a bad input is refused or warned about"
    assert expected.read_text(encoding="utf-8").splitlines() == got


# A handful through the real command line: exit 1, the same diagnostics, nothing written.
CLI_CASES = [c for c in CASES if c.name.split("-", 1)[1] in {"yaml-duplicate-component-key", "rate-yaml11-no", "amount-european-under-default-format", "xlsx-zip-bomb", "file-png-named-csv", "owner-unknown", "deal-id-exact-copy", "amount-blank"}]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_case_through_the_cli(case: Path, tmp_path: Path):
    program, data = inputs(case)
    before = sorted(p.relative_to(case) for p in case.rglob("*"))
    args = ["validate", str(program), "--format", "json"] + (["--data", str(data)] if data else [])
    proc = subprocess.run([sys.executable, "-m", "incentive_cli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    printed = json.loads(proc.stderr[proc.stderr.index("[") :])
    assert reduce(case, printed) == (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    if data is not None:
        out = tmp_path / "out"
        proc = subprocess.run([sys.executable, "-m", "incentive_cli", "run", "--programs", str(program), "--data", str(data), "--period", "2026-04", "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")], "nothing may be written"
    assert sorted(p.relative_to(case) for p in case.rglob("*")) == before, "the inputs are left as they were"
