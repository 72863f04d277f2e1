"""What each component kind needs, checked: one function per ``type:``, each returning the
kind's own fields of the Component (a tier table, steps, roles, a menu...). Every problem
is a located diagnostic with a hint; nothing raises for bad input."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ..engine.model import Axis, Kpi
from ..money import format_rate
from ..spec import PObj
from .checking import known_names
from .program_components import (
    Kind,
    _check_steps,
    _check_tiers,
    _checkpoints,
    _goals,
    _ladder,
    _participants,
    _rewards,
    _role_shares,
)


def _rate(k: Kind) -> dict[str, Any]:
    k.need("base", "the measure the rate applies to, e.g. base: revenue")
    k.need("rate", "for example rate: 5%")
    return {}


def _tiers(k: Kind) -> dict[str, Any]:
    c, p, measures = k.c, k.p, k.known.measures
    k.need("method", "declare method: marginal, retroactive or linear (there is no default)")
    if c.get("method") in ("marginal", "retroactive"):
        k.need("base", "the measure the rates apply to, e.g. base: revenue")
        k.need("bound", "declare which tier owns a value exactly on a bound: bound: upper or bound: lower")
    if c.get("method") == "linear" and c.get("measure") is None and c.get("base") is None:
        k.ck.error("missing-key", f"{p}: a linear table needs 'measure' (the measure its points are on)", c.loc, hint="add measure: attainment")
    tiers = _check_tiers(c, k.ck)
    on, base = c.get("measure"), c.get("base")
    om = measures.get(on or "")
    if c.get("method") == "marginal" and on and base and on != base and not (om and om.kind == "attainment" and om.of == base):
        k.wrong("measure", f"marginal tiers selected by {on!r} cannot slice the base {base!r}", hint=f"use method: retroactive, or make {on!r} an attainment of {base!r}")
    scope = c.get("scope") or "period"
    if scope in ("deal", "running") and base and measures.get(base) and measures[base].kind != "sum":
        k.wrong("scope", "deal and running scopes need a base that sums a field of the deals", hint="use scope: period, or a sum measure as base")
    if scope == "deal" and on and on != base:
        k.wrong("scope", "with scope deal each deal is its own base, so 'measure' must be the base", hint="remove measure, or use scope: period or running")
    if scope == "running" and on and base and on != base and om is not None and not (om.kind == "attainment" and om.of == base):
        k.wrong("measure", f"with scope running the tier follows the running total of the base {base!r}, so 'measure' can only be the base or an attainment of it, not {on!r}", hint=f"remove measure, make {on!r} an attainment of {base!r}, or use scope: period")
    if scope != "period" and c.get("method") == "linear" and not base:
        k.ck.error("missing-key", f"{p}: a linear table with scope {scope} puts each deal through the table, so it needs 'base' (the deals measure)", c.loc, hint="add base: revenue (a sum over the deals)")
    if "attribution" in c and scope != "period":
        k.wrong("attribution", f"with scope {scope} each deal earns what it computed, so there is nothing to choose", hint="remove attribution, or use scope: period")
    elif c.get("attribution") == "marginal" and c.get("method") != "marginal":
        k.wrong("attribution", f"deals can fill the tiers in closing order only in a marginal table; a {c.get('method')} table is shared proportionally", hint="write attribution: proportional, or remove it")
    if c.get("tier_by") and (scope != "deal" or c.get("method") != "retroactive"):
        k.wrong("tier_by", "a tier chosen by another value of each deal needs scope: deal and method: retroactive (the deal's base at the rate of the tier its value falls in)", hint="write scope: deal and method: retroactive, or remove tier_by")
    return {"tiers": tiers, "tier_by": c.get("tier_by")}


def _slabs(k: Kind) -> dict[str, Any]:
    c, p = k.c, k.p
    if "ladder" not in c:
        return _milestones(k)
    k.need("measure", "the measure the ladder is on, e.g. measure: revenue")
    if "slabs" in c:
        k.ck.error("wrong-type", f"{p}: give either 'slabs' (a table) or 'ladder' (generated per cohort), not both", c.where("ladder"), hint="remove one of them")
    if not k.known.has_cohorts:
        k.ck.error("missing-key", f"{p}.ladder: a ladder is generated from cohorts, and the program declares none", c.where("ladder"), hint="add cohorts: {measure: ..., groups: [...]} to the program, or list the slabs as a table")
    return {"ladder": _ladder(c)}


def _milestones(k: Kind) -> dict[str, Any]:
    k.need("measure", "the measure the bands are on, e.g. measure: meetings")
    return {"steps": _check_steps(k.c, k.ck, k.type, "from" if k.type == "slabs" else "at", k.known.targets)}


def _split(k: Kind) -> dict[str, Any]:
    k.need("base", "the deals measure whose rows are split, e.g. base: revenue")
    k.need("rate", "the pool of each deal: amount x rate, e.g. rate: 10%")
    k.need("roles", "for example roles: [{role: SDR, share: 10%, field: sdr}, {role: AE, share: 70%, field: owner}]")
    k.need("missing_role", "declare what happens to the share of a role nobody held: missing_role: redistribute or unpaid")
    bm = k.known.measures.get(k.c.get("base") or "")
    if bm is not None and (bm.kind != "sum" or bm.table not in (None, "deals") or bm.rollup != "own"):
        k.wrong("base", "a split shares each deal's amount, so its base must sum a field of the deals (without rollup)", hint="use a measure such as {from: deals, sum: amount, where: {stage: Won}}")
    return {"roles": _role_shares(k.c, k.ck)}


def _weekly(k: Kind) -> dict[str, Any]:
    k.need("measure", "the measure counted each week, e.g. measure: calls")
    k.need("at_least", "what every week must reach, e.g. at_least: 50")
    k.need("amount", "the amount paid for each month that qualifies, e.g. amount: 200")
    wm = k.known.measures.get(k.c.get("measure") or "")
    if wm is not None and wm.kind not in ("sum", "count", "distinct"):
        k.wrong("measure", f"a weekly target adds up {k.c['measure']!r} week by week, so it must be a sum, count or distinct measure", hint="count activities, e.g. {from: activities, sum: count, where: {kind: Call}}")
    return {"threshold": k.c.get("at_least")}


def _goals_kind(k: Kind) -> dict[str, Any]:
    k.need("goals", "list the menu: goals: [{id: five-new, measure: new_deals, at_least: 5, pays: 500}, ...]")
    return {"goals": _goals(k.c, k.ck, k.known.measures)}


def _champions(k: Kind) -> dict[str, Any]:
    k.need("measure", "the measure champions are ranked by, e.g. measure: revenue")
    k.need("champions", "one reward per champion, the top champion first: champions: [{pays: 400}, {pays: 300}, {pays: 200}, {pays: 100}]")
    return {"steps": _rewards(k.c, "champions", k.ck)}


def _pip(k: Kind) -> dict[str, Any]:
    c = k.c
    k.need("measure", "the measure the plan tracks, e.g. measure: revenue")
    k.need("participants", "who is on the plan: participants: {roster: pip_start} or {bottom: 3}")
    k.need("checkpoints", "for example checkpoints: [{at: 25%, day: 7, badge: Week 1}, ...]")
    pm = k.known.measures.get(c.get("measure") or "")
    if pm is not None and pm.kind not in ("sum", "count", "distinct"):
        k.wrong("measure", f"a plan adds up {c['measure']!r} day by day, so it must be a sum, count or distinct measure (it is a {pm.kind})", hint="track a sum or count measure")
    tname = c.get("target")
    if tname is not None and tname != "team_lowest" and tname not in k.known.targets:
        k.ck.error("bad-reference", f"{k.p}.target: no target named {tname!r}", c.where("target"), hint="write team_lowest, or " + known_names("targets", k.known.targets), value=tname)
    return {"steps": _checkpoints(c, k.ck), "participants": _participants(c, k.ck, k.known.measures), "target": tname or "team_lowest"}


def _rank(k: Kind) -> dict[str, Any]:
    k.need("measure", "the measure people are ranked by, e.g. measure: revenue")
    k.need("top", "how many ranks win, e.g. top: 3")
    k.need("ties", "declare the tie rule: ties: include or ties: exclude (there is no default)")
    if k.c.get("amount") is None and not k.c.get("badge") and not k.c.get("reward"):
        k.ck.error("missing-key", f"{k.p}: a rank component says nothing to award", k.c.loc, hint="give it amount, badge or reward")
    return {}


def _bonus(k: Kind) -> dict[str, Any]:
    c = k.c
    k.need("measure", "the measure tested, e.g. measure: attainment")
    k.need("amount", "the amount paid, e.g. amount: 1000")
    if c.get("at_least") is None and c.get("above") is None:
        k.ck.error("missing-key", f"{k.p}: a bonus needs 'at_least' or 'above'", c.loc, hint="for example at_least: 115%")
    threshold = c.get("at_least") if c.get("at_least") is not None else c.get("above")
    return {"threshold": threshold, "strict": c.get("above") is not None and c.get("at_least") is None}


def _per_unit(k: Kind) -> dict[str, Any]:
    k.need("measure", "the measure counted, e.g. measure: meetings (a row count) or units (a sum)")
    k.need("amount", "the amount per unit, e.g. amount: 50")
    m = k.known.measures.get(k.c.get("measure") or "")
    if m is not None and not (m.kind == "sum" or (m.kind == "count" and m.field in (None, "rows"))):
        k.wrong("measure", f"a per_unit pays each unit of {k.c['measure']!r}, so it must sum a field or count rows (it is a {m.kind})", hint="count rows (count: rows) or sum a field of units")
    return {}


def _grid(k: Kind) -> dict[str, Any]:
    c = k.c
    k.need("rows", "rows: {measure: revenue_attainment, from: [80%, 100%, 120%]}")
    k.need("columns", "columns: {measure: margin_attainment, from: [90%, 100%, 110%]}")
    k.need("table", "one list of cells per row band, e.g. table: [[50%, 60%], [80%, 100%]]")
    k.measure("of")
    axes = []
    for key in ("rows", "columns"):
        a = c.get(key)
        if not isinstance(a, PObj) or a.get("measure") is None or not a.get("from"):
            continue
        k.measure("measure", a, f"{k.p}.{key}")
        bounds = tuple(x for x in a["from"] if x is not None)
        for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
            if hi <= lo:
                k.ck.error("bad-tiers", f"{k.p}.{key}.from[{i}]: {hi} is not above the previous bound {lo}", a["from"].locs[i], hint="list the bounds in increasing order")
        axes.append(Axis(a["measure"], bounds, bool(a.get("interpolate"))))
    table = tuple(tuple(x for x in row if x is not None) for row in (c.get("table") or []) if row is not None)
    if len(axes) == 2 and table:
        if len(table) != len(axes[0].bounds) or any(len(r) != len(axes[1].bounds) for r in table):
            k.ck.error("bad-grid", f"{k.p}.table: a {len(axes[0].bounds)} x {len(axes[1].bounds)} grid needs {len(axes[0].bounds)} rows of {len(axes[1].bounds)} cells; found {len(table)} rows of {', '.join(str(len(r)) for r in table)}", c.where("table"), hint="one row per rows.from bound, one cell per columns.from bound")
    return {"axes": tuple(axes), "table": table, "of": c.get("of")}


def _scorecard(k: Kind) -> dict[str, Any]:
    c = k.c
    k.need("kpis", "kpis: [{measure: revenue_attainment, weight: 60%, curve: [{at: 80%, pays: 50%}, {at: 100%, pays: 100%}]}, ...]")
    k.measure("of")
    kpis = []
    for i, o in enumerate(c.get("kpis") or []):
        if not isinstance(o, PObj) or o.get("measure") is None or o.get("weight") is None:
            continue
        k.measure("measure", o, f"{k.p}.kpis[{i}]")
        pts = tuple((x["at"], x["pays"]) for x in (o.get("curve") or []) if isinstance(x, PObj) and x.get("at") is not None and x.get("pays") is not None)
        for j, ((a0, _), (a1, _)) in enumerate(zip(pts, pts[1:], strict=False), start=1):
            if a1 <= a0:
                k.ck.error("bad-tiers", f"{k.p}.kpis[{i}].curve[{j}].at: {a1} is not above the previous point's {a0}", o["curve"][j].loc, hint="list the points in increasing order")
        kpis.append(Kpi(o["measure"], o["weight"], pts, o.get("name") or ""))
    total = sum((x.weight for x in kpis), Decimal(0))
    if kpis and c.get("of") and total != 1:
        k.ck.error("bad-weights", f"{k.p}.kpis: the weights add up to {format_rate(total)}, not 100%", c.where("kpis"), hint="give the KPIs weights that add up to 100%")
    return {"kpis": tuple(kpis), "of": c.get("of")}


def _override(k: Kind) -> dict[str, Any]:
    c = k.c
    k.need("program", "the program whose lines it overrides, e.g. program: maven-commission")
    k.need("component", "the component of that program, e.g. component: commission")
    k.need("levels", "the rate at each level below the person: levels: {1: 2%, 2: 1.5%}")
    levels = tuple(sorted((int(n), r) for n, r in (c.get("levels") or {}).items() if r is not None))
    roles = tuple(c["members"].get("roles") or ()) if isinstance(c.get("members"), PObj) else ()
    return {"program": c.get("program"), "component": c.get("component"), "levels": levels, "member_roles": roles}


KIND_CHECKS: Mapping[str, Callable[[Kind], dict[str, Any]]] = MappingProxyType({
    "rate": _rate, "tiers": _tiers, "bonus": _bonus, "slabs": _slabs, "milestones": _milestones, "rank": _rank,
    "champions": _champions, "pip": _pip, "split": _split, "weekly": _weekly, "goals": _goals_kind, "per_unit": _per_unit, "grid": _grid, "scorecard": _scorecard, "override": _override,
})
