"""The library surface that the CLI and the tests both call.

Heavy modules (pandas, openpyxl, xlsxwriter) are imported inside the functions that need
them, so ``incentive --help``, ``validate`` and ``schema`` start fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic, InputRejected, Location, OutputFailed, errors, promote_warnings
from .engine.model import Program, ProgramResult
from .engine.periods import Period, fits, reference_of
from .readers.program import program_files, read_program_file


@dataclass
class Loaded:
    programs: list[Program]
    diagnostics: list[Diagnostic]
    sources: dict[str, list[str]] = field(default_factory=dict)  # file -> lines, for excerpts


def _lines(path: Path) -> list[str]:
    """A file's lines for the excerpts under messages; undecodable bytes are shown as \ufffd
    (the reader has already refused the file with a located message)."""
    return path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()


def load_programs(path: Path) -> Loaded:
    files = program_files(path)
    loaded = Loaded([], [])
    if not files:
        loaded.diagnostics.append(Diagnostic("no-programs", "no program files (*.yaml) found", Location(str(path)), hint="point at a folder of program YAML files or at one file"))
        return loaded
    ids: dict[tuple[str, Any], str] = {}
    for f in files:
        program, diags, text = read_program_file(f)
        loaded.sources[str(f)] = text.splitlines()
        loaded.diagnostics += diags
        if program is not None:
            key = (program.id, program.effective_from)
            if key in ids:
                when = f" with effective_from {program.effective_from}" if program.effective_from else ""
                loaded.diagnostics.append(Diagnostic("duplicate-program", f"program id {program.id!r}{when} is also declared in {ids[key]}", program.source, hint="program ids must be unique; a new version of a program needs its own effective_from (file <id>@<date>.yaml)"))
                continue
            ids[key] = str(f)
            loaded.programs.append(program)
    return loaded


def by_id(programs: list[Program]) -> dict[str, list[Program]]:
    """Programs grouped by id: one, or the effective-dated versions of one, oldest first."""
    out: dict[str, list[Program]] = {}
    for p in programs:
        out.setdefault(p.id, []).append(p)
    return {k: sorted(v, key=lambda p: (p.effective_from is not None, p.effective_from)) for k, v in out.items()}


def validate(programs_path: Path, data_dir: Path | None = None, allow_empty: bool = False) -> Loaded:
    """Reads the programs (and the data, when given) and checks them against each other;
    computes nothing. A deals or activities export that programs read and that holds no
    data row is refused unless ``allow_empty``."""
    loaded = load_programs(programs_path)
    if data_dir is not None:
        import datetime as dt

        from .engine.checks import check_empty_sources, check_program_data, count_facts
        from .readers.sources import SOURCES_FILE, read_dataset

        data, diags = read_dataset(data_dir)
        loaded.diagnostics += diags
        src = data_dir / SOURCES_FILE
        if src.is_file():
            loaded.sources[str(src)] = _lines(src)
        if data is not None:
            for p in loaded.programs:
                loaded.diagnostics += check_program_data(p, data)
            if not allow_empty:
                any_day = Period.between(dt.date.min, dt.date.max)
                loaded.diagnostics += check_empty_sources(count_facts(loaded.programs, data, any_day), data)
    return loaded


@dataclass
class RunResult:
    period: Period
    results: list[ProgramResult]
    diagnostics: list[Diagnostic]
    out_path: Path | None
    skipped: list[str]
    data: Any = None
    sources: dict[str, list[str]] = field(default_factory=dict)
    credits: dict[str, Any] = field(default_factory=dict)  # program id -> DealCredit (deals counted and why not)
    programs: list[Program] = field(default_factory=list)  # every program file the run used (all versions in force)
    carry: Any = None  # engine.carry.Carry: what the run adds to the payout ledger when finalised
    prior: Any = None  # engine.carry.Prior: what the ledger's finalised periods carried into the run
    facts: list[Any] = field(default_factory=list)  # engine.checks.FactCount: each source's rows in the period
    allow_empty: bool = False  # --allow-empty: a source without facts in the period was accepted


def parse_period(text: str | None, programs: list[Program]) -> Period:
    if text:
        if ".." in text:
            import datetime as dt

            a, b = text.split("..", 1)
            return Period.between(dt.date.fromisoformat(a), dt.date.fromisoformat(b))
        return Period.parse(text)
    fixed = sorted({p.period for p in programs if p.period not in ("month", "quarter", "year")})
    if len(fixed) == 1 and all(p.period == fixed[0] for p in programs):
        return Period.parse(fixed[0])
    raise ValueError("say which period to compute with --period (for example --period 2026-Q2)")


def compute(programs_path: Path, data_dir: Path, period_text: str | None, ledger: Path | None = None, allow_empty: bool = False) -> RunResult:
    """Read and check everything, then compute every program that fits the period, with
    what the payout ledger (when given and present) carries into it: clawbacks, holdback
    releases, draw balances, the year's earlier payments. Before computing, the facts of
    each source in the period are counted: a source the programs read with no row in the
    period is an error unless ``allow_empty`` (so is a period no program fits). Raises
    InputRejected with every diagnostic when any input is wrong."""
    from .engine import carry as carried
    from .engine.adjustments import adjustment_results
    from .engine.checks import (
        check_facts_in_period,
        check_program_data,
        check_programs_fit,
        count_facts,
        pay_order,
    )
    from .engine.compute import compute_program, payouts_of
    from .engine.deal_credit import deal_credit
    from .engine.measures import filter_mask
    from .engine.seasons import overlap_days
    from .engine.versions import in_force as versions_in_force
    from .engine.versions import label as version_label
    from .engine.versions import merge as merge_versions
    from .engine.versions import part as version_part
    from .readers.sources import SOURCES_FILE, read_dataset

    loaded = load_programs(programs_path)
    diags = list(loaded.diagnostics)
    data, data_diags = read_dataset(data_dir)
    diags += data_diags
    src = data_dir / SOURCES_FILE
    if src.is_file():
        loaded.sources[str(src)] = _lines(src)
    if errors(diags) or data is None:
        raise InputRejected(diags, loaded.sources)
    try:
        period = parse_period(period_text, loaded.programs)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for p in loaded.programs:
        diags += check_program_data(p, data)
    if errors(diags):
        raise InputRejected(diags, loaded.sources)
    results: list[ProgramResult] = []
    skipped, used, selected = [], [], []
    for versions in by_id(loaded.programs).values():
        p = versions[-1]
        if not fits(p.period, period):
            skipped.append(f"{p.id} (its period is {p.period}, the run's is {period.label})")
            continue
        if p.active is not None and not overlap_days(p.active.start, p.active.end, period):
            skipped.append(f"{p.id} (its active window {p.active.start} to {p.active.end} is outside {period.label})")
            continue
        over = carried.year_to_date(period) if p.true_up == "year" else period
        spans = versions_in_force(versions, over)
        if not spans:
            skipped.append(f"{p.id} (its first version is in force from {versions[0].effective_from}, after {period.label})")
            continue
        selected.append((over, spans))
        used += [v for v, _, _ in spans]
    if loaded.programs and not selected:
        raise InputRejected(diags + check_programs_fit(loaded.programs, skipped, period, str(programs_path)), loaded.sources)
    facts = count_facts(used, data, period)
    if not allow_empty:
        diags += check_facts_in_period(facts, period, data)
    if errors(diags):
        raise InputRejected(diags, loaded.sources)
    order, order_diags = pay_order([v[-1] for v in by_id(loaded.programs).values()])
    diags += order_diags + _pay_runs(selected, order, period)
    if errors(diags):
        raise InputRejected(diags, loaded.sources)
    for over, spans in sorted(selected, key=lambda s: order.index(s[1][0][0].id)):
        parts = []
        for version, a, b in spans:
            part, cdiags = compute_program(version_part(version, a, b, over), data, over, payouts_of(results))
            diags += cdiags
            parts.append((part, version_label(a, b, over)))
        results.append(merge_versions(parts))
    if errors(diags):
        raise InputRejected(diags, loaded.sources)
    prior = _prior(ledger, period)
    seen = _as_seen(data, period)
    results, carry = _carry(results, {k: v[-1] for k, v in by_id(loaded.programs).items()}, data, period, prior, seen)
    results += adjustment_results(data, period)
    draw_lines, carry.draws = carried.draws(results, prior, data, period)
    results += carried.as_results("draws", "Draws", draw_lines, data, period)
    diags += _one_currency_each(results, data)
    if errors(diags):
        raise InputRejected(diags, loaded.sources)
    credits = {r.program.id: deal_credit(r.program, seen(r.program), period, [p.person_id for p in r.people], filter_mask) for r in results}
    return RunResult(period, results, diags, None, skipped, data, loaded.sources, credits, used, carry, prior, facts, allow_empty)


def _pay_runs(selected: list[Any], order: list[str], period: Period) -> list[Diagnostic]:
    """A program that reads the pay of a program that does not run in this period would read
    nothing: an error, not a silent zero."""
    from .engine.compute import reads_pay_of

    running = {spans[0][0].id for _, spans in selected}
    out = []
    for _, spans in selected:
        p = spans[-1][0]
        for ref in sorted(reads_pay_of(p) - running):
            if ref in order:
                out.append(Diagnostic("bad-reference", f"program {p.id!r} reads the pay of {ref!r}, which does not run in {period.label}", p.source, hint=f"give both programs periods that fit {period.label}, or stop reading {ref!r}", value=ref))
    return out


def _prior(ledger: Path | None, period: Period) -> Any:
    """What the payout ledger's finalised periods before this one carry into the run."""
    from . import ledger as ledger_db
    from .engine.carry import Prior

    if ledger is None or not ledger.is_file():
        return Prior()
    with ledger_db.open_ledger(ledger) as conn:
        return ledger_db.prior(conn, period.start)


