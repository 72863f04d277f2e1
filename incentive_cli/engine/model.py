"""The domain records: immutable, each carrying where it was read from (``source``, excluded
from equality). Readers build them; the engine computes with them; writers print them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from ..diagnostics import Location
from ..money import Rounding, format_amount, format_number, format_rate

_SRC = field(default_factory=Location, compare=False, repr=False)

RATIO_KINDS = ("ratio", "growth", "attainment")  # measures shown as percentages


@dataclass(frozen=True)
class Eligibility:
    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()  # components only
    on_last_day: bool = False  # only people employed on the period's last day


@dataclass(frozen=True)
class Filter:
    field: str
    op: str  # equals, not_equals, in, not_in, at_least, above, at_most, below, blank
    value: Any
    source: Location = _SRC


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str  # sum, count, distinct, ratio, growth, attainment
    table: str | None = None
    field: str | None = None  # sum/count/distinct field ('rows' for a row count)
    filters: tuple[Filter, ...] = ()
    date_field: str | None = None
    first_time: bool = False
    numerator: str | None = None
    denominator: str | None = None
    min_denominator: Decimal | None = None
    of: str | None = None  # growth / attainment
    target: str | None = None
    source: Location = _SRC
    rollup: str = "own"  # own, direct, subtree, team, company
    include_incomplete: bool = False  # also count deals missing a required field
    expr: str | None = None  # kind expr: the expression over other measures
    program: str | None = None  # kind payouts: the program whose lines are summed
    member_roles: tuple[str, ...] = ()  # kind payouts: only members with these roster roles
    credit: str = "owner"  # owner, or split: each deal credited by its split shares
    credit_roles: tuple[tuple[str, Decimal], ...] = ()  # credit split: the roles' shares where the splits source gives none


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # fixed, roster, statistic
    value: Decimal | None = None
    column: str | None = None
    statistic: str | None = None
    of: str | None = None
    k: Decimal = Decimal(0)
    percentile: Decimal | None = None
    over: str = "eligible"
    clip: bool = False
    round: str = "none"
    source: Location = _SRC
    per: str | None = None  # the value is per month, quarter or year: prorated to the run period by days
    rollup: str = "own"  # roster targets: the sum over the direct team, subtree or roster team
    prorate: str = "none"  # employment: by the days employed and not on leave in the period; months_any_day, months_first_day: by the months counted
    ramp: tuple[Decimal, ...] = ()  # share of the target in months 1, 2, ... of employment (from the hire date)


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None = None
    rate: Decimal | None = None
    at: Decimal | None = None
    pays: Decimal | None = None
    name: str | None = None
    source: Location = _SRC


@dataclass(frozen=True)
class Step:
    """A slab (its inclusive lower bound) or a milestone (its threshold), with its reward."""

    bound: Decimal
    pays: Decimal | None = None
    badge: str | None = None
    reward: str | None = None
    cost: Decimal | None = None
    name: str | None = None
    source: Location = _SRC
    target: str | None = None  # the bound is a share of this target
    day: int | None = None  # pip checkpoints: the last day of the plan to reach it

    @property
    def gives(self) -> bool:
        return self.pays is not None or bool(self.badge) or bool(self.reward)


@dataclass(frozen=True)
class Ladder:
    """A slab ladder generated per cohort: from the cohort average (or maximum) up to a
    stretch of the cohort maximum, in steps, with one open-ended slab above."""

    stretch: Decimal
    rate: Decimal
    start: str = "average"  # or maximum
    step: Decimal | None = None
    step_share: Decimal | None = None
    gap: Decimal = Decimal(1)
    places: int = 0
    round: str = "down"
    top_pays: Decimal | None = None


@dataclass(frozen=True)
class CohortGroup:
    name: str
    share: Decimal


@dataclass(frozen=True)
class Cohorts:
    measure: str
    groups: tuple[CohortGroup, ...]
    no_history: str
    source: Location = _SRC


@dataclass(frozen=True)
class Season:
    """A calendar window (full dates, or MM-DD every year) and the scale of targets in it."""

    name: str
    start: str
    end: str
    scale: Decimal = Decimal(1)
    source: Location = _SRC


@dataclass(frozen=True)
class Goal:
    id: str
    name: str
    measure: str
    at_least: Decimal
    reward: Step  # what meeting it gives (its bound unused)


@dataclass(frozen=True)
class RoleShare:
    role: str
    share: Decimal
    field: str | None = None  # the deal field naming the holder; None: the splits source


@dataclass(frozen=True)
class Participants:
    """pip: who is on the plan: a roster date column, or the bottom N / share of the
    reference period by a measure (from a start date)."""

    roster: str | None = None
    bottom: int | None = None
    bottom_share: Decimal | None = None
    by: str | None = None
    start: Any = None  # datetime.date


@dataclass(frozen=True)
class Gate:
    on: str
    threshold: Decimal
    strict: bool = False  # True: 'above' (>), False: 'at_least' (>=)


@dataclass(frozen=True)
class Factor:
    """A multiplier a component's payout passes through: the band of a measure's value
    (``bands``: inclusive lower bound, multiplier; below every band x1), or the measure's
    value itself when there are no bands (an individual score)."""

    measure: str
    bands: tuple[tuple[Decimal, Decimal], ...] = ()


@dataclass(frozen=True)
class Axis:
    """A grid's axis: a measure and the inclusive lower bounds of its bands, increasing."""

    measure: str
    bounds: tuple[Decimal, ...]
    interpolate: bool = False  # linear between bounds instead of steps


