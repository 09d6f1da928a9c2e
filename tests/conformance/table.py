"""The conformance table: small policies, fact sets, and what every backend must conclude.

One definition of the semantics of decisions (first match, collect, rules with exceptions
and defaults, conflicts, "no rule applies", unknown facts and Kleene logic), written once
as data. :mod:`tests.conformance.backends` runs each entry on the row engine
(``Policy.evaluate``), the vectorised batch backend (``Policy.evaluate_many``) and the z3
encoding of the logic analyses, and reports every difference from the table.

An entry names a policy of this module (a few lines of ``.pol`` text), the facts (absent
facts are unknown) and, per decision, the expected outcome: a value in the JSON form of
``Result.decisions``, ``U("f", ...)`` with the facts that could decide it
(``Result.undetermined``), or ``no_rule("d", ...)`` with the decisions no rule decided
(``Result.no_rule``). ``conflict=True`` says the evaluation stops with a conflict. Where a
backend is entitled to answer differently, the entry says so, and why:

* ``z3``: the outcome in the z3 encoding, where it differs. The encoding is two-valued:
  an unknown fact is a free variable, so it decides what Kleene's logic leaves open
  (``a or not a`` is true for every ``a``); and where no rule decides a decision, its
  value is left free, so that what depends on it is undetermined there;
* ``z3_declines``: decisions the encoding does not represent (their value is free);
* ``vectorised_declines``: decisions the vectorised backend computes row by row, with a
  word of its reason; every other decision must be computed as Polars expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class Undetermined:
    """Expected: the decision is undetermined; these facts could decide it."""

    facts: tuple[str, ...] = ()


@attrs.frozen
class NoRule:
    """Expected: no rule decides the decision (it waits for these decisions)."""

    blocked: tuple[str, ...] = ()


def U(*facts: str) -> Undetermined:
    """Undetermined; ``facts`` could decide it."""
    return Undetermined(tuple(facts))


def no_rule(*blocked: str) -> NoRule:
    """No rule applies; the decision waits for the ``blocked`` decisions."""
    return NoRule(tuple(blocked))


@attrs.frozen
class Entry:
    """One row of the table: a policy, a fact set, and the outcome every backend must give."""

    name: str
    policy: str
    facts: Mapping[str, Any]
    expect: Mapping[str, Any] = attrs.field(factory=dict)
    conflict: bool = False
    z3: Mapping[str, Any] = attrs.field(factory=dict)
    z3_declines: frozenset[str] = frozenset()
    vectorised_declines: Mapping[str, str] = attrs.field(factory=dict)
    why: str = ""

    @property
    def kind(self) -> str:
        """The part of the semantics the entry is about (the first word of its name)."""
        return self.name.split("/")[0]


# -- the policies ------------------------------------------------------------------------

POLICIES: dict[str, str] = {
    "logic": """
fact a: bool
fact b: bool
decision both: bool = a and b
decision either: bool = a or b
decision neg: bool = not a
decision implies: bool = not a or b
decision middle: bool = a or not a
decision contradiction: bool = a and not a
""",
    "compare": """
fact n: int
fact m: int
decision adult: bool = n >= 18
decision between: bool = 10 <= n < 20
decision doubled: int = n * 2 + m
decision band: enum { low, high } = if n < 10 then low else high
decision in_order: bool = n < m and m < 100
""",
    "fact_default": """
fact children: int default 0
fact single: bool default false
fact income: int
decision supplement: int = children * 1000 + (if single then 500 else 0)
decision eligible: bool = income < 300 and (single or children > 0)
""",
    "dated": """
fact day: date
fact income: int
parameter LIMIT: int
  from 2015-01-01 = 100
  from 2017-01-01 = 200
parameter SCALE: scale of int
  from 2015-01-01 = scale { 0: 0.1, 100: 0.5 }
  from 2017-01-01 = scale { 0: 0.2 }
decision over: bool = income > LIMIT at day
decision over_in_2015: bool = income > LIMIT at 2015-06-01
decision tax: decimal = marginal(SCALE at day, income)
decision flat: decimal = average(SCALE at 2015-06-01, income)
""",
    "first": """
fact a: bool
fact b: bool
decision d: enum { x, y, z }
  first match
    x when a
    y when b
    z otherwise
""",
    "agree": """
fact a: bool
fact b: bool
decision d: enum { x, y }
  first match
    x when a
    x when b
    y otherwise
""",
    "gap": """
fact a: bool
fact b: bool
decision d: enum { x, y }
  first match
    x when a
    y when b
decision e: bool = d = x
""",
    "exceptions": """
