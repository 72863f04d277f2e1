"""A program's measures, targets and cohorts: read from the format's objects, with every
reference between them checked (unknown names, circles)."""

from __future__ import annotations

from decimal import Decimal

from ..engine import expr
from ..engine.model import (
    CohortGroup,
    Cohorts,
    Filter,
    Measure,
    Target,
)
from ..spec import PList, PObj
from .checking import Checker, known_names

CONDITION_OPS = ("equals", "not_equals", "in", "not_in", "at_least", "above", "at_most", "below", "blank")


def _filters(where: PObj | None) -> tuple[Filter, ...]:
    if not where:
        return ()
    out = []
    for field, cond in where.items():
        loc = where.where(field)
        if cond is None:
            continue
        if isinstance(cond, str):
            out.append(Filter(field, "equals", cond, loc))
        elif isinstance(cond, PList):
            out.append(Filter(field, "in", tuple(cond), loc))
        elif isinstance(cond, PObj):
            for op in CONDITION_OPS:
                if op in cond and cond[op] is not None:
                    value = tuple(cond[op]) if isinstance(cond[op], list) else cond[op]
                    out.append(Filter(field, op, value, cond.where(op)))
    return tuple(out)


def build_measures(doc: PObj, ck: Checker) -> tuple[Measure, ...]:
    measures: PObj = doc.get("measures") or PObj()
    targets = doc.get("targets") or {}
    out = []
    names = set(measures)
    for name, m in measures.items():
        if not isinstance(m, PObj):
            continue
        p = m.path
        if "sum" in m or "count" in m or "distinct" in m:
            kind = "sum" if "sum" in m else "count" if "count" in m else "distinct"
            if m.get("from") is None:
                ck.error("missing-key", f"{p}: a {kind} measure needs 'from' (deals or activities)", m.loc, hint="add from: deals")
            if m.get("first_time") and kind != "distinct":
                ck.error("wrong-type", f"{p}.first_time: only a distinct measure can count first-time values", m.where("first_time"), hint="remove first_time, or make the measure distinct: <field>")
            credit, roles = _credit(m, kind, ck)
            out.append(Measure(name, kind, m.get("from"), m.get(kind), _filters(m.get("where")), m.get("date"), bool(m.get("first_time")), source=m.loc, rollup=m.get("rollup") or "own",
                               include_incomplete=bool(m.get("include_incomplete")), credit=credit, credit_roles=roles))
        elif "divide" in m:
            if "by" not in m:
                ck.error("missing-key", f"{p}: a ratio needs 'by' (the denominator measure)", m.loc, hint="add by: <measure>")
            out.append(Measure(name, "ratio", numerator=m["divide"], denominator=m.get("by"), min_denominator=m.get("min_denominator"), source=m.loc))
        elif "growth" in m:
            out.append(Measure(name, "growth", of=m["growth"], source=m.loc))
        elif "attainment" in m:
            if "target" not in m:
                ck.error("missing-key", f"{p}: attainment needs 'target'", m.loc, hint="add target: <name of a target>")
            elif m["target"] not in targets:
                ck.error("bad-reference", f"{p}.target: no target named {m['target']!r}", m.where("target"), hint=known_names("targets", targets), value=m["target"])
            out.append(Measure(name, "attainment", of=m["attainment"], target=m.get("target"), source=m.loc))
        elif "payouts" in m:
            if not m.get("program"):
                ck.error("missing-key", f"{p}: a payouts measure needs 'program' (the program whose lines it sums)", m.loc, hint="add program: <the id of another program>")
            elif m["program"] == doc.get("id"):
                ck.error("bad-reference", f"{p}.program: a payouts measure sums the lines of another program, not its own", m.where("program"), hint="name another program, or build this one from the same measures as the component")
            members = tuple(m["members"].get("roles") or ()) if isinstance(m.get("members"), PObj) else ()
            out.append(Measure(name, "payouts", field=m["payouts"], rollup=m.get("rollup") or "direct", program=m.get("program"), member_roles=members, source=m.loc))
        elif "roster" in m:
            out.append(Measure(name, "roster", field=m["roster"], source=m.loc))
        elif "expr" in m:
            _check_expr(m, names, ck)
            out.append(Measure(name, "expr", expr=m["expr"], source=m.loc))
        else:
            continue
        for key in ("divide", "by", "growth", "attainment"):
            ref = m.get(key)
            if ref is not None and ref not in names:
                ck.error("bad-reference", f"{p}.{key}: no measure named {ref!r}", m.where(key), hint=known_names("measures", names), value=ref)
        if "rollup" in m and m.get("from") is None and "payouts" not in m:
            ck.error("wrong-type", f"{p}.rollup: a roll-up belongs on sum, count and distinct measures", m.where("rollup"), hint="roll up the measures this one is built from")
        if "where" in m and m.get("from") is None and ("divide" in m or "growth" in m or "attainment" in m):
            ck.error("wrong-type", f"{p}.where: filters belong on sum, count and distinct measures", m.where("where"), hint="move the filter to the sum, count or distinct measures this one is built from")
    _check_measure_cycles(out, ck)
    return tuple(out)


