"""The payout ledger (issue 7, part 1): finalize records a period in SQLite, once, in one
transaction; a killed finalize leaves no trace or is completed; old ledgers are upgraded
and newer ones refused; a person's history is shown and exported."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from conftest import GOOD_PROGRAM, GOOD_ROSTER, cli, deals_csv

from incentive_cli import api, ledger

DEALS = deals_csv([("D1", "ana", "Acme", "Won", "2026-04-02", "1000.50"), ("D2", "ana", "Beta", "Won", "2026-05-03", "99.50")])
ROSTER = GOOD_ROSTER + "bo,Bo Berg,Sales Rep,East,boss,2000\n"


def _run(ws, period: str = "2026-04") -> Path:  # type: ignore[no-untyped-def]
    ws.setup(ROSTER, DEALS)
    ws.program("p", GOOD_PROGRAM)
    out = api.run(ws.programs, ws.data, period, ws.out, workers=1).out_path
    assert out is not None
    return out


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_finalize_records_every_payout_line_once(ws):
    out = _run(ws)
    code, _, err = cli("finalize", "2026-04", "--out", str(ws.out))
    assert code == 0, err
    db = ws.out / "ledger.sqlite"
    assert "recorded in the ledger" in err
    register = list(csv.DictReader((out / "register.csv").open()))
    lines = _rows(db, "SELECT person_id, component, amount, currency FROM payout_lines ORDER BY line")
    assert lines == [(r["person_id"], r["component"], r["amount"], r["currency"]) for r in register] == [("ana", "commission", "50.03", "USD"), ("bo", "commission", "0.00", "USD")]
    [(period, sha, count, total)] = _rows(db, "SELECT period, run_json_sha256, lines, total FROM periods")
    assert (period, count, total) == ("2026-04", 2, "50.03")
    assert len(sha) == 64
    assert _rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(ledger.SCHEMA_VERSION),)]
    # a second finalize of the same period is refused and changes nothing
    code, _, err = cli("finalize", "2026-04", "--out", str(ws.out))
    assert code == 1 and "[period-final] 2026-04 is already final" in err
    assert _rows(db, "SELECT count(*) FROM payout_lines") == [(2,)]


def test_a_finalised_period_is_byte_for_byte_unchanged_by_later_runs(ws):
    out = _run(ws)
    api.finalize(ws.out, "2026-04")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    ws.data_file("deals.csv", DEALS.replace("1000.50", "9000.50"))
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1 and "period-final" in err
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out), "--force")
    assert code == 0, err
    kept = ws.out / "2026-04.superseded-1"
    assert {p.relative_to(kept): p.read_bytes() for p in kept.rglob("*") if p.is_file()} == before
    assert _rows(ws.out / "ledger.sqlite", "SELECT amount FROM payout_lines WHERE person_id = 'ana'") == [("50.03",)]


KILL_DURING_INSERT = """
import sys, time
from pathlib import Path
from incentive_cli import api, ledger

real = ledger._insert_lines

def slow(conn, period, lines):
    real(conn, period, lines[:1])
    Path(sys.argv[2]).write_text("inside the transaction")
    time.sleep(60)

ledger._insert_lines = slow
api.finalize(Path(sys.argv[1]), "2026-04")
"""

KILL_BEFORE_MARKER = """
import sys, time
from pathlib import Path
from incentive_cli import api
from incentive_cli.writers import atomic

def slow(out_dir, name, sha):
    Path(sys.argv[2]).write_text("committed, no marker yet")
    time.sleep(60)

