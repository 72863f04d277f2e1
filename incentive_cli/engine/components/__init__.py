"""One module per component kind, each with one function ``pay(component, context) ->
{person: Outcome}`` (components/base.py). ``KINDS`` maps a component's ``type:`` to it; a
new kind is a new module here, a line in ``KINDS``, its entry in the program format
(formats.py), its docs and its tests (docs/adding-a-component.md; a test checks all five).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..model import Component
from . import (
    bonus,
    champions,
    goals,
    grid,
    milestones,
    override,
    per_unit,
    pip,
    rank,
    rate,
    scorecard,
    slabs,
    split,
    tiers,
    weekly,
)
from .base import Context, Outcome

Pay = Callable[[Component, Context], dict[str, Outcome]]

KINDS: Mapping[str, Pay] = MappingProxyType({
    "rate": rate.pay,
    "tiers": tiers.pay,
    "bonus": bonus.pay,
    "slabs": slabs.pay,
    "milestones": milestones.pay,
    "rank": rank.pay,
    "champions": champions.pay,
    "pip": pip.pay,
    "split": split.pay,
    "weekly": weekly.pay,
    "goals": goals.pay,
    "per_unit": per_unit.pay,
    "grid": grid.pay,
    "scorecard": scorecard.pay,
    "override": override.pay,
})

__all__ = ["KINDS", "Context", "Outcome", "Pay"]
