"""Terminal rendering with rich (used by cli.py only). All user text is escaped, so names
like ``[/]`` never break the output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .engine.model import RATIO_KINDS
from .money import (
    EXACT_PLACES,
    format_amount,
    format_money,
    format_number,
    format_rate,
    minor_units,
)


def _value(v: Decimal | None, kind: str) -> str:
    if v is None:
        return "-"
    if kind in RATIO_KINDS:
        return format_rate(round(v, 6))
    return format_number(round(v, 6))


def render_explain(result: Any, found: list[Any], person: str) -> None:
    console = Console(highlight=False, soft_wrap=False)
    if not found:
        console.print(f"{escape(person)} is on the roster but takes part in no program for {result.period.label}.")
        return
    for r, p in found:
        places = minor_units(p.currency)
        console.print(f"[bold]{escape(p.name)}[/bold] ({escape(p.person_id)}) · {escape(r.program.name)} · {r.period_label} (reference {r.reference_label})")
        console.print(f"role {escape(p.role or '-')} · team {escape(p.team or '-')} · manager {escape(p.manager or '-')}")
        mt = Table(title="Measures and targets", title_justify="left", show_edge=False)
        mt.add_column("name")
        mt.add_column("value", justify="right")
        mt.add_column("how it was derived")
        for name, value, how in p.measures:
            mt.add_row(escape(name), _value(value, r.program.measure(name).kind), escape(how))
        for name, value, how in p.targets:
            mt.add_row(escape(f"target {name}"), _value(value, "ratio" if r.program.target_is_ratio(name) else "sum"), escape(how))
        if p.cohort is not None:
            mt.add_row("cohort", escape(p.cohort.cohort), escape(p.cohort.text))
        console.print(mt)
        lt = Table(title="Payout lines", title_justify="left", show_edge=False)
        lt.add_column("component")
        lt.add_column("step")
        lt.add_column("base", justify="right")
        lt.add_column("rate", justify="right")
        lt.add_column("amount", justify="right")
        for line in p.lines:
            first = True
            for s in line.steps:
                lt.add_row(escape(line.component_name) if first else "", escape(s.label + (f" ({s.note})" if s.note else "")), "" if s.base is None else format_number(round(s.base, 6)), "" if s.rate is None else format_rate(s.rate), "" if s.amount is None else format_number(round(s.amount, 6)))
                first = False
            rows = f"{len(line.source_rows)} row(s) of {line.source_file}" if len(line.source_rows) else ""
            lt.add_row("" if not first else escape(line.component_name), f"[bold]payout line[/bold] (rounded once){' · ' + escape(rows) if rows else ''}", "", "", f"[bold]{format_money(line.amount, places)}[/bold]")
        lt.add_row("", "[bold]total[/bold]", "", "", f"[bold]{format_money(p.total, places)} {escape(p.currency)}[/bold]")
        console.print(lt)
        for line in p.lines:
            if line.attribution is not None:
                _render_deals(console, result, line, places)
        console.print()


def _render_deals(console: Console, result: Any, line: Any, places: int) -> None:
    """What each deal earned of a line: deal by deal for the per-deal and running scopes,
    else one sentence saying how the line was shared."""
    from .engine.attribution import DEAL_BY_DEAL, deal_rows

    a = line.attribution
    if a.rule not in DEAL_BY_DEAL:
        console.print(f"{escape(line.component_name)}: shared over {len(a)} deal(s): {escape(a.rule)} (each deal's part: the statement's deal list)")
        return
    rows = deal_rows(a, result.data.tables[a.table])
    table = Table(title=f"{escape(line.component_name)}, deal by deal: {escape(a.rule)}", title_justify="left", show_edge=False)
    running = a.running is not None
    for name, justify in (("date", "left"), ("deal", "left"), ("amount", "right"), *((("running total", "right"),) if running else ()), ("tier reached", "left"), ("earned", "right"), ("paid", "right")):
        table.add_column(name, justify=justify, no_wrap=name in ("date", "tier reached"))  # type: ignore[arg-type]
    for d in rows:
        cells = [d.date.isoformat() if d.date is not None else "-", escape(d.deal_id), format_money(d.value)]
        if running:
            cells.append(format_money(d.running) if d.running is not None else "-")
        cells += [escape(d.tier or "-"), format_amount(round(d.exact, EXACT_PLACES)), format_money(d.paid, places)]
        table.add_row(*cells)
    console.print(table)


def render_leaderboard(standings: list[Any], period: str, reference: str, measure: str, kind: str, top: int = 0) -> None:
    console = Console(highlight=False, soft_wrap=False)
    shown = [s for s in standings if not top or s.rank <= top]
    table = Table(title=f"{escape(measure or 'Leaderboard')} · {period} (change against {reference})", title_justify="left", show_edge=False)
    for name, justify in (("rank", "right"), ("change", "right"), ("person", "left"), ("team", "left"), (period, "right"), (reference, "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in shown:
        if s.reference_rank is None:
            change = "new"
        elif s.reference_rank > s.rank:
            change = f"[green]▲{s.reference_rank - s.rank}[/green]"
        elif s.reference_rank < s.rank:
            change = f"[red]▼{s.rank - s.reference_rank}[/red]"
        else:
            change = "="
        table.add_row(str(s.rank), change, escape(s.name), escape(s.team or "-"), _value(s.value, kind), _value(s.reference_value, kind))
    console.print(table)


def render_ledger(person: str, path: Any, lines: list[Any], periods: list[Any], balances: dict[str, Any] | None = None) -> None:
    """A person's finalised lines, period by period, with each period's total and the total
    paid in every currency."""
    console = Console(highlight=False, soft_wrap=False)
    if not lines:
        known = ", ".join(p for p, *_ in periods) or "none yet"
        console.print(f"{escape(person)} has no finalised payout lines in {escape(str(path))} (finalised periods: {escape(known)}).")
        return
    first = lines[0]
    console.print(f"[bold]{escape(first.person)}[/bold] ({escape(first.person_id)}) · payout ledger {escape(str(path))}")
    table = Table(show_edge=False)
    for name, justify in (("period", "left"), ("program", "left"), ("component", "left"), ("amount", "right"), ("currency", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    totals: dict[str, Decimal] = {}
    by_period: dict[tuple[str, str], Decimal] = {}
    for x in lines:
        table.add_row(escape(x.period), escape(x.program), escape(x.component_name), format_money(x.amount, minor_units(x.currency)), escape(x.currency))
        totals[x.currency] = totals.get(x.currency, Decimal(0)) + x.amount
        by_period[(x.period, x.currency)] = by_period.get((x.period, x.currency), Decimal(0)) + x.amount
    for (period, cur), amount in by_period.items():
        table.add_row(escape(period), "[bold]period total[/bold]", "", f"[bold]{format_money(amount, minor_units(cur))}[/bold]", escape(cur))
    for cur, amount in sorted(totals.items()):
        table.add_row("", "[bold]paid in all finalised periods[/bold]", "", f"[bold]{format_money(amount, minor_units(cur))}[/bold]", escape(cur))
    balances = balances or {}
    if balances.get("draw") is not None:
        cur, kind, closing = balances["draw"]
        table.add_row("", "[bold]draw balance to recover[/bold]" if kind == "recoverable" else "[bold]draw (guarantee)[/bold]", "", f"[bold]{format_money(closing, minor_units(cur))}[/bold]", escape(cur))
    for cur, amount in sorted(balances.get("held", {}).items()):
        table.add_row("", "[bold]held back, not yet released[/bold]", "", f"[bold]{format_money(amount, minor_units(cur))}[/bold]", escape(cur))
    console.print(table)