@dataclass(frozen=True)
class Kpi:
    """A scorecard's KPI: a measure, its weight, and its payout curve (points at, pays)."""

    measure: str
    weight: Decimal
    curve: tuple[tuple[Decimal, Decimal], ...]
    name: str = ""


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    type: str  # rate, tiers, bonus
    base: str | None = None
    on: str | None = None
    rate: Decimal | None = None
    method: str | None = None
    bound: str | None = None
    scope: str = "period"
    tiers: tuple[Tier, ...] = ()
    steps: tuple[Step, ...] = ()  # slabs or milestones
    top: int | None = None  # rank
    ties: str | None = None  # rank: include or exclude
    badge: str | None = None
    reward: str | None = None
    cost: Decimal | None = None
    threshold: Decimal | None = None
    strict: bool = False
    amount: Decimal | None = None
    gate: Gate | None = None
    cap: Decimal | None = None
    floor: Decimal | None = None
    rounding: Rounding = Rounding()
    eligible: Eligibility | None = None
    source: Location = _SRC
    ladder: Ladder | None = None  # slabs generated per cohort
    participants: Participants | None = None  # pip
    target: str | None = None  # pip: team_lowest or a target name
    roles: tuple[RoleShare, ...] = ()  # split
    goals: tuple[Goal, ...] = ()  # goals: the menu
    cutoff_day: int = 1  # goals: the latest choice on or before this day of the period counts
    missing_role: str | None = None  # split: redistribute or unpaid
    attribution: str | None = None  # tiers, scope period: marginal or proportional (None: the method's default)
    tier_by: str | None = None  # tiers, scope deal: the deal field that chooses each deal's tier
    factor: Factor | None = None  # a multiplier by a measure's band, after the gate
    of: str | None = None  # grid and scorecard: the measure their percentages are of (a target bonus)
    axes: tuple[Axis, ...] = ()  # grid: rows, then columns
    table: tuple[tuple[Decimal, ...], ...] = ()  # grid: a row of cells per row band
    kpis: tuple[Kpi, ...] = ()  # scorecard
    program: str | None = None  # override: the program whose lines it overrides
    component: str | None = None  # override: the component of that program
    levels: tuple[tuple[int, Decimal], ...] = ()  # override: (level below the person, rate)
    member_roles: tuple[str, ...] = ()  # override: only members with these roster roles
    cap_per_deal: Decimal | None = None  # components paid on deals: most a deal earns
    floor_per_deal: Decimal | None = None  # components paid on deals: least a deal earns


@dataclass(frozen=True)
class Clawback:
    window_days: int
    rerate: bool = False
    missing: str = "clawback"  # or ignore
    share: Decimal = Decimal(1)  # the share of a cancelled deal's earnings taken back


