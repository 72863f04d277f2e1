"""The program format (version 1) and the sources format (version 1), described once.

Reading, the JSON Schema (``incentive schema``) and the README's program reference all come
from the descriptions below; the ``doc`` strings are the reference text.
"""

from __future__ import annotations

from decimal import Decimal

from .readers.profiles import PROFILE_NAMES
from .spec import Bool, Either, Field, ListOf, MapOf, Number, Obj, Text

PROGRAM_SCHEMA_VERSIONS = (1,)
SOURCES_SCHEMA_VERSIONS = (1,)

PERIOD_PATTERN = r"month|quarter|year|\d{4}|\d{4}-Q[1-4]|\d{4}-(0[1-9]|1[0-2])"
REFERENCE_PATTERN = r"previous|same_last_year|\d{4}|\d{4}-Q[1-4]|\d{4}-(0[1-9]|1[0-2])"
NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_\-]*"
ROUNDING_MODES = ("half_up", "half_even", "half_down", "up", "down", "ceiling", "floor")

ROUNDING = Obj(
    title="rounding",
    doc="How each payout line is rounded, once. Default: 2 places, half_up.",
    fields=(
        Field("places", Number(integer=True, minimum=Decimal(0), maximum=Decimal(10)), doc="Decimal places kept (2 for cents, 0 for whole units)."),
        Field("mode", Text(choices=ROUNDING_MODES), doc="half_up (default), half_even, half_down, up, down, ceiling or floor."),
        Field("per", Text(choices=("line", "deal")), doc="line (default): each payout line's exact amount is rounded once. deal: each deal's amount is rounded on its own (mode down truncates each sale's commission) and the line is their sum; for components paid on deals (rate, tiers, split), others round per line."),
    ),
)

ELIGIBLE = Obj(
    title="eligibility",
    doc="Who the program (or component) pays. All lists are optional; a person must match every list given.",
    fields=(
        Field("roles", ListOf(Text()), doc="Roster roles that take part (exact text, e.g. 'Sales Rep')."),
        Field("teams", ListOf(Text()), doc="Roster teams that take part."),
        Field("regions", ListOf(Text()), doc="Roster regions that take part."),
        Field("people", ListOf(Text()), doc="Person ids (or names) that take part, whatever their role."),
        Field("exclude", ListOf(Text()), doc="Person ids (or names) that never take part."),
        Field("cohorts", ListOf(Text()), doc="Components only: the cohorts (by name, from the program's cohorts) that take part."),
        Field("on_last_day", Bool(), doc="true: only people employed on the period's last day take part (team rewards: every member on the last day)."),
    ),
)

CONDITION = Obj(
    title="condition",
    doc="A test on one field of a row.",
    fields=(
        Field("equals", Text(), doc="The field equals this text (case-sensitive)."),
        Field("not_equals", Text(), doc="The field differs from this text."),
        Field("in", ListOf(Text()), doc="The field is one of these texts."),
        Field("not_in", ListOf(Text()), doc="The field is none of these texts."),
        Field("at_least", Number(percent=True), doc="Numeric field >= this value."),
        Field("above", Number(percent=True), doc="Numeric field > this value."),
        Field("at_most", Number(percent=True), doc="Numeric field <= this value."),
        Field("below", Number(percent=True), doc="Numeric field < this value."),
        Field("blank", Bool(), doc="true: the field is empty; false: the field is filled."),
    ),
)

WHERE = MapOf(
    doc="Row filters, all of which must hold: field: text (equals), field: [texts] (in), or field: {condition}.",
    value=Either(scalar=Text(doc="equals"), sequence=ListOf(Text(), doc="in"), mapping=CONDITION),
)

MEMBERS = Obj(
    title="members",
    doc="Which members count: by roster role.",
    fields=(Field("roles", ListOf(Text(), min_items=1), required=True, doc="Roster roles (Sales Rep)."),),
)

MEASURE = Obj(
    title="measure",
    doc="A named number per person for the period, computed from fact rows.",
    fields=(
        Field("from", Text(choices=("deals", "activities")), doc="Fact table the rows come from (for sum, count and distinct)."),
        Field("sum", Text(pattern=NAME_PATTERN), doc="Sum of this numeric field (for example amount)."),
        Field("count", Text(pattern=NAME_PATTERN), doc="Count of rows ('rows') or of rows where this field is filled."),
        Field("distinct", Text(pattern=NAME_PATTERN), doc="Number of distinct values of this field (for example customer)."),
        Field("first_time", Bool(), doc="With distinct: count only values whose first matching row ever falls in the period (new customers)."),
        Field("divide", Text(pattern=NAME_PATTERN), doc="Ratio measure: this measure divided by 'by'."),
        Field("by", Text(pattern=NAME_PATTERN), doc="Denominator measure of a ratio."),
        Field("min_denominator", Number(), doc="A ratio counts only when its denominator reaches this value; below it the ratio is 0."),
        Field("growth", Text(pattern=NAME_PATTERN), doc="Growth of this measure against the reference period: (now - before) / before."),
        Field("attainment", Text(pattern=NAME_PATTERN), doc="Attainment: this measure divided by the person's 'target'."),
        Field("payouts", Text(pattern=NAME_PATTERN), doc="A sum of other people's pay: this component's payout lines in the program named by 'program', over the people 'rollup' says (direct: the person's direct reports; subtree: everyone below them; team: their teammates; own: their own), optionally only 'members' with some roles. That program is computed first; a circle of programs is an error. Each deal a line was paid on carries over, so an override on it is attributed to the member's deals."),
        Field("program", Text(pattern=NAME_PATTERN), doc="With payouts: the program whose lines are summed (another program)."),
        Field("members", MEMBERS, doc="With payouts: only these members."),
        Field("roster", Text(pattern=NAME_PATTERN), doc="A roster column's value for each person (salary, target incentive), as money or a number; a blank cell for an eligible person is an error."),
        Field("expr", Text(), doc="An expression over other measures of the program and numbers: + - * /, parentheses, min(), max(), abs(), 5% for 0.05 (for example max(0, company_revenue / company_plan - 1) * 100). Exact; a division by zero leaves the person without a value (0, and said so)."),
        Field("target", Text(pattern=NAME_PATTERN), doc="With attainment: the target it is measured against."),
        Field("where", WHERE, doc="Filters on the fact rows."),
        Field("date", Text(pattern=NAME_PATTERN), doc="Date field that places a row in a period (default: the source's date field)."),
        Field("credit", Either(scalar=Text(choices=("owner", "split")), mapping=Obj(title="split credit", fields=(
            Field("split", MapOf(value=Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), key_pattern=r"\S.*", doc="role: share"), required=True, doc="The share of each role of the splits source (SDR: 10%); the owner keeps the rest of the deal."),
        ))), doc="Who a deal counts for: owner (default); split: each person the splits source names on the deal, by the shares it gives (they add up to 100%), or, where it gives none, by the roles' shares declared here ({split: {SDR: 10%, Sales Engineer: 20%}}) with the owner keeping the rest; a deal without split rows counts for its owner. Each person's share of a deal is exact, the cents by largest remainder, so the shares add up to the deal."),
        Field("include_incomplete", Bool(), doc="true: this measure also counts deals missing a required field (to measure the share of complete records)."),
        Field("rollup", Text(choices=("own", "direct", "subtree", "team", "company")), doc="Whose rows count for a person: own (default); direct: theirs and their direct reports'; subtree: theirs and everyone's below them in the reporting tree; team: everyone with their roster team; company: everyone on the roster (a company-wide figure, the same for every person). Each row still has one owner, so nothing counts twice within one level."),
        Field("description", Text(), doc="Free text for people reading the program."),
    ),
    one_of=(("sum", "count", "distinct", "divide", "growth", "attainment", "roster", "expr", "payouts"),),
)

