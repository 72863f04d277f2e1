"""A program's components, checked kind by kind: what each type needs, what belongs to it
only, tier tables, steps, rewards, menus and roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..diagnostics import Location
from ..engine.model import (
    Cohorts,
    Component,
    Factor,
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
        if b < a or (b == a and key == "at"):  # a tier may close where the previous one did: a zero-width band marks a threshold
            ck.error("bad-tiers", f"{c.path}.tiers[{i1}].{key}: {b} is not above the previous tier's {a}", out[i1].source, hint="list tiers in increasing order" + ("; a tier may end at the same bound as the previous one (a zero-width band)" if key == "up_to" else ""))
    if bounds and key == "up_to" and bounds[0][1] < 0:
        ck.error("bad-tiers", f"{c.path}.tiers[0].up_to: the first bound cannot be below zero", out[0].source, hint="the first tier starts at zero by itself (up_to: 0 makes a zero-width first band)")
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


TYPE_KEYS = {"attribution": ("tiers",), "tier_by": ("tiers",), "goals": ("goals",), "cutoff_day": ("goals",), "weeks": ("weekly",), "roles": ("split",), "missing_role": ("split",), "ladder": ("slabs",), "champions": ("champions",), "participants": ("pip",), "checkpoints": ("pip",), "target": ("pip",),
             "slabs": ("slabs",), "milestones": ("milestones",), "tiers": ("tiers",), "top": ("rank",), "ties": ("rank",)}


def _sums_deals(name: str | None, measures: dict[str, Measure]) -> bool:
    """Whether a measure (or the measure an attainment is of) adds up fact rows."""
    m = measures.get(name or "")
    if m is not None and m.kind == "attainment":
        m = measures.get(m.of or "")
    return m is not None and (m.kind == "sum" or (m.kind == "count" and m.field in (None, "rows")))


@dataclass(frozen=True)
class Known:
    """What a component may refer to: the program's measures, targets and cohorts."""

    measures: dict[str, Measure]
    targets: set[str]
    cohorts: Cohorts | None
    has_cohorts: bool


class Kind:
    """The checks of one component: ``need`` a key, refer to a ``measure``; ``fields`` are the
    kind's own fields of the Component."""

    def __init__(self, c: PObj, ck: Checker, known: Known):
        self.c, self.ck, self.known = c, ck, known
        self.p, self.type = c.path, c["type"]

    def need(self, key: str, why: str) -> None:
        if self.c.get(key) is None and key not in self.c:
            self.ck.error("missing-key", f"{self.p}: a {self.type} component needs '{key}'", self.c.loc, hint=why)

    def measure(self, key: str, obj: PObj | None = None, path: str | None = None) -> Measure | None:
        o = self.c if obj is None else obj
        ref = o.get(key)
        if ref is not None and ref not in self.known.measures:
            self.ck.error("bad-reference", f"{path or self.p}.{key}: no measure named {ref!r}", o.where(key), hint=known_names("measures", self.known.measures), value=ref)
            return None
        return self.known.measures.get(ref) if ref is not None else None

    def wrong(self, key: str, message: str, hint: str) -> None:
        self.ck.error("wrong-type", f"{self.p}{'.' + key if key else ''}: {message}", self.c.where(key) if key else self.c.loc, hint=hint)


