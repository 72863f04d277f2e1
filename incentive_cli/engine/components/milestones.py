"""``milestones``: thresholds (``at``), increasing; every milestone reached pays its own
reward (cash, a badge, a non-cash reward), dated the day the measure first reached it.
Badges are milestones. A threshold may be a share of a target (``{at: 50%, target: t}``).

YAML::

    - id: badges
      type: milestones
      measure: attainment
      milestones:
        - {at: 20%, badge: Quick Starter}
        - {at: 40%, badge: Milestone Crusher}

Worked example (catalogue kind 5, tests/test_steps.py): a person at 65 % of target holds
three badges of 20/40/60/80 %, each with the day the running total first crossed it.
"""

from __future__ import annotations

from ..model import Component
from .base import Context, Outcome
from .steps import pay_table


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    return pay_table(c, ctx)
