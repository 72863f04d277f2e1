"""What the engine computes over: the roster (a few Python objects per person) and fact
tables (columnar: a pandas frame with integer minor units, datetime64 dates and text)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Location
from .hierarchy import children_of, subtree


def norm_name(text: str) -> str:
    """A name as matched against the roster: case and runs of spaces do not matter."""
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str = ""
    team: str = ""
    manager: str = ""
    region: str = ""
    currency: str = ""
    hire_date: dt.date | None = None
    end_date: dt.date | None = None
    attrs: tuple[tuple[str, Any], ...] = ()  # other roster fields (quota...), typed
    source: Location = field(default_factory=Location, compare=False)

    def attr(self, name: str) -> Any:
        for k, v in self.attrs:
            if k == name:
                return v
        return getattr(self, name, None) if name in ("id", "name", "role", "team", "manager", "region", "currency") else None


@dataclass
class FactTable:
    """One fact source. ``frame`` holds one row per data row of the file:

    * ``_i``: the data row index (the table's ``row_of(i)`` gives the file row);
    * ``_person``: the roster person id credited (owner matched), or <NA>;
    * ``_pcode``: the same person as an index into the sorted roster ids (-1: nobody), for
      fast integer grouping;
    * money fields as int64 minor units at ``scales[field]`` places; dates as datetime64;
      text as strings.
    """

    name: str
    file: str
    frame: pd.DataFrame
    date_field: str
    types: dict[str, str]
    scales: dict[str, int]
    row_of: Any  # callable: data row index -> file row number
    currency: str | None = None
    _id_rank: Any = None
    header_row: int = 1  # the file row of the header (an empty export is located there)
    sheet: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def deal_ids(self) -> Any:
        """Every row's deal id as text ('' when blank; the file row when there is no id
        column), as an object array, converted once."""
        if "ids" not in self._cache:
            f = self.frame
            self._cache["ids"] = f["deal_id"].astype("string").fillna("").to_numpy(dtype=object) if "deal_id" in f.columns else np.array([f"row {self.row_of(int(i))}" for i in f["_i"]], dtype=object)
        return self._cache["ids"]

    def days(self) -> Any:
        """Every row's date (the table's date field) as datetime64[D], converted once."""
        if "days" not in self._cache:
            self._cache["days"] = self.frame[self.date_field].to_numpy(dtype="datetime64[D]")
        return self._cache["days"]

    def text(self, fld: str, rows: Any) -> list[str]:
        """Cells as people read them ('' for a blank): numbers as decimals (not the scaled
        integers they are held as), dates as ISO days, text as written."""
        col = self.frame[fld].iloc[rows] if not isinstance(rows, int) else self.frame[fld].iloc[[rows]]
        kind = self.types.get(fld, "text")
        if kind in ("money", "number"):
            scale = self.scales.get(fld, 0)
            plain = kind == "number"  # a number shows its own digits (0.12); money its currency's (1,000.00)
            return ["" if pd.isna(v) else format(Decimal(int(v)).scaleb(-scale).normalize() if plain else Decimal(int(v)).scaleb(-scale), "f") for v in col.tolist()]
        if kind == "date":
            return ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in col.tolist()]
        return ["" if pd.isna(v) else str(v) for v in col.tolist()]

    def id_rank(self) -> Any:
        """Rank of each row's deal id (for a running order that ignores row order), cached."""
        if self._id_rank is None:
            if "deal_id" in self.frame.columns:
                self._id_rank = pd.factorize(self.frame["deal_id"], sort=True)[0]
            else:
                self._id_rank = self.frame["_i"].to_numpy()
        return self._id_rank



@dataclass(frozen=True)
class SplitRow:
    role: str
    person: str  # roster person id
    share: Any  # Decimal fraction (0.1 for 10 %), or None when the table gives no share
    source: Location


@dataclass(frozen=True)
class Adjustment:
    """A manual adjustment: paid in its period, with its reason and approver."""

    person: str  # roster person id
    period: str
    amount: Any  # Decimal
    currency: str
    reason: str
    approver: str
    corrects: str
    source: Location


@dataclass(frozen=True)
class Draw:
    """A draw: paid in runs whose period starts between ``start`` and ``end``."""

    person: str  # roster person id
    kind: str  # recoverable or guarantee
    amount: Any  # Decimal, per run period
    start: dt.date
    end: dt.date
    recovery_share: Any  # Decimal fraction of earnings recovered per period
    cap: Any  # Decimal or None: most recovered per period
    currency: str
    source: Location


@dataclass
class DataSet:
    people: dict[str, Person]
    roster_types: dict[str, str]
    tables: dict[str, FactTable]
    inputs: list[dict[str, Any]]  # file, sha256, rows, control sums
    unmatched_owners: list[dict[str, Any]] = field(default_factory=list)
    splits: dict[str, list[SplitRow]] | None = None  # deal id -> who held which role (the splits source)
    choices: dict[str, list[tuple[Any, str, Location]]] | None = None  # person id -> (chosen on, goal id, where), oldest first
    leave: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)  # person id -> [(first day, last day)]
    adjustments: list[Adjustment] = field(default_factory=list)
    draws: list[Draw] = field(default_factory=list)
    invoices: dict[str, Any] | None = None  # deal id -> the day its invoice was paid, or None
    fx: Any = None  # engine.fx.FxTable: the fx source's rates

    def working_days(self, pid: str, start: dt.date, end: dt.date) -> int:
        """Days of [start, end] the person was employed and not on leave (both ends counted)."""
        p = self.people[pid]
        lo = max(start, p.hire_date) if p.hire_date else start
        hi = min(end, p.end_date) if p.end_date else end
        if hi < lo:
            return 0
        away = set()
        for a, b in self.leave.get(pid, []):
            day = max(a, lo)
            while day <= min(b, hi):
                away.add(day)
                day += dt.timedelta(days=1)
        return (hi - lo).days + 1 - len(away)

    @cached_property
    def person_ids(self) -> list[str]:
        """Roster ids in the order of the facts' ``_pcode``."""
        return sorted(self.people)

    @cached_property
    def _by_name(self) -> dict[str, str]:
        return {norm_name(p.name): pid for pid, p in self.people.items()}

    def match_person(self, text: str) -> str | None:
        """The person an id or a name (in any case and spacing) refers to, or None."""
        return text if text in self.people else self._by_name.get(norm_name(text))

    @cached_property
    def parent(self) -> dict[str, str]:
        """Person id -> their manager's person id (managers outside the roster left out)."""
        return {pid: p.manager for pid, p in self.people.items() if p.manager in self.people}

    @cached_property
    def children(self) -> dict[str, list[str]]:
        return children_of(self.parent)

    def members(self, pid: str, rollup: str) -> list[str]:
        """Whose facts a person's measure counts: own (the person), direct (the person and
        their direct reports), subtree (the person and everyone below), team (everyone with
        the person's roster team), company (everyone on the roster)."""
        if rollup == "company":
            return self.person_ids
        if rollup == "direct":
            return [pid, *self.children.get(pid, ())]
        if rollup == "subtree":
            return subtree(self.children, pid)
        if rollup == "team":
            team = self.people[pid].team
            return self.teams[team] if team else [pid]
        return [pid]

    @cached_property
    def teams(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for pid in self.person_ids:
            out.setdefault(self.people[pid].team, []).append(pid)
        return out