def _as_seen(data: Any, period: Period) -> Any:
    """program -> the data as it sees it (amounts in its payout currency when it declares
    fx), converted once per program."""
    from .engine.fx import with_fx

    cache: dict[str, Any] = {}

    def seen(program: Program) -> Any:
        if not program.fx:
            return data
        if program.id not in cache:
            cache[program.id] = with_fx(program, data, period)[0]
        return cache[program.id]

    return seen


def _carry(results: list[ProgramResult], programs: dict[str, Program], data: Any, period: Period, prior: Any, seen: Any) -> tuple[list[ProgramResult], Any]:
    """True-ups, payments by deal (for clawbacks), holdbacks, then the lines of earlier
    periods that fall due now: clawbacks and holdback releases."""
    from .engine import carry as carried
    from .engine.compute import compute_program, payouts_of, reads_pay_of

    carry = carried.Carry(prior=prior.periods)
    out = []
    for r in results:
        p = programs[r.program.id]
        if p.true_up == "year":
            r = carried.true_up(r, prior, period)
        elif p.clawback is not None:
            carry.deals += carried.payments(p, r, seen(p), period)
        if p.installments:
            r, holds = carried.installments(p, r, seen(p), period)
            carry.holds += holds
        if p.holdback is not None:
            r, holds = carried.hold_back(p, r, seen(p), period)
            carry.holds += holds
        out.append(r)
    def recompute(prog: Program, per: Period) -> ProgramResult:
        """A paid period again on today's export, with the pay of the programs it reads."""
        needed = [programs[d] for d in sorted(reads_pay_of(prog)) if d in programs]
        return compute_program(prog, data, per, payouts_of([recompute(d, per) for d in needed]))[0]

    clawed, rows, cancelled = carried.clawbacks(prior, programs, data, period, recompute, seen)
    carry.deals += rows
    released, release_rows = carried.releases(prior, data, period, cancelled)
    carry.holds += cancelled + release_rows
    out += carried.as_results("clawbacks", "Clawbacks", clawed, data, period)
    out += carried.as_results("holdbacks", "Holdback releases", released, data, period)
    return out, carry