def build_components(doc: PObj, ck: Checker, program_rounding: Rounding, known: Known) -> tuple[Component, ...]:
    from .component_kinds import KIND_CHECKS

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
        kind = Kind(c, ck, known)
        own = KIND_CHECKS[ctype](kind)
        for key in ("base", "measure"):
            kind.measure(key)
        for key, types in TYPE_KEYS.items():
            if key in c and ctype not in types:
                ck.error("wrong-type", f"{p}.{key}: '{key}' belongs to {' or '.join(types)} components, and this one is {ctype}", c.where(key), hint=f"remove {key}, or change the type")
        el = c.get("eligible")
        if isinstance(el, PObj) and el.get("cohorts"):
            names = [g.name for g in known.cohorts.groups] if known.cohorts else []
            for name in el["cohorts"]:
                if name is not None and name not in names:
                    ck.error("bad-reference", f"{p}.eligible.cohorts: no cohort named {name!r}", el.where("cohorts"), hint=known_names("cohorts", names) if names else "declare the program's cohorts first", value=name)
        out.append(Component(
            id=cid, name=c.get("name") or cid, type=ctype, base=c.get("base"), on=c.get("measure"), rate=c.get("rate"),
            method=c.get("method"), bound=c.get("bound"), scope=c.get("scope") or "period",
            top=c.get("top"), ties=c.get("ties"), badge=c.get("badge"), reward=c.get("reward"), cost=c.get("cost"),
            amount=c.get("amount"), rounding=read_rounding(c.get("rounding"), program_rounding),
            eligible=read_eligibility(c.get("eligible")) if c.get("eligible") else None, source=c.loc,
            missing_role=c.get("missing_role"), cutoff_day=c.get("cutoff_day") or 1, attribution=c.get("attribution"),
            **_after_steps(kind), **own,
        ))
    return tuple(out)


def _after_steps(kind: Kind) -> dict[str, Any]:
    """gate, factor, cap and floor (each on any kind), and per-deal rounding, checked."""
    c, ck, p = kind.c, kind.ck, kind.p
    gate = None
    if isinstance(c.get("gate"), PObj):
        g = c["gate"]
        kind.measure("measure", g, f"{p}.gate")
        thr = g.get("at_least") if g.get("at_least") is not None else g.get("above")
        if g.get("measure") and thr is not None:
            gate = Gate(g["measure"], thr, strict=g.get("above") is not None and g.get("at_least") is None)
    factor = None
    if isinstance(c.get("factor"), PObj):
        f = c["factor"]
        kind.measure("measure", f, f"{p}.factor")
        bands = tuple((b["from"], b["times"]) for b in (f.get("bands") or []) if isinstance(b, PObj) and b.get("from") is not None and b.get("times") is not None)
        for i, ((a, _), (b, _)) in enumerate(zip(bands, bands[1:], strict=False), start=1):
            if b <= a:
                ck.error("bad-tiers", f"{p}.factor.bands[{i}].from: {b} is not above the previous band's {a}", f["bands"].locs[i], hint="list the bands in increasing order")
        if f.get("measure"):
            factor = Factor(f["measure"], bands)
    limits = {}
    for key in ("cap", "floor"):
        v = c.get(key)
        line, per_deal = (v.get("line"), v.get("per_deal")) if isinstance(v, PObj) else (v, None)
        limits[key], limits[f"{key}_per_deal"] = line, per_deal
        if per_deal is not None and not (kind.type in ("rate", "tiers", "split", "per_unit") and _sums_deals(c.get("base") or c.get("measure"), kind.known.measures)):
            ck.error("wrong-type", f"{p}.{key}.per_deal: only a line paid deal by deal has a {key} per deal (a rate, tiers, split or per_unit on a sum or row count of facts); this {kind.type} is paid once on the period", v.where("per_deal") if isinstance(v, PObj) else c.loc, hint=f"write {key}: <amount> for the line")
    if limits["cap"] is not None and limits["floor"] is not None and limits["cap"] < limits["floor"]:
        ck.error("wrong-type", f"{p}.cap: the cap {limits['cap']} is below the floor {limits['floor']}", c.where("cap"), hint="raise the cap or lower the floor")
    per = c["rounding"].get("per") if isinstance(c.get("rounding"), PObj) else None
    if per == "deal" and (kind.type not in ("rate", "tiers", "split", "per_unit") or not _sums_deals(c.get("base") or c.get("measure"), kind.known.measures)):
        ck.error("wrong-type", f"{p}.rounding.per: only a line paid deal by deal can round each deal (a rate, tiers, split or per_unit on a sum or row count of facts); this {kind.type} is paid once on the period", c["rounding"].where("per"), hint="remove per, or write per: line")
    return {"gate": gate, "factor": factor, **limits}
