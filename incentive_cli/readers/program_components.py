"""A program's components, checked kind by kind: what each type needs, what belongs to it
only, tier tables, steps, rewards, menus and roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..diagnostics import Location
from ..engine.model import (
    Cohorts,
    Component,
    Gate,
    Goal,
    Ladder,
    Measure,
    Participants,
    RoleShare,
    Step,
    Tier,
)
from ..money import Rounding
from ..spec import PList, PObj
from .checking import Checker, known_names, read_eligibility, read_rounding


def _check_tiers(c: PObj, ck: Checker) -> tuple[Tier, ...]:
    tiers: PList | None = c.get("tiers")
    method = c.get("method")
    if tiers is None:
        ck.error("missing-key", f"{c.path}: a tiers component needs 'tiers'", c.loc, hint="list the tiers, lowest first")
        return ()
    out: list[Tier] = []
    for i, t in enumerate(tiers):
        if not isinstance(t, PObj):
            continue
        p = f"{c.path}.tiers[{i}]"
        if method == "linear":
            for key in ("at", "pays"):
                if t.get(key) is None:
                    ck.error("missing-key", f"{p}: a linear point needs '{key}'", t.loc, hint="write points as {at: 100%, pays: 5000}")
            for key in ("up_to", "rate"):
                if key in t:
                    ck.error("wrong-type", f"{p}.{key}: linear tables use 'at' and 'pays', not '{key}'", t.where(key), hint="write points as {at: 100%, pays: 5000}")
        else:
            if t.get("rate") is None:
                ck.error("missing-key", f"{p}: a tier needs 'rate'", t.loc, hint="for example rate: 5%")
            for key in ("at", "pays"):
                if key in t:
                    ck.error("wrong-type", f"{p}.{key}: '{key}' belongs to linear tables; use up_to and rate", t.where(key), hint="or declare method: linear")
            last = i == len(tiers) - 1
            if last and t.get("up_to") is not None:
                ck.error("bad-tiers", f"{p}.up_to: the last tier must be open-ended (no up_to)", t.where("up_to"), hint="remove up_to from the last tier, or add a tier above it")
            if not last and t.get("up_to") is None:
                ck.error("bad-tiers", f"{p}: only the last tier may omit up_to", t.loc, hint="give this tier its upper bound")
        out.append(Tier(t.get("up_to"), t.get("rate"), t.get("at"), t.get("pays"), t.get("name"), t.loc))
    key = "at" if method == "linear" else "up_to"
    bounds = [(i, getattr(t, key)) for i, t in enumerate(out) if getattr(t, key) is not None]
    for (_, a), (i1, b) in zip(bounds, bounds[1:], strict=False):
        if b <= a:
            ck.error("bad-tiers", f"{c.path}.tiers[{i1}].{key}: {b} is not above the previous tier's {a}", out[i1].source, hint="list tiers in increasing order")
    if bounds and key == "up_to" and bounds[0][1] <= 0:
        ck.error("bad-tiers", f"{c.path}.tiers[0].up_to: the first bound must be above zero", out[0].source, hint="the first tier starts at zero by itself")
    return tuple(out)


def _check_steps(c: PObj, ck: Checker, key: str, bound_key: str, targets: set[str]) -> tuple[Step, ...]:
    items: PList | None = c.get(key)
    if items is None:
        ck.error("missing-key", f"{c.path}: a {c.get('type')} component needs '{key}'", c.loc, hint=f"list them lowest first, each with {bound_key} and pays, badge or reward")
        return ()
    out: list[Step] = []
    other = "at" if bound_key == "from" else "from"
    for i, s in enumerate(items):
        if not isinstance(s, PObj):
            continue
        p = f"{c.path}.{key}[{i}]"
        tname = s.get("target")
        if tname is not None and tname not in targets:
            ck.error("bad-reference", f"{p}.target: no target named {tname!r}", s.where("target"), hint=known_names("targets", targets), value=tname)
        if s.get(bound_key) is None and tname is None:
            ck.error("missing-key", f"{p}: needs '{bound_key}'", s.loc, hint=f"for example {bound_key}: 8 (or target: <name> for 100% of a target)")
            continue
        bound: Decimal = s[bound_key] if s.get(bound_key) is not None else Decimal(1)
        if other in s:
            ck.error("wrong-type", f"{p}.{other}: {key} use '{bound_key}', not '{other}'", s.where(other), hint=f"write {bound_key}: instead")
        _check_reward(s, p, ck)
        if out and out[-1].target == tname and bound <= out[-1].bound:
            ck.error("bad-tiers", f"{p}.{bound_key}: {bound} is not above the previous {out[-1].bound}", s.where(bound_key), hint=f"list {key} in increasing order")
        out.append(_reward_step(s, bound, target=tname))
    return tuple(out)


def _reward_step(s: PObj, bound: Decimal, **more: Any) -> Step:
    """A step (slab, milestone, checkpoint, champion or goal reward) from what it gives."""
    return Step(bound, s.get("pays"), s.get("badge"), s.get("reward"), s.get("cost"), s.get("name"), s.loc, **more)


def _check_reward(s: PObj, p: str, ck: Checker) -> None:
    if s.get("pays") is None and not s.get("badge") and not s.get("reward"):
        ck.error("missing-key", f"{p}: says nothing to pay", s.loc, hint="give it pays, badge or reward")
    if s.get("cost") is not None and not s.get("reward"):
        ck.error("wrong-type", f"{p}.cost: a cost belongs to a non-cash reward", s.where("cost"), hint="add reward: <name>, or remove cost")


def _ladder(c: PObj) -> Ladder | None:
    lo = c.get("ladder")
    if not isinstance(lo, PObj) or lo.get("stretch") is None or lo.get("rate") is None:
        return None
    return Ladder(stretch=lo["stretch"], rate=lo["rate"], start=lo.get("start") or "average", step=lo.get("step"), step_share=lo.get("step_share"),
                  gap=lo["gap"] if lo.get("gap") is not None else Decimal(1), places=lo["places"] if lo.get("places") is not None else 0,
                  round=lo.get("round") or "down", top_pays=lo.get("top_pays"))


def _participants(c: PObj, ck: Checker, measures: dict[str, Measure]) -> Participants | None:
    po = c.get("participants")
    if not isinstance(po, PObj):
        return None
    p = f"{c.path}.participants"
    by = po.get("by")
    if by is not None and by not in measures:
        ck.error("bad-reference", f"{p}.by: no measure named {by!r}", po.where("by"), hint=known_names("measures", measures), value=by)
    start = None
    if po.get("start") is not None:
        try:
            start = dt.date.fromisoformat(po["start"])
        except ValueError:
            ck.error("bad-number", f"{p}.start: {po['start']!r} is not a date", po.where("start"), hint="write a real date as YYYY-MM-DD, e.g. 2017-04-03", value=po["start"])
    if po.get("roster") is not None and (by is not None or start is not None):
        ck.error("wrong-type", f"{p}: 'by' and 'start' go with bottom or bottom_share; with roster each person's start date is in the roster column", po.loc, hint="remove by and start, or choose people by bottom")
    return Participants(po.get("roster"), po.get("bottom"), po.get("bottom_share"), by, start)


def _checkpoints(c: PObj, ck: Checker) -> tuple[Step, ...]:
    items = c.get("checkpoints")
    if not isinstance(items, PList):
        return ()
    out: list[Step] = []
    for i, s in enumerate(items):
        if not isinstance(s, PObj) or s.get("at") is None or s.get("day") is None:
            continue
        p = f"{c.path}.checkpoints[{i}]"
        _check_reward(s, p, ck)
        if out and (s["at"] <= out[-1].bound or s["day"] <= (out[-1].day or 0)):
            ck.error("bad-tiers", f"{p}: checkpoints must rise in both share and day (this one is at {(s['at'] * 100).normalize():f}% by day {s['day']})", s.loc, hint="list checkpoints in order: 25% by day 7, 50% by day 14, 75% by day 21, 100% by day 30")
        out.append(_reward_step(s, s["at"], day=s["day"]))
    return tuple(out)


def _rewards(c: PObj, key: str, ck: Checker) -> tuple[Step, ...]:
    items = c.get(key)
    if not isinstance(items, PList):
        return ()
    out = []
    for i, s in enumerate(items):
        if isinstance(s, PObj):
            _check_reward(s, f"{c.path}.{key}[{i}]", ck)
            out.append(_reward_step(s, Decimal(0)))
    return tuple(out)


def _goals(c: PObj, ck: Checker, measures: dict[str, Measure]) -> tuple[Goal, ...]:
    items = c.get("goals")
    if not isinstance(items, PList):
        return ()
    out: list[Goal] = []
    for i, g in enumerate(items):
        if not isinstance(g, PObj) or not g.get("id") or not g.get("measure") or g.get("at_least") is None:
            continue
        p = f"{c.path}.goals[{i}]"
        if any(x.id == g["id"] for x in out):
            ck.error("bad-reference", f"{p}.id: the goal {g['id']!r} is on the menu twice", g.where("id"), hint="give every goal its own id", value=g["id"])
        if g["measure"] not in measures:
            ck.error("bad-reference", f"{p}.measure: no measure named {g['measure']!r}", g.where("measure"), hint=known_names("measures", measures), value=g["measure"])
        _check_reward(g, p, ck)
        out.append(Goal(g["id"], g.get("name") or g["id"], g["measure"], g["at_least"], _reward_step(g, Decimal(0))))
    return tuple(out)


def _role_shares(c: PObj, ck: Checker) -> tuple[RoleShare, ...]:
    items = c.get("roles")
    if not isinstance(items, PList):
        return ()
    out = [RoleShare(r["role"], r["share"], r.get("field")) for r in items if isinstance(r, PObj) and r.get("role") and r.get("share") is not None]
    names = [r.role for r in out]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        ck.error("bad-reference", f"{c.path}.roles: the role {dup!r} is listed twice", c.where("roles"), hint="list each role once", value=dup)
    total = sum((r.share for r in out), Decimal(0))
    if out and len(out) == len(items) and total != 1:
        ck.error("bad-shares", f"{c.path}.roles: the role shares add up to {(total * 100).normalize():f}%, not 100%", c.where("roles"), hint="make the shares add up to 100% (SDR 10%, AE 70%, Sales Engineer 20%)")
    return tuple(out)


# Keys that belong to one component type only.


TYPE_KEYS = {"attribution": ("tiers",), "goals": ("goals",), "cutoff_day": ("goals",), "weeks": ("weekly",), "roles": ("split",), "missing_role": ("split",), "ladder": ("slabs",), "champions": ("champions",), "participants": ("pip",), "checkpoints": ("pip",), "target": ("pip",),
             "slabs": ("slabs",), "milestones": ("milestones",), "tiers": ("tiers",), "top": ("rank",), "ties": ("rank",)}


def _sums_deals(name: str | None, measures: dict[str, Measure]) -> bool:
    """Whether a measure (or the measure an attainment is of) adds up fact rows."""
    m = measures.get(name or "")
    if m is not None and m.kind == "attainment":
        m = measures.get(m.of or "")
    return m is not None and (m.kind == "sum" or (m.kind == "count" and m.field in (None, "rows")))


def build_components(doc: PObj, ck: Checker, program_rounding: Rounding, measures: dict[str, Measure], targets: set[str], cohorts: Cohorts | None) -> tuple[Component, ...]:
    comps: PList = doc.get("components") or PList()
    out = []
    seen: dict[str, Location] = {}
    for c in comps:
        if not isinstance(c, PObj) or c.get("id") is None or c.get("type") is None:
            continue
        p = c.path
        cid, ctype = c["id"], c["type"]
        if cid in seen:
            ck.error("bad-reference", f"{p}.id: component id {cid!r} is used twice (first at line {seen[cid].line})", c.where("id"), hint="component ids must be unique within a program", value=cid)
        seen[cid] = c.where("id")

        def need(key: str, why: str, cc: PObj = c, pp: str = p, ct: str = ctype) -> None:
            if cc.get(key) is None and key not in cc:
                ck.error("missing-key", f"{pp}: a {ct} component needs '{key}'", cc.loc, hint=why)

        def measure_ref(key: str, cc: PObj = c, pp: str = p) -> None:
            ref = cc.get(key)
            if ref is not None and ref not in measures:
                ck.error("bad-reference", f"{pp}.{key}: no measure named {ref!r}", cc.where(key), hint=known_names("measures", measures), value=ref)

        tiers: tuple[Tier, ...] = ()
        steps: tuple[Step, ...] = ()
        roles: tuple[RoleShare, ...] = ()
        goals: tuple[Goal, ...] = ()
        threshold, strict = None, False
        if ctype == "rate":
            need("base", "the measure the rate applies to, e.g. base: revenue")
            need("rate", "for example rate: 5%")
        elif ctype == "tiers":
            need("method", "declare method: marginal, retroactive or linear (there is no default)")
            if c.get("method") in ("marginal", "retroactive"):
                need("base", "the measure the rates apply to, e.g. base: revenue")
                need("bound", "declare which tier owns a value exactly on a bound: bound: upper or bound: lower")
            if c.get("method") == "linear" and c.get("measure") is None and c.get("base") is None:
                ck.error("missing-key", f"{p}: a linear table needs 'measure' (the measure its points are on)", c.loc, hint="add measure: attainment")
            tiers = _check_tiers(c, ck)
            on, base = c.get("measure"), c.get("base")
            if c.get("method") == "marginal" and on and base and on != base:
                om = measures.get(on)
                if not (om and om.kind == "attainment" and om.of == base):
                    ck.error("wrong-type", f"{p}.measure: marginal tiers selected by {on!r} cannot slice the base {base!r}", c.where("measure"), hint=f"use method: retroactive, or make {on!r} an attainment of {base!r}")
            if c.get("scope") in ("deal", "running") and base and measures.get(base) and measures[base].kind != "sum":
                ck.error("wrong-type", f"{p}.scope: deal and running scopes need a base that sums a field of the deals", c.where("scope"), hint="use scope: period, or a sum measure as base")
            scope = c.get("scope") or "period"
            if scope == "deal" and on and on != base:
                ck.error("wrong-type", f"{p}.scope: with scope deal each deal is its own base, so 'measure' must be the base", c.where("scope"), hint="remove measure, or use scope: period or running")
            om = measures.get(on or "")
            if scope == "running" and on and base and on != base and om is not None and not (om.kind == "attainment" and om.of == base):
                ck.error("wrong-type", f"{p}.measure: with scope running the tier follows the running total of the base {base!r}, so 'measure' can only be the base or an attainment of it, not {on!r}", c.where("measure"), hint=f"remove measure, make {on!r} an attainment of {base!r}, or use scope: period")
            if scope != "period" and c.get("method") == "linear" and not base:
                ck.error("missing-key", f"{p}: a linear table with scope {scope} puts each deal through the table, so it needs 'base' (the deals measure)", c.loc, hint="add base: revenue (a sum over the deals)")
            if "attribution" in c and scope != "period":
                ck.error("wrong-type", f"{p}.attribution: with scope {scope} each deal earns what it computed, so there is nothing to choose", c.where("attribution"), hint="remove attribution, or use scope: period")
            elif c.get("attribution") == "marginal" and c.get("method") != "marginal":
                ck.error("wrong-type", f"{p}.attribution: deals can fill the tiers in closing order only in a marginal table; a {c.get('method')} table is shared proportionally", c.where("attribution"), hint="write attribution: proportional, or remove it")
        elif ctype == "slabs" and "ladder" in c:
            need("measure", "the measure the ladder is on, e.g. measure: revenue")
            if "slabs" in c:
                ck.error("wrong-type", f"{p}: give either 'slabs' (a table) or 'ladder' (generated per cohort), not both", c.where("ladder"), hint="remove one of them")
            if doc.get("cohorts") is None:
                ck.error("missing-key", f"{p}.ladder: a ladder is generated from cohorts, and the program declares none", c.where("ladder"), hint="add cohorts: {measure: ..., groups: [...]} to the program, or list the slabs as a table")
        elif ctype in ("slabs", "milestones"):
            need("measure", "the measure the bands are on, e.g. measure: meetings")
            steps = _check_steps(c, ck, ctype, "from" if ctype == "slabs" else "at", targets)
        elif ctype == "split":
            need("base", "the deals measure whose rows are split, e.g. base: revenue")
            need("rate", "the pool of each deal: amount x rate, e.g. rate: 10%")
            need("roles", "for example roles: [{role: SDR, share: 10%, field: sdr}, {role: AE, share: 70%, field: owner}]")
            need("missing_role", "declare what happens to the share of a role nobody held: missing_role: redistribute or unpaid")
            roles = _role_shares(c, ck)
            bm = measures.get(c.get("base") or "")
            if bm is not None and (bm.kind != "sum" or bm.table not in (None, "deals") or bm.rollup != "own"):
                ck.error("wrong-type", f"{p}.base: a split shares each deal's amount, so its base must sum a field of the deals (without rollup)", c.where("base"), hint="use a measure such as {from: deals, sum: amount, where: {stage: Won}}")
        elif ctype == "weekly":
            need("measure", "the measure counted each week, e.g. measure: calls")
            need("at_least", "what every week must reach, e.g. at_least: 50")
            need("amount", "the amount paid for each month that qualifies, e.g. amount: 200")
            threshold = c.get("at_least")
            wm = measures.get(c.get("measure") or "")
            if wm is not None and wm.kind not in ("sum", "count", "distinct"):
                ck.error("wrong-type", f"{p}.measure: a weekly target adds up {c['measure']!r} week by week, so it must be a sum, count or distinct measure", c.where("measure"), hint="count activities, e.g. {from: activities, sum: count, where: {kind: Call}}")
        elif ctype == "goals":
            need("goals", "list the menu: goals: [{id: five-new, measure: new_deals, at_least: 5, pays: 500}, ...]")
            goals = _goals(c, ck, measures)
        elif ctype == "champions":
            need("measure", "the measure champions are ranked by, e.g. measure: revenue")
            need("champions", "one reward per champion, the top champion first: champions: [{pays: 400}, {pays: 300}, {pays: 200}, {pays: 100}]")
            steps = _rewards(c, "champions", ck)
        elif ctype == "pip":
            need("measure", "the measure the plan tracks, e.g. measure: revenue")
            need("participants", "who is on the plan: participants: {roster: pip_start} or {bottom: 3}")
            need("checkpoints", "for example checkpoints: [{at: 25%, day: 7, badge: Week 1}, ...]")
            steps = _checkpoints(c, ck)
            pm = measures.get(c.get("measure") or "")
            if pm is not None and pm.kind not in ("sum", "count", "distinct"):
                ck.error("wrong-type", f"{p}.measure: a plan adds up {c['measure']!r} day by day, so it must be a sum, count or distinct measure (it is a {pm.kind})", c.where("measure"), hint="track a sum or count measure")
            tname = c.get("target")
            if tname is not None and tname != "team_lowest" and tname not in targets:
                ck.error("bad-reference", f"{p}.target: no target named {tname!r}", c.where("target"), hint="write team_lowest, or " + known_names("targets", targets), value=tname)
        elif ctype == "rank":
            need("measure", "the measure people are ranked by, e.g. measure: revenue")
            need("top", "how many ranks win, e.g. top: 3")
            need("ties", "declare the tie rule: ties: include or ties: exclude (there is no default)")
            if c.get("amount") is None and not c.get("badge") and not c.get("reward"):
                ck.error("missing-key", f"{p}: a rank component says nothing to award", c.loc, hint="give it amount, badge or reward")
        elif ctype == "bonus":
            need("measure", "the measure tested, e.g. measure: attainment")
            need("amount", "the amount paid, e.g. amount: 1000")
            if c.get("at_least") is None and c.get("above") is None:
                ck.error("missing-key", f"{p}: a bonus needs 'at_least' or 'above'", c.loc, hint="for example at_least: 115%")
            threshold = c.get("at_least") if c.get("at_least") is not None else c.get("above")
            strict = c.get("above") is not None and c.get("at_least") is None
        for key in ("base", "measure"):
            measure_ref(key)
        for key, types in TYPE_KEYS.items():
            if key in c and ctype not in types:
                ck.error("wrong-type", f"{p}.{key}: '{key}' belongs to {' or '.join(types)} components, and this one is {ctype}", c.where(key), hint=f"remove {key}, or change the type")
        el = c.get("eligible")
        if isinstance(el, PObj) and el.get("cohorts"):
            known = [g.name for g in cohorts.groups] if cohorts else []
            for name in el["cohorts"]:
                if name is not None and name not in known:
                    ck.error("bad-reference", f"{p}.eligible.cohorts: no cohort named {name!r}", el.where("cohorts"), hint=known_names("cohorts", known) if known else "declare the program's cohorts first", value=name)
        gate = None
        if isinstance(c.get("gate"), PObj):
            g = c["gate"]
            measure_ref("measure", g, f"{p}.gate")
            thr = g.get("at_least") if g.get("at_least") is not None else g.get("above")
            if g.get("measure") and thr is not None:
                gate = Gate(g["measure"], thr, strict=g.get("above") is not None and g.get("at_least") is None)
        per = c["rounding"].get("per") if isinstance(c.get("rounding"), PObj) else None
        if per == "deal" and (ctype not in ("rate", "tiers", "split") or not _sums_deals(c.get("base") or c.get("measure"), measures)):
            ck.error("wrong-type", f"{p}.rounding.per: only a line paid deal by deal can round each deal (a rate, tiers or split on a sum or row count of facts); this {ctype} is paid once on the period", c["rounding"].where("per"), hint="remove per, or write per: line")
        if c.get("cap") is not None and c.get("floor") is not None and c["cap"] < c["floor"]:
            ck.error("wrong-type", f"{p}.cap: the cap {c['cap']} is below the floor {c['floor']}", c.where("cap"), hint="raise the cap or lower the floor")
        out.append(
            Component(
                id=cid, name=c.get("name") or cid, type=ctype, base=c.get("base"), on=c.get("measure"), rate=c.get("rate"),
                method=c.get("method"), bound=c.get("bound"), scope=c.get("scope") or "period", tiers=tiers, steps=steps,
                top=c.get("top"), ties=c.get("ties"), badge=c.get("badge"), reward=c.get("reward"), cost=c.get("cost"),
                threshold=threshold, strict=strict, amount=c.get("amount"), gate=gate, cap=c.get("cap"), floor=c.get("floor"),
                rounding=read_rounding(c.get("rounding"), program_rounding), eligible=read_eligibility(c.get("eligible")) if c.get("eligible") else None,
                source=c.loc, ladder=_ladder(c) if ctype == "slabs" else None,
                participants=_participants(c, ck, measures) if ctype == "pip" else None,
                target=(c.get("target") or "team_lowest") if ctype == "pip" else None,
                roles=roles, missing_role=c.get("missing_role"), goals=goals, cutoff_day=c.get("cutoff_day") or 1, attribution=c.get("attribution"),
            )
        )
    return tuple(out)
