"""Split credit toward measures (``credit: split``): a deal counts for each person who worked
it, by their share, so that a 70/30 split credits 70 % and 30 % of its amount to the two
people's revenue, attainment and tiers. Pure.

Who: the splits source's rows of the deal, with the shares it gives (they add up to 100 %);
where it gives none, the measure's role shares (``{split: {SDR: 10%}}``) for the people it
names in those roles, and the owner keeps the rest; a deal without split rows counts for its
owner. Each person's part is exact in integer units, the last units by largest remainder, so
the parts add up to the deal's amount to the cent (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location
from .data import DataSet, FactTable, SplitRow
from .model import Measure


@dataclass(frozen=True)
class Credited:
    """Each person's credited deal rows and units (aligned), and their total."""

    rows: dict[str, np.ndarray]
    units: dict[str, np.ndarray]
    totals: dict[str, int]


def shares_of(m: Measure, owner: str, split: list[SplitRow]) -> list[tuple[str, Decimal]] | None:
    """(person, share) of one deal; None when the splits give no shares and the measure no
    role shares for the roles named."""
    if not split:
        return [(owner, Decimal(1))]
    if split[0].share is not None:
        return [(s.person, s.share) for s in split]
    roles = dict(m.credit_roles)
    named = [(s.person, roles[s.role]) for s in split if s.role in roles]
    if not named:
        return None
    rest = 1 - sum((share for _, share in named), Decimal(0))
    return [*named, (owner, rest)] if rest > 0 else named


def split_parts(units: int, shares: list[tuple[str, Decimal]]) -> list[tuple[str, int]]:
    """``units`` shared by the shares, exactly in integers: floors, then the last units to
    the largest remainders (ties: the earlier share)."""
    total = sum((s for _, s in shares), Decimal(0))
    sign = -1 if units < 0 else 1
    exact = [abs(units) * s / total for _, s in shares]
    floors = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[: abs(units) - sum(floors)]:
        floors[k] += 1
    return [(p, sign * f) for (p, _), f in zip(shares, floors, strict=True)]


def credit_split(m: Measure, ft: FactTable, rows: pd.DataFrame, data: DataSet, people: set[str]) -> tuple[Credited, list[Diagnostic]]:
    """Every filtered deal row credited to the people who worked it."""
    fld = m.field or "amount"
    ids = rows["deal_id"].astype("string").fillna("").to_numpy(dtype=object) if "deal_id" in rows.columns else np.full(len(rows), "", dtype=object)
    owners = rows["_person"].astype("string").fillna("").to_numpy(dtype=object)
    amounts = rows[fld].to_numpy(dtype="int64", na_value=0)
    index = rows["_i"].to_numpy()
    splits: Mapping[str, list[SplitRow]] = data.splits or {}
    got: dict[str, tuple[list[int], list[int]]] = {}
    diags: list[Diagnostic] = []
    for k in range(len(rows)):
        shares = shares_of(m, str(owners[k]), splits.get(str(ids[k]), []))
        if shares is None:
            if len(diags) < 10:
                diags.append(Diagnostic("bad-shares", f"measure {m.name!r} credits deal {ids[k]} by its split, but the splits source gives no shares for it and the measure no share for its roles ({', '.join(sorted({s.role for s in splits[str(ids[k])]}))})", Location(ft.file, ft.row_of(int(index[k]))), hint="add a share column to the splits source, or declare the roles' shares: credit: {split: {SDR: 10%}}", value=str(ids[k])))
            continue
        for person, part in split_parts(int(amounts[k]), shares):
            if person in people:
                r, u = got.setdefault(person, ([], []))
                r.append(int(index[k]))
                u.append(part)
    credited = Credited({p: np.array(r, dtype=np.int64) for p, (r, _) in got.items()}, {p: np.array(u, dtype=np.int64) for p, (_, u) in got.items()}, {p: sum(u) for p, (_, u) in got.items()})
    return credited, diags
