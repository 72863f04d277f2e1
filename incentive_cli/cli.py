"""The ``incentive`` command: parse arguments, call :mod:`api`, render, exit.

Exit codes (README "Exit codes"): 0 ok; 1 invalid input (nothing written); 2 usage;
3 internal error (one line saying where the details were saved); 73 the outputs could not
be written; 75 another run holds the lock. :class:`Reporter` is the one place that decides them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from .diagnostics import (
    Diagnostic,
    ExitCode,
    InputRejected,
    OutputFailed,
    RunLocked,
    errors,
    promote_warnings,
    render_github,
    render_json,
    render_text,
    summary_sentence,
)

app = typer.Typer(
    name="incentive",
    help="Run sales incentive programs (YAML) over CRM exports: validate, run, explain.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How diagnostics are printed on stderr: text, json, or github (Actions annotations).")]
ProgramsArg = Annotated[Path, typer.Option("--programs", "-p", help="A program file or a folder of them.")]
DataOpt = Annotated[Path, typer.Option("--data", "-d", help="Data folder holding sources.yaml and the exports.")]
LedgerOpt = Annotated[Path | None, typer.Option("--ledger", help="The payout ledger (SQLite). Default: ledger: in ./incentive.yaml, else OUT/ledger.sqlite.")]
PeriodOpt = Annotated[str | None, typer.Option("--period", help="Period to compute: 2026-10, 2026-Q2, 2026, or 2026-04-01..2026-06-30.")]


StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat every warning as an error (exit 1; a run writes nothing): for CI.")]
AllowEmptyOpt = Annotated[bool, typer.Option("--allow-empty", help="Compute a period in which a source the programs read has no facts (or whose deals or activities export is empty), instead of refusing it.")]


class Reporter:
    """Prints diagnostics (stderr) in the chosen format and owns the exit code; with
    ``strict``, every warning is an error."""

    def __init__(self, fmt: Format, quiet: bool = False, strict: bool = False):
        self.fmt, self.quiet, self.strict = fmt, quiet, strict

    def diagnostics(self, diags: list[Diagnostic], sources: dict[str, list[str]] | None = None) -> None:
        if self.strict:
            diags = promote_warnings(diags)
        if not diags:
            return
        if self.fmt == Format.json:
            out = render_json(diags)
        elif self.fmt == Format.github:
            out = render_github(diags)
        else:
            out = render_text(diags, sources) + "\n" + summary_sentence(diags)
        print(out, file=sys.stderr)

    @contextlib.contextmanager
    def refusals(self) -> Iterator[None]:
        """The one place that turns refusals into exit codes: invalid input 1, usage 2,
        outputs not writable 73, output folder locked 75."""
        from . import api

        try:
            yield
        except InputRejected as exc:
            self.finish(exc.diagnostics, exc.sources)
        except api.UsageError as exc:
            _usage(str(exc))
        except RunLocked as exc:
            self.diagnostics([exc.diagnostic])
            raise typer.Exit(int(ExitCode.LOCKED)) from None
        except OutputFailed as exc:
            self.diagnostics([exc.diagnostic])
            raise typer.Exit(int(ExitCode.CANT_WRITE)) from None

    def finish(self, diags: list[Diagnostic], sources: dict[str, list[str]] | None = None, success: str = "") -> NoReturn:
        if self.strict:
            diags = promote_warnings(diags)
        self.diagnostics(diags, sources)
        if errors(diags):
            raise typer.Exit(int(ExitCode.INVALID_INPUT))
        if success and not self.quiet:
            print(success, file=sys.stderr)
        raise typer.Exit(int(ExitCode.OK))


def _usage(message: str) -> NoReturn:
    print(f"incentive: {message}", file=sys.stderr)
    raise typer.Exit(int(ExitCode.USAGE))


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Program files or folders.")],
    data: Annotated[Path | None, typer.Option("--data", "-d", help="Also read the data folder and check the programs against it.")] = None,
    fmt: FormatOpt = Format.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    allow_empty: AllowEmptyOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Check program files (and optionally the data) without computing anything."""
    from . import api

    all_diags: list[Diagnostic] = []
    sources: dict[str, list[str]] = {}
    n = 0
    for p in paths:
        if not p.exists():
            _usage(f"{p}: no such file or folder")
        loaded = api.validate(p, data, allow_empty)
        all_diags += loaded.diagnostics
        sources.update(loaded.sources)
        n += len(loaded.programs)
    Reporter(fmt, quiet, strict).finish(all_diags, sources, f"{n} program(s) valid." + (f" Data in {data} checked." if data else ""))