atomic.mark_final = slow
api.finalize(Path(sys.argv[1]), "2026-04")
"""


def _kill_when_flagged(script: str, out: Path, flag: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", script, str(out), str(flag)])
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert flag.exists(), "finalize never got there"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_finalize_killed_inside_its_transaction_leaves_the_ledger_as_it_was(ws, tmp_path):
    _run(ws)
    _kill_when_flagged(KILL_DURING_INSERT, ws.out, tmp_path / "flag")
    db = ws.out / "ledger.sqlite"
    assert _rows(db, "SELECT count(*) FROM periods") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM payout_lines") == [(0,)]
    assert not (ws.out / "2026-04" / "FINAL").exists()
    api.finalize(ws.out, "2026-04")  # the next finalize does it all
    assert _rows(db, "SELECT count(*) FROM payout_lines") == [(2,)]


def test_a_finalize_killed_after_its_commit_is_completed_by_the_next(ws, tmp_path):
    _run(ws)
    _kill_when_flagged(KILL_BEFORE_MARKER, ws.out, tmp_path / "flag")
    db = ws.out / "ledger.sqlite"
    assert _rows(db, "SELECT count(*) FROM payout_lines") == [(2,)]
    assert not (ws.out / "2026-04" / "FINAL").exists()
    api.finalize(ws.out, "2026-04")
    assert (ws.out / "2026-04" / "FINAL").exists()
    assert _rows(db, "SELECT count(*) FROM payout_lines") == [(2,)]  # not recorded twice


def test_an_old_ledger_is_upgraded_and_a_newer_one_refused(ws, tmp_path):
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()  # version 0: no tables
    with ledger.open_ledger(empty) as conn:
        assert ledger.periods(conn) == []
    assert _rows(empty, "SELECT value FROM meta") == [("2",)]
    # a ledger written by version 1 (no carried state yet) keeps its periods and gains the tables
    v1 = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(v1)
    for statement in ledger.MIGRATIONS[1]:
        conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO periods VALUES ('2026-03', 'abc', '0.1.0', 0, '0')")
    conn.commit()
    conn.close()
    with ledger.open_ledger(v1) as conn:
        assert [p for p, *_ in ledger.periods(conn)] == ["2026-03"]
        assert ledger.prior(conn, dt.date(2026, 4, 1)).periods == [("2026-03", "abc")]
    assert _rows(v1, "SELECT value FROM meta") == [("2",)]
    assert _rows(v1, "SELECT count(*) FROM draws") == [(0,)]
    newer = tmp_path / "newer.sqlite"
    conn = sqlite3.connect(newer)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    conn.commit()
    conn.close()
    _run(ws)
    code, _, err = cli("finalize", "2026-04", "--out", str(ws.out), "--ledger", str(newer))
    assert code == 1
    assert "[ledger-version] the ledger has schema version 99, written by a newer incentive_cli (this one reads up to 2)" in err
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE deals (x)")
    conn.commit()
    conn.close()
    code, _, err = cli("finalize", "2026-04", "--out", str(ws.out), "--ledger", str(other))
    assert code == 1 and "[ledger-unreadable] the file is an SQLite database but not a payout ledger" in err
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all, just some bytes" * 100)
    code, _, err = cli("finalize", "2026-04", "--out", str(ws.out), "--ledger", str(garbage))
    assert code == 1 and "[ledger-unreadable] the ledger cannot be read as SQLite" in err
    assert not (ws.out / "2026-04" / "FINAL").exists()  # refused before anything was marked


def test_the_ledger_path_comes_from_incentive_yaml_and_history_is_shown_and_exported(ws, tmp_path, monkeypatch):
    _run(ws)
    (ws.root / "incentive.yaml").write_text("schema_version: 1\nledger: books/payouts.sqlite\n")
    monkeypatch.chdir(ws.root)
    code, _, err = cli("finalize", "2026-04", "--out", "out")
    assert code == 0, err
    assert (ws.root / "books" / "payouts.sqlite").is_file()
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli("ledger", "Ana Lima", "--out", "out", "--csv", str(tmp_path / "ana.csv"))
    assert code == 0, err
    assert "Ana Lima (ana) · payout ledger books/payouts.sqlite" in out
    assert "paid in all finalised periods" in out and "50.03" in out
    rows = list(csv.DictReader((tmp_path / "ana.csv").open()))
    assert [(r["period"], r["component"], Decimal(r["amount"])) for r in rows] == [("2026-04", "commission", Decimal("50.03"))]
    code, out, _ = cli("ledger", "nobody", "--out", "out")
    assert code == 0 and "nobody has no finalised payout lines" in out
    (ws.root / "incentive.yaml").write_text("schema_version: 1\nledgr: x.sqlite\n")
    code, _, err = cli("ledger", "ana", "--out", "out")
    assert code == 1 and "incentive.yaml:2:1: error [unknown-key] ledgr: unknown key 'ledgr'" in err and "did you mean 'ledger'?" in err


def test_the_history_is_in_time_order(tmp_path):
    db = tmp_path / "l.sqlite"
    line = ledger.Line("", "ana", "Ana", "p", "c", "C", Decimal(1), "USD", "")
    with ledger.open_ledger(db) as conn:
        for period in ("2026-12", "2026-Q1", "2027-01"):
            ledger.record(conn, period, "0" * 64, "t", [ledger.Line(period, *list(line.__dict__.values())[1:])])
        assert [x.period for x in ledger.history(conn, "ana")] == ["2026-Q1", "2026-12", "2027-01"]
        assert [p[0] for p in ledger.periods(conn)] == ["2026-Q1", "2026-12", "2027-01"]