def _credit(m: PObj, kind: str, ck: Checker) -> tuple[str, tuple[tuple[str, Decimal], ...]]:
    """Who a deal counts for: its owner, or its split shares (checked: a sum of the deals,
    of the person's own deals, with role shares below 100% in all)."""
    c = m.get("credit")
    if c is None or c == "owner":
        return "owner", ()
    roles = tuple((str(r), s) for r, s in c["split"].items() if s is not None) if isinstance(c, PObj) and isinstance(c.get("split"), PObj) else ()
    if kind != "sum" or (m.get("from") or "deals") != "deals" or (m.get("rollup") or "own") != "own":
        ck.error("wrong-type", f"{m.path}.credit: split credit shares each deal's amount among the people who worked it, so it belongs on a sum over the deals without rollup", m.where("credit"), hint="use credit: split on a measure such as {from: deals, sum: amount, where: {stage: Won}}")
    if sum((s for _, s in roles), Decimal(0)) > 1:
        ck.error("bad-shares", f"{m.path}.credit.split: the roles' shares add up to more than 100%", m.where("credit"), hint="the owner keeps what the roles do not take: give the roles less than 100% in all")
    return "split", roles


def _check_expr(m: PObj, names: set[str], ck: Checker) -> None:
    """An expression measure: it parses, and every name in it is a measure of the program."""
    text = m["expr"]
    if text is None:
        return
    loc = m.where("expr")
    tree = expr.parse(text)
    if isinstance(tree, expr.Bad):
        ck.error("bad-expression", f"{m.path}.expr: {tree.message} (at character {tree.column} of {text!r})", loc, hint="write names of measures, numbers, + - * /, parentheses, min(), max() and abs()", value=text)
        return
    for n in expr.names(tree):
        if n.name not in names:
            ck.error("bad-reference", f"{m.path}.expr: no measure named {n.name!r}", loc, hint=known_names("measures", names), value=n.name)


def measure_dependencies(m: Measure) -> list[str]:
    """The measures a measure is computed from."""
    deps = [d for d in (m.numerator, m.denominator, m.of) if d]
    if m.expr:
        tree = expr.parse(m.expr)
        deps += [] if isinstance(tree, expr.Bad) else [n.name for n in expr.names(tree)]
    return deps


def _check_measure_cycles(measures: list[Measure], ck: Checker) -> None:
    deps = {m.name: measure_dependencies(m) for m in measures}
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2 or n not in deps:
            return
        if state.get(n) == 1:
            cyc = stack[stack.index(n):] + [n]
            m = next(x for x in measures if x.name == n)
            ck.error("bad-reference", f"measures refer to each other in a circle: {' -> '.join(cyc)}", m.source, hint="a measure cannot depend on itself")
            return
        state[n] = 1
        for d in deps[n]:
            visit(d, stack + [n])
        state[n] = 2

    for n in deps:
        visit(n, [])