TARGET = Obj(
    title="target",
    doc="A named target per person: fixed, from a roster column, or a statistic of the reference period.",
    fields=(
        Field("fixed", Number(money=True), doc="The same number for everyone."),
        Field("roster", Text(pattern=NAME_PATTERN), doc="A roster column (for example quota)."),
        Field("statistic", Text(choices=("mean", "max", "min", "median", "percentile", "mean_plus_k_sigma")), doc="A statistic of a measure in the reference period over a population."),
        Field("of", Text(pattern=NAME_PATTERN), doc="With statistic: the measure."),
        Field("k", Number(), doc="With mean_plus_k_sigma: the number of population standard deviations."),
        Field("percentile", Number(percent=True), doc="With percentile: which one (0.9 or 90%)."),
        Field("over", Text(choices=("eligible", "team", "cohort")), doc="With statistic: the population: every eligible person (default), the person's team, or the person's cohort. People without a value (a ratio below its minimum denominator, growth from zero) are left out."),
        Field("clip", Bool(), doc="With statistic: clip the value into [mean, max] of the population (mean + 2σ above the maximum becomes the maximum)."),
        Field("rollup", Text(choices=("own", "direct", "subtree", "team")), doc="With roster: the sum of the column over the person's direct team, subtree or roster team (a team target as the sum of its members' quotas); own (default) is the person's value."),
        Field("prorate", Text(choices=("none", "employment", "months_any_day", "months_first_day")), doc="employment: the target is prorated by the days the person was employed and not on leave in the period (hire_date and end_date on the roster, the leave source), both ends counted. months_any_day: by the calendar months of the period in which the person was employed on any day; months_first_day: on the month's first day (leave does not count). Default none."),
        Field("ramp", ListOf(Number(percent=True, minimum=Decimal(0)), min_items=1), doc="A new hire's share of the target in months 1, 2, 3... of employment, month 1 starting on the roster's hire_date ([25%, 50%, 75%]: 100% from month 4); a period across two employment months is weighted by the days employed in each."),
        Field("per", Text(choices=("month", "quarter", "year")), doc="The value is for this length of time (a quarterly quota): a run over another period gets it prorated by days, both ends counted (April: 30/91 of the Q2 quota)."),
        Field("round", Text(choices=("none", "up", "down", "nearest")), doc="Round the target to a whole number (counts are rounded up)."),
        Field("description", Text(), doc="Free text."),
    ),
    one_of=(("fixed", "roster", "statistic"),),
)

TIER = Obj(
    title="tier",
    doc="One row of a tier table: up_to and rate for marginal and retroactive tables; at and pays for linear ones.",
    fields=(
        Field("up_to", Number(percent=True), doc="Upper bound of the tier; the last tier has none (open-ended)."),
        Field("rate", Number(percent=True), doc="Rate paid on the base in this tier (0.05 or 5%)."),
        Field("at", Number(percent=True), doc="Linear tables: a point's value on the component's measure."),
        Field("pays", Number(money=True), doc="Linear tables: the payout at that point."),
        Field("name", Text(), doc="Label shown on statements (default: the rate)."),
    ),
)

REWARD = Obj(
    title="reward",
    doc="What reaching something gives: cash, a badge, a non-cash item, or several.",
    fields=(
        Field("pays", Number(money=True), doc="Cash paid."),
        Field("badge", Text(), doc="A badge awarded, dated the day the measure first got there."),
        Field("reward", Text(), doc="A non-cash reward (a dinner, a trip...)."),
        Field("cost", Number(money=True), doc="The non-cash reward's cost value, for budgets."),
        Field("name", Text(), doc="Label on statements (default: from the bound)."),
    ),
)

STEP = Obj(
    title="step",
    doc="A slab (from) or a milestone (at) with its reward: cash, a badge, a non-cash item, or several.",
    fields=(
        Field("from", Number(percent=True), doc="Slabs: the inclusive lower bound of the band."),
        Field("at", Number(percent=True), doc="Milestones: the value that reaches the milestone (inclusive); with target, a share of the target (default 100%)."),
        Field("target", Text(pattern=NAME_PATTERN), doc="The bound is 'at' (or 'from') times this target of the person (e.g. at: 50%, target: demos_target), so milestones follow derived targets."),
        *REWARD.fields,
    ),
)