def _one_currency_each(results: list[ProgramResult], data: Any) -> list[Diagnostic]:
    """A person is paid in one currency per run: statements, the register and the ledger add
    their lines up (until the FX table of issue 7 converts)."""
    paid: dict[str, dict[str, str]] = {}
    for r in results:
        for p in r.people:
            if p.lines:
                paid.setdefault(p.person_id, {}).setdefault(p.currency, r.program.id)
    out = []
    for pid, by_currency in sorted(paid.items()):
        if len(by_currency) > 1:
            person = data.people[pid]
            what = ", ".join(f"{cur} ({prog})" for cur, prog in sorted(by_currency.items()))
            out.append(Diagnostic("currency-mismatch", f"{person.name} ({pid}) would be paid in {len(by_currency)} currencies: {what}", person.source, hint="give the person a currency on the roster and keep their programs and adjustments in it (conversion arrives with the FX table)", value=pid))
    return out


class UsageError(Exception):
    pass


def run(programs_path: Path, data_dir: Path, period_text: str | None, out_dir: Path, workers: int | None = None, force: bool = False, ledger: Path | None = None, allow_empty: bool = False, strict: bool = False) -> RunResult:
    """Compute, then write into ``out_dir/<period>/`` the register (CSV, XLSX), the summary
    workbook, one statement per person, one pack per manager and run.json: all of them or
    none. ``strict``: any warning refuses the run, as an error (nothing is written)."""
    from .engine.carry import balances as carried_balances
    from .writers import atomic
    from .writers.register import (
        file_sha256,
        run_record,
        write_register_csv,
        write_register_xlsx,
        write_summary_xlsx,
    )
    from .writers.statements import build_statements, subtrees, write_manager_pack, write_statements
    from .writers.xlsx import safe_file_name

    result = compute(programs_path, data_dir, period_text, ledger_path(out_dir, ledger), allow_empty)
    if strict and result.diagnostics:
        raise InputRejected(promote_warnings(result.diagnostics), result.sources)
    label = result.period.label
    with atomic.output_lock(out_dir):
        atomic.recover(out_dir, label)
        refusal = atomic.final_check(out_dir, label, force)
        if refusal is not None:
            raise InputRejected([refusal], result.sources)
        stage = atomic.staging_dir(out_dir, label)
        try:
            write_register_csv(stage / "register.csv", label, result.results)
            write_register_xlsx(stage / "register.xlsx", label, result.results)
            write_summary_xlsx(stage / "summary.xlsx", label, result.results)
            statements = build_statements(result.period, result.results, result.data, result.credits, carried_balances(result.carry, result.prior))
            written = write_statements(stage / "statements", statements, workers)
            people = result.data.people
            for manager, team in sorted(subtrees(statements, result.data).items()):
                name = people[manager].name if manager in people else manager
                path = stage / "managers" / safe_file_name(label, name, manager)
                path.parent.mkdir(exist_ok=True)
                write_manager_pack(path, manager, name, team, label)
                written.append(path)
            (stage / "carry.json").write_text(json.dumps(result.carry.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            outputs = {name: file_sha256(stage / name) for name in ("register.csv", "register.xlsx", "summary.xlsx", "carry.json")}
            outputs.update({str(p.relative_to(stage)): file_sha256(p) for p in sorted(written)})
            refs = {r.program.id: reference_of(result.period, r.program.reference).label for r in result.results}
            facts = {"allow_empty": result.allow_empty, "sources": [c.as_json() for c in result.facts]}
            (stage / "run.json").write_text(run_record(label, refs, result.results, result.data.inputs, result.programs, result.data.unmatched_owners, outputs, __version__, facts), encoding="utf-8")
            result.out_path = atomic.commit(stage, out_dir, label)
        except OSError as exc:
            atomic.abandon(stage)
            where = exc.filename or str(out_dir)
            raise OutputFailed(Diagnostic("output-not-writable", f"the outputs could not be written: {exc.strerror or exc}", Location(str(where)), hint="free some space or fix the folder's permissions; the previous outputs are untouched")) from exc
        except BaseException:
            atomic.abandon(stage)
            raise
    return result


CONFIG_FILE = "incentive.yaml"


def ledger_path(out_dir: Path, explicit: Path | None = None, config_dir: Path | None = None) -> Path:
    """The payout ledger: --ledger, else ``ledger:`` in incentive.yaml (in the current folder,
    the root of the programs repository), else OUT/ledger.sqlite."""
    if explicit is not None:
        return explicit
    config = (config_dir or Path()) / CONFIG_FILE
    if config.is_file():
        from .formats import CONFIG
        from .readers.yaml_nodes import load_yaml
        from .spec import PObj, Reader

        loaded = load_yaml(str(config), config.read_text(encoding="utf-8"))
        diags = list(loaded.diagnostics)
        doc = None
        if loaded.root is not None:
            reader = Reader(str(config))
            doc = reader.read(loaded.root, CONFIG, "")
            diags += reader.diagnostics
        if errors(diags):
            raise InputRejected(diags)
        if isinstance(doc, PObj) and doc.get("ledger"):
            return config.parent / doc["ledger"]
    return out_dir / "ledger.sqlite"


def finalize(out_dir: Path, period_text: str, ledger: Path | None = None) -> Path:
    """Marks the outputs of a period final and records them in the payout ledger: the
    period's run record hash and every payout line, in one transaction, then the FINAL
    marker. Later runs refuse to replace final outputs (without --force, which keeps them
    beside the new ones). A finalize killed after the ledger's commit is completed by the
    next one (same run record); any other second finalize of a period is refused."""
    from . import ledger as ledger_db
    from .writers import atomic
    from .writers.register import file_sha256

    try:
        label = parse_period(period_text, []).label
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with atomic.output_lock(out_dir):
        atomic.recover(out_dir, label)
        record = out_dir / label / "run.json"
        if not record.is_file():
            raise InputRejected([Diagnostic("file-not-found", f"no outputs of {label} to finalise", Location(str(record)), hint=f"run `incentive run --period {label}` first")])
        refusal = atomic.final_check(out_dir, label, force=False)
        if refusal is not None:
            raise InputRejected([Diagnostic("period-final", f"{label} is already final", refusal.location, hint="a period is finalised once")])
        sha = file_sha256(record)
        path = ledger_path(out_dir, ledger)
        with ledger_db.open_ledger(path) as conn:
            done = ledger_db.finalised(conn, label)
            if done is not None and done != sha:
                raise InputRejected([Diagnostic("period-final", f"{label} is already final in the ledger, with another run record (sha256 {done[:12]}...)", Location(str(path)), hint="a period is finalised once; corrections go into the next open period")])
            if done is None:
                lines = ledger_db.read_register(out_dir / label / "register.csv")
                carry_file = out_dir / label / "carry.json"
                carry = json.loads(carry_file.read_text(encoding="utf-8")) if carry_file.is_file() else None
                _check_prior(conn, carry, label, path)
                run_record = json.loads(record.read_text(encoding="utf-8"))
                ledger_db.record(conn, label, sha, run_record.get("tool", {}).get("version", __version__), lines, carry, run_record.get("outputs", {}))
        return atomic.mark_final(out_dir, label, sha)


def _check_prior(conn: Any, carry: dict[str, Any] | None, label: str, path: Path) -> None:
    """A run computed on a ledger that has since finalised an earlier period carried the
    wrong state (no clawbacks, releases or balances of that period): refuse to finalise it."""
    from . import ledger as ledger_db

    if carry is None:
        return
    used = {(p["period"], p["run_json_sha256"]) for p in carry.get("prior_periods", [])}
    now = set(ledger_db.finalised_before(conn, parse_period(label, []).start))
    if now != used:
        missing = sorted(p for p, _ in now - used)
        raise InputRejected([Diagnostic("ledger-stale", f"{label} was computed before {', '.join(missing) or 'a change to the ledger'} was finalised, so it misses what that period carries", Location(str(path)), hint=f"run `incentive run --period {label}` again, then finalise it")])


def write_history_csv(path: Path, lines: list[Any]) -> None:
    """A person's ledger history as CSV, written atomically (text a spreadsheet would take for
    a formula gets the register's leading apostrophe)."""
    import csv
    import io

    from .writers.register import safe_csv_text

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["period", "person_id", "person", "program", "component", "component_name", "amount", "currency", "basis"])
    for x in lines:
        w.writerow([x.period, safe_csv_text(x.person_id), safe_csv_text(x.person), safe_csv_text(x.program), safe_csv_text(x.component), safe_csv_text(x.component_name), str(x.amount), x.currency, safe_csv_text(x.basis)])
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise OutputFailed(Diagnostic("output-not-writable", f"cannot write the CSV: {exc.strerror or exc}", Location(str(path)), hint="choose a folder you can write to")) from None


def ledger_history(out_dir: Path, person: str, ledger: Path | None = None) -> tuple[Path, list[Any], list[Any], dict[str, Any]]:
    """(ledger path, the person's finalised lines, every finalised period, their balances:
    the draw to recover and the money held back)."""
    from . import ledger as ledger_db

    path = ledger_path(out_dir, ledger)
    if not path.is_file():
        raise InputRejected([Diagnostic("file-not-found", "there is no payout ledger yet", Location(str(path)), hint="`incentive finalize PERIOD` creates it; or point --ledger at it")])
    with ledger_db.open_ledger(path) as conn:
        lines = ledger_db.history(conn, person)
        balances = ledger_db.balances(conn, lines[0].person_id if lines else person)
        return path, lines, ledger_db.periods(conn), balances


def explain(programs_path: Path, data_dir: Path, period_text: str | None, person: str, ledger: Path | None = None, allow_empty: bool = False) -> tuple[RunResult, list[Any]]:
    result = compute(programs_path, data_dir, period_text, ledger, allow_empty)
    from .engine.data import norm_name

    wanted = norm_name(person)
    found = []
    for r in result.results:
        for p in r.people:
            if p.person_id == person or norm_name(p.name) == wanted:
                found.append((r, p))
    if not found:
        people = result.data.people
        match = [pid for pid, p in people.items() if pid == person or norm_name(p.name) == wanted]
        if not match:
            import difflib

            near = difflib.get_close_matches(person, [p.name for p in people.values()], n=3)
            raise InputRejected([Diagnostic("person-not-found", f"{person!r} is not on the roster", Location(str(data_dir)), hint=("did you mean " + " or ".join(repr(n) for n in near) + "?") if near else "use a person id or name from the roster")])
    return result, found


def leaderboard(programs_path: Path, data_dir: Path, period_text: str | None, program_id: str | None, measure: str | None) -> tuple[Any, Any, Any, str, str]:
    """(standings, period, reference period, measure name, measure kind) for one measure of
    one program."""
    from .engine.ranking import leaderboard as compute_leaderboard
    from .readers.sources import read_dataset

    loaded = load_programs(programs_path)
    if errors(loaded.diagnostics):
        raise InputRejected(loaded.diagnostics, loaded.sources)
    if program_id is None:
        if len(loaded.programs) != 1:
            raise UsageError("say which program with --program: " + ", ".join(sorted(p.id for p in loaded.programs)))
        program = loaded.programs[0]
    else:
        found = [p for p in loaded.programs if p.id == program_id]
        if not found:
            raise UsageError(f"no program {program_id!r}; programs: " + ", ".join(sorted(p.id for p in loaded.programs)))
        program = found[0]
    name = measure or program.measures[0].name
    if name not in {m.name for m in program.measures}:
        raise UsageError(f"program {program.id!r} has no measure {name!r}; measures: " + ", ".join(m.name for m in program.measures))
    data, diags = read_dataset(data_dir)
    if data is None or errors(diags):
        raise InputRejected(diags, loaded.sources)
    try:
        period = parse_period(period_text, [program])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    standings, ref = compute_leaderboard(program, data, period, name)
    return standings, period, ref, name, program.measure(name).kind


def schema_json() -> str:
    from .formats import PROGRAM
    from .spec import json_schema

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://incentive-cli.dev/schema/program-v1.json", **json_schema(PROGRAM)}
    return json.dumps(schema, indent=2, ensure_ascii=False)
