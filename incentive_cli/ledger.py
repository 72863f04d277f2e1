"""The payout ledger: an SQLite file holding every finalised period (its run record hash and
every payout line), so later periods can carry state (issue 7: draws, clawbacks, holdbacks,
adjustments and true-ups build on it). Nothing in it is ever updated or deleted: a
finalised period is written once, in one transaction.

The schema is versioned: ``meta.schema_version`` says which migrations have run. A ledger
written by an older version is upgraded, each migration in its own transaction; one written
by a newer version is refused rather than misread.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, InputRejected, Location

SCHEMA_VERSION = 2

# version -> the statements that bring a ledger from the version before to it
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE periods (period TEXT PRIMARY KEY, run_json_sha256 TEXT NOT NULL, tool_version TEXT NOT NULL, lines INTEGER NOT NULL, total TEXT NOT NULL)",
        "CREATE TABLE payout_lines (period TEXT NOT NULL REFERENCES periods (period), line INTEGER NOT NULL, person_id TEXT NOT NULL, person TEXT NOT NULL,"
        " program TEXT NOT NULL, component TEXT NOT NULL, component_name TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL, basis TEXT NOT NULL,"
        " PRIMARY KEY (period, line))",
        "CREATE INDEX payout_lines_by_person ON payout_lines (person_id, period)",
    ),
    2: (  # state carried across periods (issue 7): each deal's part of what was paid, holds, draws
        "CREATE TABLE deal_credits (period TEXT NOT NULL REFERENCES periods (period), origin TEXT NOT NULL, person_id TEXT NOT NULL, program TEXT NOT NULL,"
        " component TEXT NOT NULL, deal_id TEXT NOT NULL, amount TEXT NOT NULL, rate TEXT NOT NULL, paid TEXT NOT NULL)",
        "CREATE INDEX deal_credits_by_deal ON deal_credits (person_id, program, deal_id)",
        "CREATE TABLE holds (period TEXT NOT NULL REFERENCES periods (period), hold_id TEXT NOT NULL, origin TEXT NOT NULL, person_id TEXT NOT NULL, program TEXT NOT NULL,"
        " component TEXT NOT NULL, component_name TEXT NOT NULL, deal_id TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL, release TEXT NOT NULL)",
        "CREATE INDEX holds_by_id ON holds (hold_id)",
        "CREATE TABLE draws (period TEXT NOT NULL REFERENCES periods (period), person_id TEXT NOT NULL, currency TEXT NOT NULL, kind TEXT NOT NULL,"
        " opening TEXT NOT NULL, top_up TEXT NOT NULL, recovered TEXT NOT NULL, closing TEXT NOT NULL, PRIMARY KEY (period, person_id))",
        "CREATE TABLE output_hashes (period TEXT NOT NULL REFERENCES periods (period), file TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (period, file))",
    ),
}

CARRY_COLUMNS = {  # carry.json list -> the columns of its table (the same names)
    "deals": ("period", "origin", "person_id", "program", "component", "deal_id", "amount", "rate", "paid"),
    "holds": ("period", "hold_id", "origin", "person_id", "program", "component", "component_name", "deal_id", "amount", "currency", "release"),
    "draws": ("period", "person_id", "currency", "kind", "opening", "top_up", "recovered", "closing"),
}
TABLE_OF = {"deals": "deal_credits", "holds": "holds", "draws": "draws"}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Line:
    period: str
    person_id: str
    person: str
    program: str
    component: str
    component_name: str
    amount: Decimal
    currency: str
    basis: str


def _refuse(path: Path, code: str, message: str, hint: str) -> InputRejected:
    return InputRejected([Diagnostic(code, message, Location(str(path)), hint=hint)])


def _version(conn: sqlite3.Connection, path: Path) -> int:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise _refuse(path, "ledger-unreadable", "the file is an SQLite database but not a payout ledger (it has no meta table)", "point --ledger at the ledger file, or at a new path to start one")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def open_ledger(path: Path) -> Iterator[sqlite3.Connection]:
    """The ledger at ``path`` (created when missing), upgraded to this version's schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        version = _version(conn, path)
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, "ledger-unreadable", f"the ledger cannot be read as SQLite: {exc}", "point --ledger at the ledger file; never edit it by hand") from None
    try:
        if version > SCHEMA_VERSION:
            raise _refuse(path, "ledger-version", f"the ledger has schema version {version}, written by a newer incentive_cli (this one reads up to {SCHEMA_VERSION})", "upgrade incentive_cli; an older version never writes to a newer ledger")
        for v in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[v]:
                conn.execute(statement)
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(v),))
            conn.execute("COMMIT")
        yield conn
    finally:
        conn.close()


def finalised(conn: sqlite3.Connection, period: str) -> str | None:
    """The run record hash a period was finalised with, or None."""
    row = conn.execute("SELECT run_json_sha256 FROM periods WHERE period = ?", (period,)).fetchone()
    return row[0] if row else None