fact adult: bool
fact fraud: bool
fact permit: bool
rule R-MAIN cites S "§ 4" when adult then eligible = yes
rule R-FRAUD cites S "§ 4, stk. 2" exception to R-MAIN when fraud then eligible = no
rule R-PERMIT cites S "§ 4, stk. 3" exception to R-FRAUD when permit then eligible = yes
decision eligible: enum { yes, no }
  default no
""",
    "rules": """
fact a: bool
fact b: bool
fact c: bool
rule R-ONE cites S "§ 1" when a then d = 1
rule R-TWO cites S "§ 2" when b then d = 2
rule R-SAME cites S "§ 3" when c then d = 1
decision d: int
""",
    "override": """
fact a: bool
fact b: bool
rule R-A cites S "§ 1" when a then d = 1
rule R-B cites S "§ 2" exception to R-A when b then d = 2
decision d: int
""",
    "collect": """
fact a: bool
fact b: bool
type code = enum { first, second, third }
decision codes: list of code
  collect
    add second when b
    add first when a
    add second when a and b
    add third
decision code_set: set of code
  collect
    add third
    add first when a
""",
    "collect_rules": """
fact a: bool
fact b: bool
rule EX-A cites S "a" when a then add EX-A to reasons
rule EX-B cites S "b" exception to EX-A when b then add EX-B to reasons
decision reasons: list of rule
""",
    "collect_numbers": """
fact a: bool
fact b: bool
decision amounts: list of int
  collect
    add 1 when a
    add 2 when b
""",
    "decimal": """
