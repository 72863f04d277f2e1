"""The command-line contract: commands, exit codes, formats, schema, explain."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import GOOD_DEALS, GOOD_PROGRAM, GOOD_ROSTER, PROGRAMS, REPO, SAMPLE, cli


def test_help_lists_the_commands_and_exits_0():
    code, out, _ = cli("--help")
    assert code == 0
    for command in ("validate", "run", "explain", "schema"):
        assert command in out


def test_validate_passes_on_the_repo_programs_and_sample_data():
    code, _, err = cli("validate", str(PROGRAMS), "--data", str(SAMPLE))
    assert code == 0, err
    assert err.strip() == f"{len(list(PROGRAMS.glob('*.yaml')))} program(s) valid. Data in {SAMPLE} checked."


def test_validate_quiet_prints_nothing_on_success():
    code, out, err = cli("validate", str(PROGRAMS), "--quiet")
    assert (code, out, err) == (0, "", "")


def test_a_missing_period_is_a_usage_error_exit_2(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    ws.program("p", GOOD_PROGRAM)
    code, _, err = cli("run", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 2
    assert "say which period to compute with --period" in err


def test_an_unknown_option_is_a_usage_error_exit_2():
    code, _, _ = cli("run", "--no-such-option")
    assert code == 2


def test_a_missing_programs_path_is_a_usage_error_exit_2(tmp_path):
    code, _, err = cli("validate", str(tmp_path / "nope"))
    assert code == 2
    assert "no such file or folder" in err


def test_an_internal_error_exits_3_with_one_line_and_a_saved_report(tmp_path):
    script = (
        "import sys\n"
        "from incentive_cli import api, cli\n"
        "def boom(*a, **k):\n    raise RuntimeError('secret pay data 123')\n"
        "api.run = boom\n"
        f"sys.argv = ['incentive', 'run', '--programs', {str(PROGRAMS)!r}, '--data', {str(SAMPLE)!r}, '--period', '2017-Q2', '--out', {str(tmp_path)!r}]\n"
        "cli.main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("incentive: internal error (RuntimeError); nothing was written; please report it with the details saved in /")
    assert "secret pay data" not in proc.stderr
    report = lines[0].split("details saved in ")[1]
    assert "RuntimeError: secret pay data 123" in open(report).read()


def test_schema_prints_a_json_schema_of_the_program_format():
    code, out, _ = cli("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) == {"schema_version", "id", "currency", "period", "measures", "components"}
    component = schema["properties"]["components"]["items"]
    assert component["properties"]["method"]["enum"] == ["marginal", "retroactive", "linear"]
    assert component["additionalProperties"] is False


def test_the_repo_programs_satisfy_the_published_schema():
    import jsonschema
    import yaml

    code, out, _ = cli("schema")
    validator = jsonschema.Draft202012Validator(json.loads(out))
    for path in sorted(PROGRAMS.glob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    bad = yaml.safe_load(GOOD_PROGRAM.replace("base:", "bsae:"))
    assert [e.message for e in validator.iter_errors(bad)] != []
    # the ranges the reader enforces are in the schema too
    too_many_places = yaml.safe_load(GOOD_PROGRAM.replace("rate: 5%", "rate: 5%\n    rounding: {places: 11}"))
    assert [e.message for e in validator.iter_errors(too_many_places)] == ["11 is greater than the maximum of 10"]


def test_explain_shows_the_calculation_line_by_line():
    code, out, err = cli("explain", "Darcel Schlecht", "--programs", str(PROGRAMS), "--data", str(SAMPLE), "--period", "2017-Q2")
    assert code == 0, err
    assert "Q2 Sales Performance Incentive Plan" in out
    assert "tier 1 (5%)" in out and "tier 2 (7%)" in out
    assert "20,205.25" in out  # 75,000 x 5% + 235,075 x 7%
    assert "21,205.25 USD" in out


def test_explain_an_unknown_person_suggests_near_names():
    code, _, err = cli("explain", "Darcel Schlect", "--programs", str(PROGRAMS), "--data", str(SAMPLE), "--period", "2017-Q2")
    assert code == 1
    assert "[person-not-found] 'Darcel Schlect' is not on the roster" in err
    assert "did you mean 'Darcel Schlecht'?" in err


def test_python_dash_m_works_like_the_console_script():
    proc = subprocess.run([sys.executable, "-m", "incentive_cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and "explain" in proc.stdout