@app.command()
def run(
    programs: ProgramsArg = Path("programs"),
    data: DataOpt = Path("data"),
    period: PeriodOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder; results go to OUT/<period>/.")] = Path("out"),
    force: Annotated[bool, typer.Option("--force", help="Replace a period marked final (its outputs are kept beside, as <period>.superseded-N).")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes that write statements (default: one per core).")] = None,
    ledger: LedgerOpt = None,
    allow_empty: AllowEmptyOpt = False,
    strict: StrictOpt = False,
    fmt: FormatOpt = Format.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Compute every program for the period; write statements, manager packs, the register, the summary and run.json."""
    from . import api
    from .money import format_money

    rep = Reporter(fmt, quiet, strict)
    with rep.refusals():
        result = api.run(programs, data, period, out, workers=workers, force=force, ledger=ledger, allow_empty=allow_empty, strict=strict)
    from .writers.register import totals_by_currency

    totals = ", ".join(f"{format_money(v)} {k}" for k, v in totals_by_currency(result.results).items()) or "nothing"
    people = len({p.person_id for r in result.results for p in r.people})
    lines = sum(len(p.lines) for r in result.results for p in r.people)
    from .engine.checks import render_facts

    msg = "Facts: " + render_facts(result.facts, result.period) + ("" if all(c.in_period for c in result.facts) else " (--allow-empty)") + "\n" if result.facts else ""
    msg += f"{result.period.label}: {len(result.results)} program(s), {people} people, {lines} payout lines, total {totals}. Wrote {result.out_path}/"
    if result.skipped:
        msg += "\nSkipped: " + "; ".join(result.skipped)
    rep.finish(result.diagnostics, result.sources, msg)


@app.command()
def finalize(
    period: Annotated[str, typer.Argument(help="The period whose outputs are final (paid), e.g. 2026-Q2.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder holding OUT/<period>/.")] = Path("out"),
    ledger: LedgerOpt = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Mark a period's outputs final (paid): record them in the payout ledger; later runs never overwrite them."""
    from . import api

    rep = Reporter(fmt)
    with rep.refusals():
        marker = api.finalize(out, period, ledger)
        where = api.ledger_path(out, ledger)
    rep.finish([], None, f"{period} is final: {marker}; recorded in the ledger {where}")


@app.command("ledger")
def ledger_cmd(
    person: Annotated[str, typer.Argument(help="Person id or name.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (the ledger defaults to OUT/ledger.sqlite).")] = Path("out"),
    ledger: LedgerOpt = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Also write the person's history to this CSV file.")] = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Show a person's finalised payout history from the ledger (and export it to CSV)."""
    from . import api
    from .render import render_ledger

    rep = Reporter(fmt)
    with rep.refusals():
        path, lines, periods, balances = api.ledger_history(out, person, ledger)
        if csv_path is not None:
            api.write_history_csv(csv_path, lines)
    render_ledger(person, path, lines, periods, balances)
    rep.finish([], None)


@app.command()
def explain(
    person: Annotated[str, typer.Argument(help="Person id or name, as on the roster.")],
    programs: ProgramsArg = Path("programs"),
    data: DataOpt = Path("data"),
    period: PeriodOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (the ledger defaults to OUT/ledger.sqlite).")] = Path("out"),
    ledger: LedgerOpt = None,
    allow_empty: AllowEmptyOpt = False,
    strict: StrictOpt = False,
    fmt: FormatOpt = Format.text,
) -> None:
    """Show one person's calculation, line by line (with what the payout ledger carries into the period)."""
    from . import api
    from .render import render_explain

    rep = Reporter(fmt, strict=strict)
    with rep.refusals():
        result, found = api.explain(programs, data, period, person, api.ledger_path(out, ledger), allow_empty)
    render_explain(result, found, person)
    rep.finish(result.diagnostics, result.sources)


@app.command()
def leaderboard(
    programs: ProgramsArg = Path("programs"),
    data: DataOpt = Path("data"),
    period: PeriodOpt = None,
    program: Annotated[str | None, typer.Option("--program", help="Program id (needed when there are several).")] = None,
    measure: Annotated[str | None, typer.Option("--measure", "-m", help="Measure to rank by (default: the program's first).")] = None,
    top: Annotated[int, typer.Option("--top", "-n", help="Show the first N ranks (0: everyone).")] = 0,
    fmt: FormatOpt = Format.text,
) -> None:
    """Rank people by a measure of a program, with rank changes against the reference period."""
    from . import api
    from .render import render_leaderboard

    rep = Reporter(fmt)
    with rep.refusals():
        standings, per, ref, name, kind = api.leaderboard(programs, data, period, program, measure)
    render_leaderboard(standings, per.label, ref.label, name, kind, top)
    raise typer.Exit(int(ExitCode.OK))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the program format (for editors)."""
    from . import api

    print(api.schema_json())


def _crash(exc: BaseException) -> NoReturn:
    fd, path = tempfile.mkstemp(prefix="incentive-crash-", suffix=".log")
    with os.fdopen(fd, "w") as f:
        f.write(f"incentive {' '.join(sys.argv[1:])}\n")
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=f)
    print(f"incentive: internal error ({type(exc).__name__}); nothing was written; please report it with the details saved in {path}", file=sys.stderr)
    sys.exit(int(ExitCode.INTERNAL))


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("incentive: interrupted; nothing was written.", file=sys.stderr)
        sys.exit(130)
    except BaseException as exc:  # noqa: BLE001 - the one place that turns crashes into exit 3
        _crash(exc)