LADDER = Obj(
    title="ladder",
    doc="slabs: a slab ladder generated for each cohort from its reference-period average and maximum (instead of a slabs table).",
    fields=(
        Field("start", Text(choices=("average", "maximum")), doc="Lower bound of the first slab: the cohort's average (default) or maximum."),
        Field("stretch", Number(percent=True, minimum=Decimal(1), maximum=Decimal(3)), required=True, doc="The closed slabs end at or below this share of the cohort maximum (typically 105%-120%); one open-ended slab lies above them."),
        Field("step", Number(money=True, minimum=Decimal("0.01")), doc="Width of each slab in the measure's units (e.g. 500)."),
        Field("step_share", Number(percent=True, minimum=Decimal("0.001")), doc="Width of each slab as a share of the start (e.g. 5%)."),
        Field("gap", Number(minimum=Decimal(0)), doc="Each later slab starts this far above the previous slab's end. Default 1 (whole currency units: a slab ends at 10,500 and the next starts at 10,501)."),
        Field("rate", Number(percent=True), required=True, doc="Each slab pays this rate of its lower bound."),
        Field("places", Number(integer=True, minimum=Decimal(0), maximum=Decimal(10)), doc="Decimal places a slab's reward keeps. Default 0 (whole currency units)."),
        Field("round", Text(choices=ROUNDING_MODES), doc="How a slab's reward is rounded to places. Default down."),
        Field("top_pays", Number(money=True), doc="The open-ended top slab pays this instead of its rate (a raised last slab)."),
    ),
    one_of=(("step", "step_share"),),
)

PARTICIPANTS = Obj(
    title="participants",
    doc="pip: who is on the plan, and from when.",
    fields=(
        Field("roster", Text(pattern=NAME_PATTERN), doc="A roster date column (join a PIP list file with person_id and the start date): everyone with a date is on the plan from that day."),
        Field("bottom", Number(integer=True, minimum=Decimal(1)), doc="The N lowest people of the reference period on 'by' (people tied at the cut all join)."),
        Field("bottom_share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), doc="The lowest share of the reference period on 'by' (rounded half up, at least one)."),
        Field("by", Text(pattern=NAME_PATTERN), doc="bottom and bottom_share: the measure (default: the component's measure)."),
        Field("start", Text(pattern=r"\d{4}-\d{2}-\d{2}", pattern_hint="a date such as 2017-04-03"), doc="bottom and bottom_share: the plan's first day (default: the period's first day)."),
    ),
    one_of=(("roster", "bottom", "bottom_share"),),
)

CHECKPOINT = Obj(
    title="checkpoint",
    doc="pip: a cumulative share of the target to reach by a day of the plan.",
    fields=(
        Field("at", Number(percent=True), required=True, doc="Share of the target, cumulative from the plan's start (25%, 50%...)."),
        Field("day", Number(integer=True, minimum=Decimal(1), maximum=Decimal(366)), required=True, doc="The last day to reach it; the start date is day 1 (7, 14, 21, 30)."),
        *REWARD.fields,
    ),
)

FACTOR = Obj(
    title="factor",
    doc="A multiplier the component's payout passes through after the gate (before cap and floor), shown with the amount before it: a decelerator (x0.5 below 80% attainment), an accelerator, or an individual score.",
    fields=(
        Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="The measure that chooses the multiplier."),
        Field("bands", ListOf(Obj(title="factor band", fields=(
            Field("from", Number(percent=True), required=True, doc="Inclusive lower bound of the band, on the measure."),
            Field("times", Number(percent=True, minimum=Decimal(0)), required=True, doc="The multiplier in the band (0.5, 150%)."),
        )), min_items=1), doc="Bands by their inclusive lower bound, increasing; the highest band the measure reaches applies; below every band the payout is unchanged (x1). Without bands the payout is multiplied by the measure's value itself (a score of 90% pays 90%)."),
    ),
)

AXIS = Obj(
    title="grid axis",
    doc="grid: one axis: a measure and the inclusive lower bounds of its bands.",
    fields=(
        Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="The measure on this axis (an attainment, say)."),
        Field("from", ListOf(Number(percent=True), min_items=1), required=True, doc="Inclusive lower bounds of the bands, increasing; a value below the first is off the grid and pays nothing."),
        Field("interpolate", Bool(), doc="true: linear between bounds (a value halfway between two bounds gets the cells halfway between); false (default): steps, each band pays its cell."),
    ),
)

KPI = Obj(
    title="kpi",
    doc="scorecard: one KPI: a measure, a weight and a payout curve.",
    fields=(
        Field("name", Text(), doc="Label on statements (default: the measure)."),
        Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="The KPI's value: a measure of the program (a sum, an attainment, a roster value, a kpi...)."),
        Field("weight", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), required=True, doc="Its weight in the score; the weights add up to 100%."),
        Field("curve", ListOf(Obj(title="curve point", fields=(
            Field("at", Number(percent=True), required=True, doc="A value of the measure."),
            Field("pays", Number(percent=True), required=True, doc="What the KPI scores there (a share of 'of', or an amount without it)."),
        )), min_items=1), required=True, doc="Points, increasing: below the first the KPI scores 0 (so the first point is a jump: 0 below 80%, 50% at 80%); between points a straight line; above the last, the last (a cap)."),
    ),
)

LIMIT = Obj(
    title="limit",
    doc="A limit per deal, and optionally on the line.",
    fields=(
        Field("per_deal", Number(money=True), doc="Per deal: each deal's earnings (before the line's one rounding) are limited to, or raised to, this."),
        Field("line", Number(money=True), doc="On the person's line for the period, as a plain number does."),
    ),
)