fact income: decimal
fact low: bool
decision share: decimal = income * 0.5
decision poor: bool = low and income < 100
""",
}


def _logic(name: str, facts: dict[str, Any], expect: dict[str, Any], **extra: Any) -> Entry:
    return Entry(f"kleene/{name}", "logic", facts, expect, **extra)


TABLE: list[Entry] = [
    # -- Kleene's three-valued logic: false and unknown is false, true or unknown is true
    _logic(
        "known",
        {"a": True, "b": False},
        {
            "both": False,
            "either": True,
            "neg": False,
            "implies": False,
            "middle": True,
            "contradiction": False,
        },
    ),
    _logic(
        "false-and-unknown",
        {"a": False},
        {"both": False, "either": U("b"), "neg": True, "implies": True, "middle": True, "contradiction": False},
    ),
    _logic(
        "true-or-unknown",
        {"a": True},
        {"both": U("b"), "either": True, "neg": False, "implies": U("b"), "middle": True, "contradiction": False},
    ),
    _logic(
        "unknown-and-false",
        {"b": False},
        {"both": False, "either": U("a"), "neg": U("a"), "implies": U("a"), "middle": U("a"), "contradiction": U("a")},
        z3={"middle": True, "contradiction": False},
        why="classical logic decides `a or not a` and `a and not a` for every a; Kleene's does not",
    ),
    _logic(
        "unknown-or-true",
        {"b": True},
        {"both": U("a"), "either": True, "neg": U("a"), "implies": True, "middle": U("a"), "contradiction": U("a")},
        z3={"middle": True, "contradiction": False},
        why="classical logic decides `a or not a` and `a and not a` for every a; Kleene's does not",
    ),
    _logic(
        "all-unknown",
        {},
        {
            "both": U("a", "b"),
            "either": U("a", "b"),
            "neg": U("a"),
            "implies": U("a", "b"),
            "middle": U("a"),
            "contradiction": U("a"),
        },
        z3={"middle": True, "contradiction": False},
        why="classical logic decides `a or not a` and `a and not a` for every a; Kleene's does not",
    ),
    # -- comparisons and arithmetic on unknowns
    Entry(
        "compare/known",
        "compare",
        {"n": 12, "m": 30},
        {"adult": False, "between": True, "doubled": 54, "band": "high", "in_order": True},
    ),
    Entry(
        "compare/chain-false",
        "compare",
        {"n": 25, "m": 3},
        {"adult": True, "between": False, "doubled": 53, "band": "high", "in_order": False},
    ),
    Entry(
        "compare/at-the-bounds",
        "compare",
        {"n": 10, "m": 100},
        {"adult": False, "between": True, "doubled": 120, "band": "high", "in_order": False},
        why="`10 <= n` holds at 10, `n < 10` and `m < 100` do not hold at the bound",
    ),
    Entry(
        "compare/upper-bound",
        "compare",
        {"n": 20, "m": 99},
        {"adult": True, "between": False, "doubled": 139, "band": "high", "in_order": True},
    ),
    Entry(
        "compare/unknown-operand",
        "compare",
        {"m": 5},
        {"adult": U("n"), "between": U("n"), "doubled": U("n"), "band": U("n"), "in_order": U("n")},
    ),
    Entry(
        "compare/unknown-second-operand",
        "compare",
        {"n": 500},
        {"adult": True, "between": False, "doubled": U("m"), "band": "high", "in_order": U("m")},
        z3={"in_order": False},
        why="`n < m and m < 100` with n = 500: each part alone waits for m, but no m makes both true",
    ),
    Entry(
        "compare/chain-unknown-false",
        "compare",
        {"m": 200},
        {"adult": U("n"), "between": U("n"), "doubled": U("n"), "band": U("n"), "in_order": False},
        why="`m < 100` is false, so the conjunction is false whatever n is",
    ),
    # -- first match: the first row whose condition holds
    Entry("first/first-row", "first", {"a": True, "b": False}, {"d": "x"}),
    Entry("first/first-of-two", "first", {"a": True, "b": True}, {"d": "x"}),
    Entry("first/second-row", "first", {"a": False, "b": True}, {"d": "y"}),
    Entry("first/otherwise", "first", {"a": False, "b": False}, {"d": "z"}),
    Entry("first/later-unknown-ignored", "first", {"a": True}, {"d": "x"}),
    Entry("first/earlier-unknown", "first", {"b": True}, {"d": U("a")}),
    Entry("first/later-unknown", "first", {"a": False}, {"d": U("b")}),
    Entry("first/all-unknown", "first", {}, {"d": U("a", "b")}),
    Entry("first/agreeing-rows", "agree", {"b": True}, {"d": "x"}),
    Entry("first/agreeing-rows-first", "agree", {"a": True}, {"d": "x"}),
    Entry("first/disagreeing-rows", "agree", {"b": False}, {"d": U("a")}),
    Entry("first/agreeing-otherwise", "agree", {"a": False, "b": False}, {"d": "y"}),
    # -- no row applies: "no rule applies" is reported, and what reads the decision waits
    Entry(
        "no-rule/first-match",
        "gap",
        {"a": False, "b": False},
        {"d": no_rule("d"), "e": no_rule("d")},
        z3={"e": U()},
        why="the encoding leaves a decision no row decides free, so what reads it is undetermined there",
    ),
    Entry("no-rule/decided", "gap", {"a": True}, {"d": "x", "e": True}),
    Entry("no-rule/maybe", "gap", {"a": False}, {"d": U("b"), "e": U("b")}),
    Entry("no-rule/rules", "rules", {"a": False, "b": False, "c": False}, {"d": no_rule("d")}),
    Entry("no-rule/override", "override", {"a": False, "b": False}, {"d": no_rule("d")}),
    # -- rules with exceptions and a default
    Entry("exceptions/rule", "exceptions", {"adult": True, "fraud": False, "permit": False}, {"eligible": "yes"}),
    Entry("exceptions/exception", "exceptions", {"adult": True, "fraud": True, "permit": False}, {"eligible": "no"}),
    Entry(
        "exceptions/exception-to-exception",
        "exceptions",
        {"adult": True, "fraud": True, "permit": True},
        {"eligible": "yes"},
    ),
    Entry("default/none-applies", "exceptions", {"adult": False, "fraud": False, "permit": False}, {"eligible": "no"}),
    Entry(
        "default/unknown-rule-agrees",
        "exceptions",
        {"adult": False, "permit": False},
        {"eligible": "no"},
        why="R-FRAUD may apply, but it concludes what the default gives anyway",
    ),
    Entry("default/unknown-rule-disagrees", "exceptions", {"adult": False, "fraud": True}, {"eligible": U("permit")}),
    Entry("default/unknown-main-rule", "exceptions", {"fraud": False, "permit": False}, {"eligible": U("adult")}),
    Entry("exceptions/unknown-exception", "exceptions", {"adult": True, "permit": False}, {"eligible": U("fraud")}),
    Entry(
        "exceptions/unknown-exception-to-exception",
        "exceptions",
        {"adult": True, "fraud": True},
        {"eligible": U("permit")},
    ),
    Entry("exceptions/override-applies", "override", {"a": True, "b": True}, {"d": 2}),
    Entry("exceptions/override-does-not-apply", "override", {"a": True, "b": False}, {"d": 1}),
    Entry("exceptions/override-unknown", "override", {"a": True}, {"d": U("b")}),
    Entry("exceptions/only-the-exception", "override", {"a": False, "b": True}, {"d": 2}),
    # -- rules without a default: one value, a conflict, or none
    Entry("rules/one-applies", "rules", {"a": True, "b": False, "c": False}, {"d": 1}),
    Entry("rules/two-agree", "rules", {"a": True, "b": False, "c": True}, {"d": 1}),
    Entry("conflict/two-disagree", "rules", {"a": True, "b": True, "c": False}, conflict=True),
    Entry("conflict/three-apply", "rules", {"a": True, "b": True, "c": True}, conflict=True),
    Entry("rules/maybe-conflict", "rules", {"a": True, "c": False}, {"d": U("b")}),
    Entry("rules/maybe-none", "rules", {"a": False, "c": False}, {"d": U("b")}),
    # -- collect: every applicable row adds its item, in order, once
    Entry(
        "collect/all",
        "collect",
        {"a": True, "b": True},
        {"codes": ["second", "first", "third"], "code_set": ["first", "third"]},
    ),
    Entry("collect/some", "collect", {"a": False, "b": True}, {"codes": ["second", "third"], "code_set": ["third"]}),
    Entry("collect/unknown", "collect", {"a": True}, {"codes": U("b"), "code_set": ["first", "third"]}),
    Entry("collect/unknown-set", "collect", {"b": False}, {"codes": U("a"), "code_set": U("a")}),
    Entry("collect/rules", "collect_rules", {"a": True, "b": False}, {"reasons": ["EX-A"]}),
    Entry("collect/rules-exception", "collect_rules", {"a": True, "b": True}, {"reasons": ["EX-B"]}),
    Entry("collect/rules-none", "collect_rules", {"a": False, "b": False}, {"reasons": []}),
    Entry("collect/rules-unknown-exception", "collect_rules", {"a": True}, {"reasons": U("b")}),
    Entry(
        "collect/numbers",
        "collect_numbers",
        {"a": True, "b": True},
        {"amounts": [1, 2]},
        z3={"amounts": U()},
        z3_declines=frozenset({"amounts"}),
        why="the z3 encoding represents collects of enum members only",
    ),
    Entry(
        "collect/numbers-unknown",
        "collect_numbers",
        {"a": False},
        {"amounts": U("b")},
        z3_declines=frozenset({"amounts"}),
    ),
    # -- a fact's default: an absent fact takes it, a given one is read as given
    Entry("fact-default/absent", "fact_default", {}, {"supplement": 0, "eligible": False}),
    Entry("fact-default/absent-waits", "fact_default", {"children": 1}, {"supplement": 1000, "eligible": U("income")}),
    Entry(
        "fact-default/given",
        "fact_default",
        {"children": 2, "single": True, "income": 100},
        {"supplement": 2500, "eligible": True},
    ),
    Entry(
        "fact-default/one-given",
        "fact_default",
        {"single": True, "income": 500},
        {"supplement": 500, "eligible": False},
    ),
    # -- dated parameters (chosen by the evaluation date or an `at` date) and scales
    Entry(
        "dated/first-values",
        "dated",
        {"day": "2016-03-01", "income": 150},
        {"over": True, "over_in_2015": True, "tax": 35, "flat": 75},
        vectorised_declines={"over": "dated parameter", "tax": "`marginal`", "flat": "`average`"},
    ),
    Entry(
        "dated/later-values",
        "dated",
        {"day": "2018-01-01", "income": 150},
        {"over": False, "over_in_2015": True, "tax": 30, "flat": 75},
        vectorised_declines={"over": "dated parameter", "tax": "`marginal`", "flat": "`average`"},
    ),
    Entry(
        "dated/unknown-date",
        "dated",
        {"income": 150},
        {"over": U("day"), "over_in_2015": True, "tax": U("day"), "flat": 75},
        vectorised_declines={"over": "dated parameter", "tax": "`marginal`", "flat": "`average`"},
    ),
    Entry(
        "dated/unknown-amount",
        "dated",
        {"day": "2016-03-01"},
        {"over": U("income"), "over_in_2015": U("income"), "tax": U("income"), "flat": U("income")},
        vectorised_declines={"over": "dated parameter", "tax": "`marginal`", "flat": "`average`"},
    ),
    # -- declined by the vectorised backend: computed row by row, same answer
    Entry(
        "declined/decimal",
        "decimal",
        {"income": 50, "low": True},
        {"share": 25, "poor": True},
        vectorised_declines={"share": "decimal", "poor": "decimal"},
    ),
    Entry(
        "declined/decimal-unknown",
        "decimal",
        {"low": False},
        {"share": U("income"), "poor": False},
        vectorised_declines={"share": "decimal", "poor": "decimal"},
    ),
]


def entries(kind: str | None = None) -> list[Entry]:
    """The entries of the table, or those about one part of the semantics."""
    return [e for e in TABLE if kind is None or e.kind == kind]
