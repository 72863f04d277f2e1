"""Nothing lost, nothing half-written: final periods, kills mid-write, recovery, and
terminal output that never chokes on a name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import GOOD_PROGRAM, GOOD_ROSTER, cli

from incentive_cli import api
from incentive_cli.writers import atomic

DEALS = "deal_id,owner,customer,stage,close_date,amount\nD1,ana,A,Won,2026-04-02,100\n"


def files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_final_period_is_never_overwritten_and_force_keeps_it_beside(ws):
    ws.setup(GOOD_ROSTER, DEALS)
    ws.program("p", GOOD_PROGRAM)
    run = ["run", "-p", str(ws.programs), "-d", str(ws.data), "--period", "2026-04", "-o", str(ws.out)]
    assert cli(*run)[0] == 0
    code, _, err = cli("finalize", "2026-04", "-o", str(ws.out))
    assert code == 0 and "2026-04 is final" in err
    paid = files(ws.out / "2026-04")
    assert (ws.out / "2026-04" / "FINAL").read_text().startswith('{"period": "2026-04", "run_json_sha256": "')
    ws.data_file("deals.csv", DEALS.replace(",100", ",900"))
    code, _, err = cli(*run)
    assert code == 1 and "[period-final] the outputs of 2026-04 are marked final (paid)" in err and "--force" in err
    assert files(ws.out / "2026-04") == paid
    code, _, err = cli("finalize", "2026-04", "-o", str(ws.out))
    assert code == 1 and "2026-04 is already final" in err
    code, _, err = cli(*run, "--force")
    assert code == 0, err
    assert files(ws.out / "2026-04.superseded-1") == paid  # the paid outputs, byte for byte
    assert not (ws.out / "2026-04" / "FINAL").exists()
    assert "45.00" in (ws.out / "2026-04" / "register.csv").read_text()  # 900 x 5%


KILLER = """
import sys, time
from pathlib import Path
from incentive_cli import api
from incentive_cli.writers import statements

real = statements.write_statement

def slow(path, st):
    real(path, st)
    Path(sys.argv[3]).write_text("writing")
    time.sleep(60)

statements.write_statement = slow
api.run(Path(sys.argv[1]), Path(sys.argv[2]), "2026-04", Path(sys.argv[4]), workers=1)
"""


def test_a_run_killed_while_writing_leaves_the_previous_outputs_intact(ws, tmp_path):
    ws.setup(GOOD_ROSTER, DEALS)
    ws.program("p", GOOD_PROGRAM)
    before = api.run(ws.programs, ws.data, "2026-04", ws.out, workers=1).out_path
    good = files(before)
    ws.data_file("deals.csv", DEALS.replace(",100", ",900"))
    flag = tmp_path / "flag"
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(ws.programs), str(ws.data), str(flag), str(ws.out)])
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert flag.exists(), "the run never reached its statements"
        assert any(p.name.startswith(".staging-") for p in ws.out.iterdir())  # half-written, out of sight
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert files(ws.out / "2026-04") == good
    after = api.run(ws.programs, ws.data, "2026-04", ws.out, workers=1)  # the lock died with the process
    assert "45.00" in (after.out_path / "register.csv").read_text()
    assert sorted(p.name for p in ws.out.iterdir()) == [".lock", "2026-04"]  # the staging folder was cleared


def test_recovery_puts_back_outputs_stranded_between_the_two_renames(tmp_path):
    out = tmp_path / "out"
    stranded = out / ".previous-2026-04-4242"
    stranded.mkdir(parents=True)
    (stranded / "run.json").write_text("{}")
    atomic.recover(out, "2026-04")
    assert (out / "2026-04" / "run.json").read_text() == "{}"
    assert not stranded.exists()


def test_terminal_output_survives_names_that_look_like_markup(ws):
    ws.setup("id,name,role,team,manager,quota\nana,[/] [bold]Ana[/bold] [link=x],Sales Rep,[red],boss,1\n", DEALS)
    ws.program("p", GOOD_PROGRAM)
    code, out, err = cli("explain", "ana", "-p", str(ws.programs), "-d", str(ws.data), "--period", "2026-04")
    assert code == 0, err
    assert "[/] [bold]Ana[/bold] [link=x]" in out
    code, out, err = cli("leaderboard", "-p", str(ws.programs), "-d", str(ws.data), "--period", "2026-04")
    assert code == 0, err
    assert "[/] [bold]Ana[/bold] [link=x]" in out and "[red]" in out