GATE = Obj(
    title="gate",
    doc="No payout for this component unless the measure reaches the threshold.",
    fields=(
        Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="Measure tested."),
        Field("at_least", Number(percent=True), doc="Pays only when the measure is >= this."),
        Field("above", Number(percent=True), doc="Pays only when the measure is > this."),
    ),
    one_of=(("at_least", "above"),),
)

COHORTS = Obj(
    title="cohorts",
    doc="Rank the eligible people by a measure in the reference period and cut them into cohorts by share.",
    fields=(
        Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="The measure people are ranked by (its reference-period value)."),
        Field("groups", ListOf(Obj(title="cohort", fields=(
            Field("name", Text(), required=True, doc="The cohort's name (Super Stars)."),
            Field("share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), required=True, doc="Its share of the people with history; the shares add up to 100%."),
        )), min_items=1), required=True, doc="Best first. Sizes are the shares rounded half up, at least one person where the share is above zero; the last group takes the rest; people tied on a cut go to the better cohort."),
        Field("no_history", Text(), doc="The cohort of people without history: hired after the reference period's first day, without a value (a ratio below its minimum denominator), or everyone when the reference period has no facts at all. Default: the last group."),
    ),
)

DAY_PATTERN = r"\d{4}-\d{2}-\d{2}|\d{2}-\d{2}"
DAY_HINT = "a date such as 2017-11-15, or a month and day that recur every year such as 11-15"
WINDOW = Obj(
    title="window",
    fields=(
        Field("name", Text(), doc="Label on statements (Festive season)."),
        Field("from", Text(pattern=DAY_PATTERN, pattern_hint=DAY_HINT), required=True, doc="First day (YYYY-MM-DD, or MM-DD every year)."),
        Field("to", Text(pattern=DAY_PATTERN, pattern_hint=DAY_HINT), required=True, doc="Last day, included (a recurring window may wrap the year end: 12-15 to 01-15)."),
    ),
)
WINDOW_WITH_SCALE = Obj(title="season", fields=(*WINDOW.fields, Field("scale", Number(percent=True, minimum=Decimal(0)), required=True, doc="Targets are scaled by this inside the window (80%, 120%).")))

