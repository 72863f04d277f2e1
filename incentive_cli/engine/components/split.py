"""``split``: each deal's pool (its amount x ``rate``, rounded once) shared among the roles
that worked it, by largest remainder, so the parts add up to the pool to the cent. Who held
a role comes from a deal field (``field``) or the splits source; a deal's own split shares
replace the program's. A role nobody held is redistributed pro rata among the others or
left unpaid, as the program declares (``missing_role``).

YAML::

    - id: team-success
      type: split
      base: revenue
      rate: 10%
      roles: [{role: SDR, share: 10%, field: sdr}, {role: AE, share: 70%, field: owner}, {role: Sales Engineer, share: 20%, field: se}]
      missing_role: redistribute

Worked example (catalogue kind 3, tests/test_splits.py): a deal of 10,000 at 10 % is a pool
of 1,000: 100 / 700 / 200; a pool of 33.33: 3.33 / 23.33 / 6.67.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ...diagnostics import Diagnostic, Location
from ...money import allocate, format_money, format_rate, round_money
from .. import attribution
from ..model import BasisStep, Component
from .base import ZERO, Context, Outcome


@dataclass
class _Paid:
    """What one person got from the pools: amount, steps, and per deal row the attribution."""

    exact: Decimal = ZERO
    steps: list[BasisStep] | None = None
    rows: list[tuple[int, int, int, str, Decimal]] | None = None  # (row, part units, deal value units, role, share)


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    assert c.rate is not None and c.base is not None
    bm = ctx.program.measure(c.base)
    ft, rows = ctx.measures.rows(bm, ctx.period)
    fld = bm.field or "amount"
    scale = ft.scales.get(fld, 2)
    places = c.rounding.places
    paid = {p: _Paid(steps=[], rows=[]) for p in ctx.people}
    ids = rows["deal_id"].astype("string").fillna("").tolist() if "deal_id" in rows.columns else [f"row {ft.row_of(int(i))}" for i in rows["_i"]]
    amounts = rows[fld].to_numpy(dtype="int64", na_value=0)
    fields = {r.field: rows["_person" if r.field == "owner" else r.field].astype("string").fillna("").tolist() for r in c.roles if r.field}
    unknown = [0]
    for k, i in enumerate(rows["_i"].to_numpy()):
        deal = ids[k]
        pool = round_money(Decimal(int(amounts[k])).scaleb(-scale) * c.rate, c.rounding)
        entries, missing = _holders(c, ctx, (deal, int(i), k), fields, unknown)
        weights = [w for _, _, w in entries] + ([w for _, w in missing] if c.missing_role == "unpaid" else [])
        if not entries or sum(weights, ZERO) == 0:
            continue  # nobody held a role, or only roles with a 0 % share: nobody is paid from this pool
        note = ""
        if missing:
            note = f"nobody held {', '.join(m for m, _ in missing)}: " + ("its share went to the others pro rata" if c.missing_role == "redistribute" else "its share is not paid")
        total_w = sum(weights, ZERO)
        for (role, person, w), part in zip(entries, allocate(pool, weights, places), strict=False):
            got = paid.get(person)
            if got is None:
                continue
            assert got.steps is not None and got.rows is not None
            got.exact += part
            got.rows.append((int(i), int(part.scaleb(places)), int(amounts[k]), role, w / total_w))
            got.steps.append(BasisStep(f"deal {deal} as {role} ({format_rate(round(w / total_w, 6))} of the pool {format_money(pool, places)})", base=pool, amount=part, note=note))
    rule = f"each deal's pool ({format_rate(c.rate)}) shared by role"
    out = {}
    for p, got in paid.items():
        assert got.steps is not None and got.rows is not None
        shared = None
        if got.rows:
            cols = list(zip(*got.rows, strict=True))
            shared = attribution.make(rule, np.array(cols[0]), np.array(cols[1], dtype=object), 10**places, (np.array(cols[2]), scale), role=np.array(cols[3], dtype=object), share=np.array(cols[4], dtype=object))
        out[p] = Outcome(got.exact, tuple(got.steps), attribution=shared, rows=np.array([r[0] for r in got.rows], dtype=np.int64))
    return out


def _holders(c: Component, ctx: Context, deal: tuple[str, int, int], fields: dict[str, list[str]], unknown: list[int]) -> tuple[list[tuple[str, str, Decimal]], list[tuple[str, Decimal]]]:
    """(role, person, weight) of each role holder on a deal, and (role, share) of each role
    nobody held. A deal's own shares in the splits source replace the program's."""
    deal_id, i, k = deal
    data = ctx.data
    table = (data.splits or {}).get(deal_id, [])
    if table and table[0].share is not None:
        return [(s.role, s.person, s.share) for s in table], []
    entries: list[tuple[str, str, Decimal]] = []
    missing: list[tuple[str, Decimal]] = []
    for r in c.roles:
        if r.field:
            text = fields[r.field][k].strip()
            holders = [data.match_person(text) or ""] if text else []
            if holders and not holders[0]:
                unknown[0] += 1
                if unknown[0] <= 10:
                    ft = data.tables["deals"]
                    ctx.report(Diagnostic("unknown-owner", f"deal {deal_id}: the {r.role} ({r.field}) {text!r} matches nobody on the roster", Location(ft.file, ft.row_of(i), column_name=r.field), hint="write the person's roster id or name, or leave the cell blank if nobody held the role", value=text))
                holders = []
        else:
            holders = [s.person for s in table if s.role == r.role]
        if holders:
            entries += [(r.role, h, r.share / len(holders)) for h in holders]
        else:
            missing.append((r.role, r.share))
    return entries, missing