@dataclass(frozen=True)
class Holdback:
    share: Decimal
    until: str  # invoice_paid or date
    release_on: Any = None  # datetime.date, until: date
    after_days: int | None = None  # until: date
    components: tuple[str, ...] = ()  # empty: every cash component


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    currency: str
    period: str
    reference: str
    rounding: Rounding
    eligible: Eligibility
    measures: tuple[Measure, ...]
    targets: tuple[Target, ...]
    components: tuple[Component, ...]
    version: str = ""
    file: str = ""
    sha256: str = ""
    source: Location = _SRC
    cohorts: Cohorts | None = None
    required_fields: tuple[str, ...] = ()  # CRM hygiene: deals missing one of these do not count
    required_source: Location = field(default_factory=Location, compare=False, repr=False)  # where required_fields is written
    seasons: tuple[Season, ...] = ()  # windows that scale every target, by days
    active: Season | None = None  # the window the program runs in (facts outside it do not count)
    effective_from: Any = None  # datetime.date: this version is in force from this day
    clawback: Clawback | None = None
    holdback: Holdback | None = None
    true_up: str | None = None  # year
    installments: tuple[tuple[Decimal, int], ...] = ()  # (share, periods after the paid one) of each installment
    installment_components: tuple[str, ...] = ()  # the components paid in installments (empty: every cash one)
    fx: str | None = None  # convert other currencies on: close_date or period_end

    def measure(self, name: str) -> Measure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)

    def target(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)

    def target_is_ratio(self, name: str) -> bool:
        """A statistic of a ratio, growth or attainment is a share, shown as a percentage."""
        t = self.target(name)
        return t.kind == "statistic" and self.measure(t.of or "").kind in RATIO_KINDS


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BasisStep:
    """One line of a calculation, as a person would check it by hand."""

    label: str  # e.g. "tier 2 (7%)"
    base: Decimal | None = None
    rate: Decimal | None = None
    threshold: Decimal | None = None
    amount: Decimal | None = None  # exact, before the one rounding
    note: str = ""

    def text(self) -> str:
        if self.rate is not None and self.base is not None:
            return f"{self.label}: {format_amount(round(self.base, 6))} x {format_rate(self.rate)} = {format_amount(round(self.amount or Decimal(0), 6))}"
        if self.amount is not None:
            return f"{self.label} = {format_amount(round(self.amount, 6))}"
        return self.label


@dataclass(frozen=True)
class Award:
    """A badge or a non-cash reward earned on a payout line, with the date it was earned
    (the first day the measure reached it, where the facts are dated; else the period end)."""

    kind: str  # badge, non-cash
    name: str
    earned_on: Any = None  # datetime.date
    cost: Decimal | None = None


@dataclass(frozen=True)
class CohortPlace:
    """A person's cohort, with the figures that set its ladder."""

    cohort: str
    measure: str
    reference: str  # the reference period's label
    value: Decimal | None  # the person's reference-period value; None without history
    rank: int | None  # competition rank among people with history
    ranked: int  # people with history
    size: int  # people in the cohort
    average: Decimal | None  # of the members with history
    maximum: Decimal | None

    @property
    def text(self) -> str:
        """One line, for statements and explain."""
        who = f"rank {self.rank} of {self.ranked} by {self.measure} in {self.reference} ({format_number(self.value)})" if self.rank is not None and self.value is not None else f"no history in {self.reference}"
        stats = f"cohort average {format_number(round(self.average, 2))}, maximum {format_number(self.maximum)}" if self.average is not None and self.maximum is not None else "no member of the cohort has history"
        return f"{who}; {stats}; {self.size} {'person' if self.size == 1 else 'people'}"


@dataclass(frozen=True)
class PayoutLine:
    person_id: str
    program_id: str
    component_id: str
    component_name: str
    currency: str
    amount: Decimal  # rounded once
    exact: Decimal  # before rounding
    steps: tuple[BasisStep, ...] = ()
    source_rows: Any = ()  # data row indices (numpy array) of the facts that fed this line
    source_file: str = ""
    awards: tuple[Award, ...] = ()
    status: str = ""  # a plain outcome for the statement's summary ("Met the plan: yes")
    attributed: Any = field(default=None, compare=False, repr=False)  # engine.attribution.Attribution, or a function making it on first use; None: not paid on deals

    @cached_property
    def attribution(self) -> Any:
        """What each deal earned of this line (engine/attribution.py), or None when it is not
        paid on deals. Made on first use: a roll-up's manager is attributed every member's
        deals, which only a statement or a clawback asks for."""
        return self.attributed() if callable(self.attributed) else self.attributed

    @cached_property
    def basis(self) -> str:
        """One line for the register: every step, as a person would check it."""
        return "; ".join(s.text() for s in self.steps)


@dataclass(frozen=True)
class PersonResult:
    person_id: str
    name: str
    role: str
    team: str
    manager: str
    program_id: str
    currency: str
    measures: tuple[tuple[str, Decimal, str], ...]  # name, value, how it was derived
    targets: tuple[tuple[str, Decimal | None, str], ...]
    lines: tuple[PayoutLine, ...]
    cohort: CohortPlace | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def awards(self) -> list[tuple[str, Award]]:
        """(component name, award) for every badge and non-cash reward earned."""
        return [(line.component_name, a) for line in self.lines for a in line.awards]


@dataclass(frozen=True)
class ProgramResult:
    program: Program
    period_label: str
    period_start: Any
    period_end: Any
    reference_label: str
    people: tuple[PersonResult, ...]

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.people), Decimal(0))