COMPONENT = Obj(
    title="component",
    doc="One reward rule; each gives one payout line per eligible person.",
    fields=(
        Field("id", Text(pattern=NAME_PATTERN), required=True, doc="Stable id, used in the register and in explain."),
        Field("name", Text(), doc="Label for statements (default: the id)."),
        Field("type", Text(choices=("rate", "tiers", "bonus", "slabs", "milestones", "rank", "champions", "pip", "split", "weekly", "goals", "per_unit", "grid", "scorecard", "override")), required=True, doc="rate: base x rate; override: a rate of other people's payout lines at each level below the person (levels); per_unit: a fixed amount for each row of a count (per meeting) or each unit of a summed field (per unit sold); grid: a payout looked up by two measures (rows x columns, steps or interpolated); scorecard: weighted KPIs each scored on a payout curve; tiers: a tier table; bonus: a fixed amount at a threshold; slabs: the highest band reached pays once (a table, or a ladder per cohort); milestones: every milestone reached pays its own reward; rank: the top N by a measure; champions: a reward for each of the reference period's top people beaten; pip: a performance improvement plan with dated checkpoints; split: each deal's pool (amount x rate) shared among the roles that worked it; weekly: an amount for each month in which every ISO week that starts in it reaches a level; goals: a menu of goals, each person paid on the one they chose."),
        Field("base", Text(pattern=NAME_PATTERN), doc="rate and tiers: the measure the rate is applied to (a sum of money)."),
        Field("rate", Number(percent=True), doc="rate: the rate (0.05 or 5%)."),
        Field("measure", Text(pattern=NAME_PATTERN), doc="tiers: the measure that selects the tier (default: base; an attainment measure makes accelerators and decelerators); bonus: the measure tested."),
        Field("method", Text(choices=("marginal", "retroactive", "linear")), doc="tiers (required): marginal pays each slice at its tier's rate; retroactive pays all at the rate reached; linear pays the straight line between points."),
        Field("bound", Text(choices=("upper", "lower")), doc="tiers (required for marginal and retroactive): a value exactly on an up_to belongs to the upper or the lower tier."),
        Field("scope", Text(choices=("period", "deal", "running")), doc="tiers: period applies the table to the period total; deal to each deal on its own; running to each deal on the running period total (in close-date order). Default period."),
        Field("tier_by", Text(pattern=NAME_PATTERN), doc="tiers with scope deal and method retroactive: a field of the deals that chooses each deal's tier (margin_pct: bounds in its units), the tier's rate applied to the deal's base value (a rate chosen by the deal's margin)."),
        Field("attribution", Text(choices=("marginal", "proportional")), doc="tiers with scope period: how the line is shared over the deals that made the base (statement, clawbacks, holdbacks). marginal (the default for marginal tables): the deals fill the tiers in closing order; proportional (the default for retroactive and linear tables, the only choice for them): each deal earns the line times its share of the base."),
        Field("tiers", ListOf(TIER, min_items=1), doc="tiers: the table, in increasing order."),
        Field("slabs", ListOf(STEP, min_items=1), doc="slabs: bands by their inclusive lower bound (from), increasing."),
        Field("ladder", LADDER, doc="slabs: generate each cohort's slabs from its average and maximum instead of listing them (needs the program's cohorts)."),
        Field("milestones", ListOf(STEP, min_items=1), doc="milestones: thresholds (at), increasing; each reached pays."),
        Field("champions", ListOf(REWARD, min_items=1), doc="champions: one reward per champion, the top champion first; as many champions as entries (four for the top four). A person beats a champion by exceeding the champion's reference-period value strictly."),
        Field("participants", PARTICIPANTS, doc="pip: who is on the plan."),
        Field("target", Text(pattern=NAME_PATTERN), doc="pip: the plan's target: team_lowest (default: the lowest reference-period value in the person's team among people not on the plan) or a target's name."),
        Field("roles", ListOf(Obj(title="role share", fields=(
            Field("role", Text(), required=True, doc="The role's name (SDR, AE, Sales Engineer)."),
            Field("share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), required=True, doc="Its share of each deal's pool; the shares add up to 100%."),
            Field("field", Text(pattern=NAME_PATTERN), doc="The deal field naming who held the role (owner, or a column such as sdr); without it, the splits source says."),
        )), min_items=1), doc="split: the roles that share each deal's pool."),
        Field("missing_role", Text(choices=("redistribute", "unpaid")), doc="split (required): a role nobody held on a deal: its share goes to the other roles pro rata (redistribute) or is not paid (unpaid)."),
        Field("goals", ListOf(Obj(title="goal", fields=(
            Field("id", Text(pattern=NAME_PATTERN), required=True, doc="The goal's id, as the choices file names it."),
            Field("name", Text(), doc="Label on statements (Close 5 new deals)."),
            Field("measure", Text(pattern=NAME_PATTERN), required=True, doc="The measure the goal is on."),
            Field("at_least", Number(percent=True), required=True, doc="The goal is met when the measure reaches this."),
            *REWARD.fields[:4],
        )), min_items=1), doc="goals: the menu."),
        Field("cutoff_day", Number(integer=True, minimum=Decimal(1), maximum=Decimal(366)), doc="goals: the latest choice made on or before this day of the period counts (1, the default, is the period's first day)."),
        Field("checkpoints", ListOf(CHECKPOINT, min_items=1), doc="pip: cumulative checkpoints, increasing (25/50/75/100% by days 7/14/21/30)."),
        Field("at_least", Number(percent=True), doc="bonus: pays when the measure is >= this; weekly: what every week must reach."),
        Field("above", Number(percent=True), doc="bonus: pays when the measure is > this."),
        Field("amount", Number(money=True), doc="bonus, rank, weekly and per_unit: the cash amount paid (weekly: per month that qualifies; per_unit: per row or unit)."),
        Field("weeks", Text(choices=("starting_in_month",)), doc="weekly: which weeks must reach at_least: starting_in_month (default): each ISO week (Monday to Sunday) that starts in the month, counted to its Sunday even past the month's end."),
        Field("top", Number(integer=True, minimum=Decimal(1)), doc="rank: how many ranks win (1 = the top performer)."),
        Field("ties", Text(choices=("include", "exclude")), doc="rank (required): people tied at the last winning rank all win (include) or none of them does when that would exceed top (exclude)."),
        Field("badge", Text(), doc="bonus and rank: a badge awarded."),
        Field("reward", Text(), doc="bonus and rank: a non-cash reward."),
        Field("cost", Number(money=True), doc="bonus and rank: the non-cash reward's cost value."),
        Field("gate", GATE),
        Field("factor", FACTOR),
        Field("of", Text(pattern=NAME_PATTERN), doc="grid and scorecard: the measure their percentages are paid of (a target bonus: a roster measure such as {roster: target_bonus}); without it the cells and curves are amounts."),
        Field("rows", AXIS, doc="grid: the axis that picks the table's row."),
        Field("columns", AXIS, doc="grid: the axis that picks the column."),
        Field("table", ListOf(ListOf(Number(percent=True), min_items=1), min_items=1), doc="grid: one list of cells per row band (as many as rows.from), each with one cell per column band (as many as columns.from): a share of 'of' (75%) or an amount."),
        Field("kpis", ListOf(KPI, min_items=1), doc="scorecard: the KPIs, each weighted and scored on its curve."),
        Field("program", Text(pattern=NAME_PATTERN), doc="override: the program whose lines it overrides (computed first)."),
        Field("component", Text(pattern=NAME_PATTERN), doc="override: the component of that program whose lines it overrides (commission)."),
        Field("levels", MapOf(value=Number(percent=True), key_pattern=r"[1-9][0-9]?", doc="level: rate"), doc="override: the rate at each level below the person up the manager chain: {1: 2%, 2: 1.5%, 3: 1%} pays 2 % of the direct reports' lines, 1.5 % of their reports' and 1 % of the level below."),
        Field("members", MEMBERS, doc="override: only members with these roles count."),
        Field("cap", Either(scalar=Number(money=True), mapping=LIMIT), doc="Most this component pays a person in the period; or {per_deal: 500} (components paid on deals: most a deal earns), with line: for both."),
        Field("floor", Either(scalar=Number(money=True), mapping=LIMIT), doc="Least this component pays an eligible person in the period (after the gate); or {per_deal: 50} (components paid on deals: least each deal earns), with line: for both."),
        Field("rounding", ROUNDING, doc="Overrides the program's rounding for this component."),
        Field("eligible", ELIGIBLE, doc="Narrows the program's eligibility for this component."),
        Field("description", Text(), doc="Free text."),
    ),
)

CLAWBACK = Obj(
    title="clawback",
    doc="Deals paid in a finalised period that later no longer count for the person paid on them (gone from the export, no longer passing the measure's filters, moved out of the period or to someone whose deals do not count) or count for less are clawed back in the next run: a negative line taking back what the deal earned (README, Deal attribution), or that share of it. Needs the payout ledger.",
    fields=(
        Field("window_days", Number(integer=True, minimum=Decimal(1), maximum=Decimal(3660)), required=True, doc="Days from the last day of the period a deal was paid in to the last day of the run's period within which a change is clawed back; later changes are kept."),
        Field("rerate", Bool(), doc="false (default): what the deal earned is taken back. true: attainment is re-rated: the paid period is recomputed on today's export and the person gives back what it paid too much."),
        Field("share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), doc="The share of a cancelled deal's earnings taken back (50%: the person keeps half). Default 100%."),
        Field("missing", Text(choices=("clawback", "ignore")), doc="A paid deal no longer in the export: clawback (default; the export must cover the window) or ignore (only stage and amount changes count)."),
    ),
)

HOLDBACK = Obj(
    title="holdback",
    doc="A share of each cash line is held back and paid in the run whose period holds the release. Needs the payout ledger.",
    fields=(
        Field("share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), required=True, doc="Share of the line held back (20%), rounded once per line."),
        Field("until", Text(choices=("invoice_paid", "date")), required=True, doc="invoice_paid: each deal's part is released when the invoices source says its invoice is paid (paid_on on or before the period's last day); date: released on release_on, or after_days after the period's last day."),
        Field("release_on", Text(pattern=r"\d{4}-\d{2}-\d{2}", pattern_hint="a date such as 2026-12-31"), doc="until: date: the release day."),
        Field("after_days", Number(integer=True, minimum=Decimal(0), maximum=Decimal(3660)), doc="until: date: the release is this many days after the last day of the period the line was paid in."),
        Field("components", ListOf(Text(pattern=NAME_PATTERN)), doc="The component ids held back (default: every component that pays cash)."),
    ),
)

INSTALLMENTS = Obj(
    title="installments",
    doc="Each cash line paid over periods: the later installments are held and paid in the run whose period holds their day, each deal's part by what it earned (a deal cancelled before an installment is paid has it cancelled, and only what was paid is clawed back). Needs the payout ledger.",
    fields=(
        Field("schedule", ListOf(Obj(title="installment", fields=(
            Field("share", Number(percent=True, minimum=Decimal(0), maximum=Decimal(1)), required=True, doc="The share of the line in this installment; the shares add up to 100%."),
            Field("after", Number(integer=True, minimum=Decimal(0), maximum=Decimal(60)), doc="Paid in the run whose period holds the first day of the period this many periods after the paid one (0, the default: now)."),
        )), min_items=2), required=True, doc="The installments, in order: [{share: 50%}, {share: 50%, after: 1}] pays half now and half next period."),
        Field("components", ListOf(Text(pattern=NAME_PATTERN)), doc="The component ids paid in installments (default: every component that pays cash)."),
    ),
)

PROGRAM = Obj(
    title="program",
    doc="An incentive program, one per file, file name = id.",
    fields=(
        Field("schema_version", Number(integer=True), required=True, doc="Version of this format: 1."),
        Field("id", Text(pattern=NAME_PATTERN), required=True, doc="Program id; equals the file name without .yaml."),
        Field("name", Text(), doc="Human name for statements."),
        Field("version", Text(), doc="Your version label for this program (recorded in run.json)."),
        Field("description", Text(), doc="Free text."),
        Field("currency", Text(pattern=r"[A-Z]{3}", pattern_hint="an ISO 4217 code such as USD or EUR"), required=True, doc="Payout currency (ISO 4217)."),
        Field("period", Text(pattern=PERIOD_PATTERN, pattern_hint="month, quarter, year, or a period such as 2026-Q2, 2026-10 or 2026"), required=True, doc="month, quarter or year (runs for any such period) or one fixed period (2026-Q2, 2026-10, 2026)."),
        Field("reference", Text(pattern=REFERENCE_PATTERN, pattern_hint="previous, same_last_year, or a period such as 2026-Q1"), doc="Reference period for growth and statistics: previous (default), same_last_year, or a fixed period."),
        Field("rounding", ROUNDING),
        Field("eligible", ELIGIBLE),
        Field("measures", MapOf(value=MEASURE), required=True, doc="Named measures."),
        Field("targets", MapOf(value=TARGET), doc="Named targets."),
        Field("cohorts", COHORTS, doc="Cohorts by share of the reference period's ranking."),
        Field("seasons", ListOf(WINDOW_WITH_SCALE), doc="Calendar windows that scale every target of the program; a period partly in a window gets the day-weighted scale (both end dates count)."),
        Field("active", WINDOW, doc="The window the program runs in: facts dated outside it do not count, targets are prorated by its days in the period, and a period it does not touch skips the program."),
        Field("required_fields", ListOf(Text(pattern=NAME_PATTERN)), doc="CRM hygiene: deal fields that must be filled for a deal to count in any measure of the program (customer, close_date, amount, next_step); a deal missing one is listed on the statement with the field."),
        Field("effective_from", Text(pattern=r"\d{4}-\d{2}-\d{2}", pattern_hint="a date such as 2026-05-15"), doc="This version of the program is in force from this day until the next version's effective_from. Versions share an id and live in files named <id>@<date>.yaml (the first may be <id>.yaml); a period that spans a change is computed in parts, each under its version (facts by date, targets by days), and the statement shows both."),
        Field("fx", Obj(title="fx", doc="Convert amounts in other currencies (a deal's currency column) into the payout currency with the fx source's rates; the statement shows each deal's original amount, currency and rate beside the converted amount.", fields=(
            Field("convert_on", Text(choices=("close_date", "period_end")), required=True, doc="The day whose rate converts: close_date (each row's date field) or period_end (the period's last day)."),
        ))),
        Field("clawback", CLAWBACK),
        Field("holdback", HOLDBACK),
        Field("installments", INSTALLMENTS),
        Field("true_up", Text(choices=("year",)), doc="year: each run pays what the year to date has earned (the program computed from 1 January to the period's end) minus what the ledger says this program paid earlier in the year. Targets should carry per: so they grow with the year."),
        Field("components", ListOf(COMPONENT, min_items=1), required=True, doc="Reward components, each one payout line per person."),
    ),
)

CONFIG = Obj(
    title="project config",
    doc="incentive.yaml at the root of the programs repository (the folder the commands run in).",
    fields=(
        Field("schema_version", Number(integer=True), required=True, doc="Version of this format: 1."),
        Field("ledger", Text(), doc="Path of the payout ledger (SQLite), relative to incentive.yaml. Default: OUT/ledger.sqlite."),
    ),
)

COLUMN = Either(
    scalar=Text(doc="the header"),
    sequence=ListOf(Text(), doc="header aliases, first match wins"),
    mapping=Obj(
        title="column",
        fields=(
            Field("header", Either(scalar=Text(), sequence=ListOf(Text())), required=True, doc="Header text or list of aliases."),
            Field("type", Text(choices=("text", "money", "number", "date")), doc="How cells are read (default by field name: amount and quota* money, *date number-free dates, else text)."),
            Field("required", Bool(), doc="false: the column may be absent (the field is then blank)."),
        ),
    ),
)

NUMBER_FORMAT = Obj(
    title="number format",
    fields=(
        Field("decimal", Text(choices=(".", ",")), doc="Decimal separator (default '.')."),
        Field("thousands", Text(choices=(",", ".", " ", "'", "", "none")), doc="Thousands separator (default ','; 'none' to refuse any)."),
        Field("currency_symbols", Bool(), doc="Accept a leading currency symbol or ISO code ($1,234.50, USD 1,234.50). Default false."),
        Field("parentheses_negative", Bool(), doc="Read (1,234.00) as -1234.00. Default false."),
    ),
)

SOURCE = Obj(
    title="source",
    doc="One input file and how to read it.",
    fields=(
        Field("file", Text(), required=True, doc="Path, relative to the sources file."),
        Field("profile", Text(choices=PROFILE_NAMES), doc="The CRM that made the export: " + ", ".join(PROFILE_NAMES) + ". Supplies header aliases, formats and quirks (README, 'CRM export profiles'); plain (default) assumes nothing."),
        Field("format", Text(choices=("auto", "csv", "xlsx", "zip")), doc="auto (default) picks by the file's first bytes; zip: an archive of CSV parts read as one table."),
        Field("sheet", Text(), doc="XLSX: the sheet to read (default: the first visible one; a hidden sheet is read only when named here)."),
        Field("encoding", Text(choices=("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")), doc="CSV text encoding (auto: BOM, then UTF-8, else refuse)."),
        Field("delimiter", Text(pattern=r"auto|[^\n\r\"]", pattern_hint="one character such as , ; | or a tab (written \"\\t\" in double quotes), or auto"), doc="CSV delimiter: ',' (default without a profile), ';', '|', a tab, or auto (default with a profile): the one of these that splits the header line into the declared columns, recorded in run.json."),
        Field("header_row", Number(integer=True, minimum=Decimal(1), maximum=Decimal(1_048_576)), doc="Row number of the header; default: found automatically as the first row that names the declared columns."),
        Field("hidden_rows", Text(choices=("error", "skip", "read")), doc="XLSX rows hidden in Excel: error (default) refuses the file, skip leaves them out (listed in run.json), read counts them."),
        Field("columns", MapOf(value=COLUMN), doc="field: header (or aliases) for each field the programs use. Required without a profile; with one, these replace the profile's aliases field by field."),
        Field("recode", MapOf(value=MapOf(value=Text(), key_pattern=r"[^\n]+")), doc="field: {value in the file: value the programs see}, for example stage: {Contract Signed: Won}. Added to the profile's (Closed Won -> Won)."),
        Field("number_format", NUMBER_FORMAT),
        Field("date_format", Text(), doc="strftime pattern of date cells in text files, e.g. %Y-%m-%d (default) or %d/%m/%Y. Never guessed."),
        Field("date", Text(pattern=NAME_PATTERN), doc="Facts: the date field that places a row in a period (deals default close_date; activities default date)."),
        Field("amount_places", Number(integer=True, minimum=Decimal(0), maximum=Decimal(8)), doc="Most decimal places an amount may have (default 2)."),
        Field("defaults", MapOf(value=Text()), doc="Value for fields the file lacks (for example role: Sales Rep)."),
        Field("owner_match", Text(choices=("id", "name", "id_or_name")), doc="Facts: match the owner column to roster person_id, name, or either (default)."),
        Field("unknown_owners", Text(choices=("error", "report")), doc="Facts: an owner not on the roster is an error (default) or reported in run.json and kept out."),
        Field("unknown_managers", Text(choices=("error", "allow")), doc="Roster only: a manager value that matches no person's id or name is an error (default: the reporting tree must be whole) or allowed (kept as text, outside the tree)."),
        Field("key", Either(scalar=Text(pattern=NAME_PATTERN), sequence=ListOf(Text(pattern=NAME_PATTERN), min_items=1)), doc="Deals only: the field (or fields) that identify a deal; default deal_id when it is mapped. Two rows with the same key are an error naming both rows (duplicate-deal), unless duplicates: says how they resolve. Keys are compared after trimming spaces, case-sensitively unless key_case: insensitive. Ids in scientific notation (1.23457E+18), or numbers that lost their digits past the 15th in a spreadsheet, are refused (mangled-id)."),
        Field("key_case", Text(choices=("sensitive", "insensitive")), doc="Deals only: sensitive (default): 'ab1' and 'AB1' are two deals; insensitive: the same deal."),
        Field("duplicates", Text(choices=("error", "last")), doc="Deals only: error (default) refuses two rows with the same key; last keeps, of the rows sharing a key, the one whose order field is highest (the others are listed under ignored_rows in run.json). last needs order."),
        Field("order", Text(pattern=NAME_PATTERN), doc="With duplicates: last: the mapped field (a last-modified date or number, say) whose highest value marks the row kept. Rows of one key that tie on it must be identical, else they are an error."),
        Field("blank", MapOf(value=Text(choices=("error", "zero"))), doc="Facts: field: what a blank cell of a required numeric column (amount, count) means: error (default: refused at its cell, blank-value) or zero (read as 0; every statement and run.json show the declaration and how many cells it read). For example blank: {amount: zero} when open deals have no amount yet."),
        Field("manager_optional", Bool(), doc="Roster only: true lets a roster row leave its manager blank (the top of the reporting tree). Default false: a blank manager cell is an error (missing-manager) when the roster maps a manager column."),
        Field("add_people", ListOf(Obj(title="added people", fields=(
            Field("from", Text(pattern=NAME_PATTERN), required=True, doc="A roster field (manager, region...) whose values name people who have no row of their own."),
            Field("names", ListOf(Text()), doc="Required: the values to make people, each its id and name (the managers' names, the offices). Any other value of the field that is nobody on the roster is not made a person: a warning names it with the nearest name (unlisted-person), and a manager value left unknown is refused (unknown-manager)."),
            Field("role", Text(), required=True, doc="The role of the people added (Sales Manager, Regional Office)."),
            Field("manager_from", Text(pattern=NAME_PATTERN), doc="A roster field giving the added person's manager: its value on the rows that name them (it must be the same on all of them)."),
        ))), doc="Roster only: people the file names only in a column, such as managers and regional offices, so the reporting tree is whole (Maven: agent -> manager -> regional office)."),
        Field("ceiling", Number(money=True, minimum=Decimal(0)), doc="Adjustments (required): the largest amount, either sign, one adjustment may have; a larger one is refused."),
        Field("join", ListOf(Obj(title="joined file", fields=(
            Field("file", Text(), required=True, doc="Path of a person-keyed file (quotas, say)."),
            Field("sheet", Text(), doc="XLSX sheet."),
            Field("columns", MapOf(value=COLUMN), required=True, doc="Must map person_id; other fields join the roster (a filled role, team, manager, region or currency replaces the roster's)."),
            Field("number_format", NUMBER_FORMAT),
        ))), doc="Roster only: more person-keyed files whose columns join the roster by person_id."),
    ),
)

SOURCES = Obj(
    title="sources",
    doc="Where the data of a run comes from: sources.yaml in the data folder.",
    fields=(
        Field("schema_version", Number(integer=True), required=True, doc="Version of this format: 1."),
        Field("roster", SOURCE, required=True, doc="One row per person."),
        Field("deals", SOURCE, doc="Deal facts."),
        Field("activities", SOURCE, doc="Activity facts (calls, meetings...)."),
        Field("choices", SOURCE, doc="Goal choices for goal menus: person (an id or a name), goal (a goal id), chosen_on (a date). The latest choice on or before a program's cut-off counts."),
        Field("adjustments", SOURCE, doc="Manual adjustments: person (an id or a name), period (the period it is paid in, e.g. 2026-Q2), amount, reason, approver, and optionally currency (default: the person's) and corrects (what it corrects). Each is a payout line on the statement with its reason."),
        Field("leave", SOURCE, doc="Leave: person (an id or a name), from and to (dates, both included). Targets with prorate: employment leave these days out."),
        Field("draws", SOURCE, doc="Draws: person (an id or a name), type (recoverable: an advance recovered from later earnings; guarantee: a non-recoverable minimum), amount (per run period), from and to (dates: runs whose period starts between them pay it), and optionally recovery_share (percentage of earnings recovered per period, default 100), cap (most recovered per period) and currency (default: the person's). Balances are carried in the payout ledger."),
        Field("fx", SOURCE, doc="FX rates: currency, payout_currency, rate (payout-currency units for one unit of the currency) and effective_from (the rate is in force from that day until the pair's next row). Used by programs that declare fx."),
        Field("invoices", SOURCE, doc="Invoices: deal_id and paid_on (the day the customer paid; blank: not yet). Releases holdbacks declared until: invoice_paid."),
        Field("splits", SOURCE, doc="Who worked each deal in which role: deal_id, role, person (an id or a name), and optionally share (a percentage, 0-100: Salesforce's SplitPercentage). Where a deal's rows give shares they must add up to 100 and replace the program's role shares for that deal."),
    ),
)

# Keys that were renamed or that other YAML tools misread; the reader says what to write.
RENAMED_KEYS = {
    "on": "measure (YAML 1.1 tools read the key 'on' as the boolean true)",
    "off": "measure",
    "threshold": "at_least (or above)",
    "cap_amount": "cap",
}

# Canonical fields with a known type; other fields are text unless declared.
FIELD_TYPES = {
    "amount": "money",
    "close_value": "money",
    "count": "number",
    "share": "number",
    "close_date": "date",
    "date": "date",
    "hire_date": "date",
    "end_date": "date",
    "engage_date": "date",
    "created_date": "date",
    "chosen_on": "date",
    "from": "date",  # leave, draws
    "paid_on": "date",
    "effective_from": "date",
    "rate": "number",
    "recovery_share": "number",
    "cap": "money",
    "to": "date",
}
REQUIRED_FIELDS = {
    "roster": ("person_id",),
    "deals": ("owner", "amount"),
    "activities": ("owner",),
    "splits": ("deal_id", "role", "person"),
    "choices": ("person", "goal", "chosen_on"),
    "leave": ("person", "from", "to"),
    "adjustments": ("person", "period", "amount", "reason", "approver"),
    "draws": ("person", "type", "amount", "from", "to"),
    "invoices": ("deal_id",),
    "fx": ("currency", "payout_currency", "rate", "effective_from"),
}
DEFAULT_DATE_FIELD = {"deals": "close_date", "activities": "date"}
FACT_TABLES = ("deals", "activities")
# Source options that apply to some tables only; declared on another, they are an error
# (option-not-applicable) rather than ignored.
TABLE_OPTIONS = {
    "add_people": ("roster",),
    "unknown_managers": ("roster",),
    "manager_optional": ("roster",),
    "join": ("roster",),
    "key": ("deals",),
    "key_case": ("deals",),
    "duplicates": ("deals",),
    "order": ("deals",),
    "ceiling": ("adjustments",),
    "owner_match": FACT_TABLES,
    "unknown_owners": FACT_TABLES,
    "date": FACT_TABLES,
    "blank": FACT_TABLES,
}


def default_type(field: str) -> str:
    if field in FIELD_TYPES:
        return FIELD_TYPES[field]
    if field.startswith("quota") or field.endswith("_amount"):
        return "money"
    if field.endswith("_date"):
        return "date"
    return "text"