def _unescape(text: str) -> str:
    """register.csv writes text a spreadsheet would take for a formula with a leading
    apostrophe; the ledger keeps the text itself."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def read_register(path: Path) -> list[Line]:
    with path.open(newline="", encoding="utf-8") as f:
        return [Line(r["period"], _unescape(r["person_id"]), _unescape(r["person"]), _unescape(r["program"]), _unescape(r["component"]), _unescape(r["component_name"]),
                     Decimal(r["amount"]), r["currency"], _unescape(r["basis"])) for r in csv.DictReader(f)]


def record(conn: sqlite3.Connection, period: str, run_sha256: str, tool_version: str, lines: list[Line], carry: dict[str, Any] | None = None, outputs: dict[str, str] | None = None) -> None:
    """Writes a finalised period, its lines, what it carries forward (carry.json: deal
    credits, holds, draw balances) and the SHA-256 of each of its outputs (from run.json)
    in one transaction: all of it or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        total = sum((line.amount for line in lines), Decimal(0))
        conn.execute("INSERT INTO periods VALUES (?, ?, ?, ?, ?)", (period, run_sha256, tool_version, len(lines), str(total)))
        _insert_lines(conn, period, lines)
        conn.executemany("INSERT INTO output_hashes VALUES (?, ?, ?)", sorted((period, f, h) for f, h in (outputs or {}).items()))
        carry = carry or {}
        for table, cols in CARRY_COLUMNS.items():
            rows = carry.get(table, [])
            conn.executemany(f"INSERT INTO {TABLE_OF[table]} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [tuple(r[c] for c in cols) for r in rows])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _insert_lines(conn: sqlite3.Connection, period: str, lines: list[Line]) -> None:
    conn.executemany("INSERT INTO payout_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(period, i, x.person_id, x.person, x.program, x.component, x.component_name, str(x.amount), x.currency, x.basis) for i, x in enumerate(lines, start=1)])


LINE_SELECT = "SELECT period, person_id, person, program, component, component_name, amount, currency, basis FROM payout_lines"


def _line(r: tuple[Any, ...]) -> Line:
    return Line(r[0], r[1], r[2], r[3], r[4], r[5], Decimal(r[6]), r[7], r[8])


def history(conn: sqlite3.Connection, person: str) -> list[Line]:
    """Every finalised line of a person (by id, or else by name), oldest period first."""
    rows = conn.execute(f"{LINE_SELECT} WHERE person_id = ? ORDER BY period, line", (person,)).fetchall()
    if not rows:
        rows = conn.execute(f"{LINE_SELECT} WHERE person = ? ORDER BY period, line", (person,)).fetchall()
    return sorted(map(_line, rows), key=lambda x: _period_order(x.period))  # stable: lines keep their order within a period


def periods(conn: sqlite3.Connection) -> list[tuple[str, str, int, Decimal]]:
    rows = [(r[0], r[1], r[2], Decimal(r[3])) for r in conn.execute("SELECT period, run_json_sha256, lines, total FROM periods")]
    return sorted(rows, key=lambda r: _period_order(r[0]))


def _period_order(label: str) -> tuple[str, str, str]:
    """Periods in time order (2026-Q1 before 2026-12): by first day, then last day."""
    from .engine.periods import Period

    try:
        p = Period.parse(label)
    except ValueError:
        start, _, end = label.partition("..")
        return (start, end, label)
    return (p.start.isoformat(), p.end.isoformat(), label)


def finalised_before(conn: sqlite3.Connection, day: Any) -> list[tuple[str, str]]:
    """(period, run.json SHA-256) of every finalised period that ended before ``day``, in
    time order: what a run starting on ``day`` is computed on."""
    return [(p, sha) for p, sha, _, _ in periods(conn) if _period_order(p)[1] < day.isoformat()]


DECIMAL_COLUMNS = frozenset({"amount", "rate", "paid", "opening", "top_up", "recovered", "closing"})


def _carried(conn: sqlite3.Connection, key: str, cls: Any, names: set[str]) -> list[Any]:
    """The rows of one carry table (columns as in carry.json) of the given periods, in the
    order they were recorded."""
    cols = CARRY_COLUMNS[key]
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM {TABLE_OF[key]} ORDER BY rowid")
    return [cls(**{c: Decimal(v) if c in DECIMAL_COLUMNS else v for c, v in zip(cols, r, strict=True)}) for r in rows if r[0] in names]


def prior(conn: sqlite3.Connection, before: Any) -> Any:
    """What finalised periods that ended before ``before`` (a date) carry into a run."""
    from .engine.carry import DealPaid, DrawMove, Hold, Prior

    out = Prior()
    out.periods = finalised_before(conn, before)
    names = {p for p, _ in out.periods}
    lines = [_line(r) for r in conn.execute(f"{LINE_SELECT} ORDER BY rowid") if r[0] in names]
    out.lines = sorted(lines, key=lambda x: _period_order(x.period))  # stable: lines keep their order within a period
    out.deals = _carried(conn, "deals", DealPaid, names)
    out.holds = _carried(conn, "holds", Hold, names)
    for m in sorted(_carried(conn, "draws", DrawMove, names), key=lambda m: _period_order(m.period)):
        out.draws[m.person_id] = m
    return out


def balances(conn: sqlite3.Connection, person_id: str) -> dict[str, Any]:
    """A person's balances after the last finalised period: the draw to recover and the
    money held back, by currency."""
    draw = None
    rows = [r for r in conn.execute("SELECT period, currency, kind, closing FROM draws WHERE person_id = ?", (person_id,))]
    if rows:
        last = max(rows, key=lambda r: _period_order(r[0]))
        draw = (last[1], last[2], Decimal(last[3]))
    held: dict[str, Decimal] = {}
    for currency, amount in conn.execute("SELECT currency, amount FROM holds WHERE person_id = ?", (person_id,)):
        held[currency] = held.get(currency, Decimal(0)) + Decimal(amount)
    return {"draw": draw, "held": {k: v for k, v in held.items() if v}}