def build_targets(doc: PObj, ck: Checker, measure_names: set[str]) -> tuple[Target, ...]:
    targets: PObj = doc.get("targets") or PObj()
    out = []
    for name, t in targets.items():
        if not isinstance(t, PObj):
            continue
        if "rollup" in t and "roster" not in t:
            ck.error("wrong-type", f"{t.path}.rollup: only a roster target adds up over a team", t.where("rollup"), hint="use roster: <column> with rollup, or drop rollup")
        if "fixed" in t:
            if t["fixed"] is not None and t["fixed"] <= 0:
                ck.error("missing-target", f"{t.path}.fixed: a target must be above zero", t.where("fixed"), hint="attainment divides by the target")
            out.append(Target(name, "fixed", value=t["fixed"], round=t.get("round") or "none", source=t.loc, per=t.get("per"), prorate=t.get("prorate") or "none", ramp=tuple(t.get("ramp") or ())))
        elif "roster" in t:
            out.append(Target(name, "roster", column=t["roster"], round=t.get("round") or "none", source=t.loc, per=t.get("per"), rollup=t.get("rollup") or "own", prorate=t.get("prorate") or "none", ramp=tuple(t.get("ramp") or ())))
        elif "statistic" in t:
            of = t.get("of")
            if of is None:
                ck.error("missing-key", f"{t.path}: a statistic target needs 'of' (the measure)", t.loc, hint="add of: <measure>")
            elif of not in measure_names:
                ck.error("bad-reference", f"{t.path}.of: no measure named {of!r}", t.where("of"), hint=known_names("measures", measure_names), value=of)
            stat = t["statistic"]
            if stat == "mean_plus_k_sigma" and t.get("k") is None:
                ck.error("missing-key", f"{t.path}: mean_plus_k_sigma needs 'k'", t.loc, hint="add k: 2")
            if stat == "percentile" and t.get("percentile") is None:
                ck.error("missing-key", f"{t.path}: percentile needs 'percentile'", t.loc, hint="add percentile: 90%")
            out.append(Target(name, "statistic", statistic=stat, of=of, k=t.get("k") or Decimal(0), percentile=t.get("percentile"), over=t.get("over") or "eligible", clip=bool(t.get("clip")), round=t.get("round") or "none", source=t.loc, per=t.get("per")))
    return tuple(out)


def build_cohorts(doc: PObj, ck: Checker, measures: set[str]) -> Cohorts | None:
    co = doc.get("cohorts")
    if not isinstance(co, PObj) or not isinstance(co.get("groups"), PList):
        return None
    if co.get("measure") is not None and co["measure"] not in measures:
        ck.error("bad-reference", f"cohorts.measure: no measure named {co['measure']!r}", co.where("measure"), hint=known_names("measures", measures), value=co["measure"])
    groups: list[CohortGroup] = []
    for i, g in enumerate(co["groups"]):
        if not isinstance(g, PObj) or g.get("name") is None or g.get("share") is None:
            continue
        if any(x.name == g["name"] for x in groups):
            ck.error("bad-reference", f"cohorts.groups[{i}].name: the cohort {g['name']!r} is named twice", g.where("name"), hint="give every cohort its own name", value=g["name"])
        groups.append(CohortGroup(g["name"], g["share"]))
    total = sum((g.share for g in groups), Decimal(0))
    if groups and len(groups) == len(co["groups"]) and total != 1:
        ck.error("bad-shares", f"cohorts.groups: the shares add up to {(total * 100).normalize():f}%, not 100%", co.where("groups"), hint="make the cohort shares add up to 100% (for example 10%, 30%, 60%)")
    names = [g.name for g in groups]
    nh = co.get("no_history")
    if nh is not None and nh not in names:
        ck.error("bad-reference", f"cohorts.no_history: no cohort named {nh!r}", co.where("no_history"), hint=known_names("cohorts", names), value=nh)
    if not groups or co.get("measure") is None:
        return None
    return Cohorts(co["measure"], tuple(groups), nh or names[-1], co.loc)
