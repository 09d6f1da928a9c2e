"""The logic analyses: constant conditions, shadowed rows, overlapping rules and gaps.

* ``pol-always-false`` / ``pol-always-true``: a condition (of a row, rule, constraint or
  warning) that no fact set makes true / false;
* ``pol-shadowed``: a ``first match`` row that never applies because the rows before it
  cover every case where its condition holds (the hint names them), or a rule that never
  takes effect because an exception overrides it wherever it applies;
* ``pol-overlap``: two rules concluding one decision, neither an exception to the other,
  that can apply together with different values (a ``ConflictError`` at run time);
* ``pol-gap``: fact sets for which no row or rule of a decision applies.

Every question is "is there a fact set the policy accepts where ...?". Runs of the real
engine on random fact sets that meet the constraints (:mod:`~policylang.analysis.search`)
answer most of them with a yes. Only what no run shows goes to the solver
(:mod:`~policylang.analysis.solver`), and only then is the policy encoded; its models are
run on the engine too. A "never" is a proof over all fact sets (for the parameters'
default values, which the message names when they matter); a "can" comes with an example
fact set on which the engine itself shows it. A candidate example the engine does not
confirm is reported only where the encoding had to leave part of the policy opaque, and
the message then says that the result is not exhaustive.

All of it runs within one time budget (``budget_s``; :attr:`Limits.analysis_seconds
<policylang.base.limits.Limits.analysis_seconds>` in ``policylang check``): the solver's
questions and the search between them. When the budget runs out the analyses stop
where they are, and ``pol-analysis-stopped`` says so: the findings up to then stand,
what was not reached is not checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import z3

from policylang.analysis import domain as D
from policylang.analysis.encode import DecisionModel, Encoder, Note
from policylang.analysis.observe import Facts, Key, Observer
from policylang.analysis.sampling import Sampler
from policylang.analysis.search import Search
from policylang.analysis.solver import Session, false_value
from policylang.analysis.witness import facts_from_model, nice, render
from policylang.base.errors import Diagnostic
from policylang.base.span import Span
from policylang.ir import program as ir

RETRIES = 3
Formulas = Callable[[], Sequence[Any]]


class Level:
    """An encoding of the program and its solver session: the calendar approximate or exact."""

    def __init__(
        self, program: ir.Program, *, exact: bool, timeout_ms: int, deadline: float, free_parameters: bool = False
    ) -> None:
        self.exact = exact
        self.encoder = Encoder(program, exact=exact, free_parameters=free_parameters)
        self.session = Session(self.encoder, timeout_ms=timeout_ms, deadline=deadline)


class Analyses:
    """Runs every logic analysis on one checked program and collects the diagnostics."""

    def __init__(
        self,
        program: ir.Program,
        *,
        main_file: str | None = None,
        timeout_ms: int = 2000,
        budget_s: float = 10.0,
        samples: int = 200,
        seed: int = 1998,
    ) -> None:
        self.program = program
        self.main_file = main_file if main_file is not None else (program.files[-1] if program.files else None)
        self.timeout_ms = timeout_ms
        self.deadline = time.monotonic() + budget_s  # for all the solver's questions about this program
        self.levels: list[Level] = [self._level(exact=False)]
        self.current = self.levels[0]
        self.free: Level | None = None  # parameters free: does a proof need their defaults?
        self.proof: tuple[Formulas, str | None] | None = None  # the last question answered "never"
        self.observer = Observer(program)
        self.sampler = Sampler(program, seed)
        self.search = Search(program, self.sampler, self.observer, seed)
        self.samples = samples
        self.budget_s = budget_s
        self.stopped = False  # the budget ran out: what follows was not checked
        self.diagnostics: list[Diagnostic] = []

    @property
    def encoder(self) -> Encoder:
        return self.current.encoder

    @property
    def session(self) -> Session:
        return self.current.session

    def _level(self, exact: bool, free_parameters: bool = False) -> Level:
        return Level(
            self.program,
            exact=exact,
            timeout_ms=self.timeout_ms,
            deadline=self.deadline,
            free_parameters=free_parameters,
        )

    def level(self, exact: bool) -> Level:
        """The approximate or the exact encoding, made when first needed."""
        if exact and len(self.levels) == 1:
            self.levels.append(self._level(exact=True))
        self.current = self.levels[1 if exact else 0]
        return self.current

    def mine(self, span: Span) -> bool:
        return self.main_file is None or span.file == self.main_file

    def warn(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, "warning", hint))

    def spent(self) -> bool:
        """Whether the time budget has run out (then every analysis stops where it is)."""
        if not self.stopped and time.monotonic() > self.deadline:
            self.stopped = True
        return self.stopped

    def run(self) -> list[Diagnostic]:
        self.sample(self.samples)
        for info in self.program.decisions.values():
            if self.mine(info.span) and not self.spent():
                self.decision(info)
        for rule in self.program.rules.values():
            if self.spent():
                break
            if rule.condition is not None and self.mine(rule.span):
                condition = rule.condition
                self.constant(
                    ("rule", rule.rule_id),
                    condition,
                    f"the condition of rule `{rule.rule_id}`",
                    functools.partial(self.encode_condition, condition),
                )
        for w in self.program.warnings:
            if w.condition is not None and self.mine(w.span):
                condition = w.condition
                self.constant(
                    ("warning", w.name),
                    condition,
                    f"the condition of warning `{w.name}`",
                    functools.partial(self.encode_condition, condition),
                )
        for c in self.program.constraints:
            if self.mine(c.span) and not self.spent():
                self.constraint(c)
        if self.spent():
            self._report_stopped()
        return self.diagnostics

    def _report_stopped(self) -> None:
        """Say that the budget ran out, at the policy's header (or its first declaration)."""
        header = self.program.header.span
        spans = [header] if header is not None else []
        spans += [d.span for d in self.program.decisions.values()] + [r.span for r in self.program.rules.values()]
        mine = [span for span in spans if self.mine(span)]
        if not mine:
            return
        self.warn(
            "pol-analysis-stopped",
            f"the logic analyses stopped after {self.budget_s:g} s, so they checked only part of the policy",
            mine[0],
            hint="findings reported stand; the rest is unchecked. Raise the limit `analysis_seconds` "
            "(POLICYLANG_LIMITS) to check more",
        )

    # -- runs and questions ----------------------------------------------------------

    def sample(self, count: int, patience: int = 40) -> None:
        """Run random fact sets until ``count``, or until ``patience`` runs in a row show nothing new."""
        obs = self.observer
        quiet = 0
        for _ in range(count):
            if self.spent():
                break
            before = obs.progress
            obs.observe(self.search.facts([]))
            quiet = 0 if obs.progress > before else quiet + 1
            if quiet >= patience:
                break

    def seen(self, key: Key) -> bool:
        obs = self.observer
        kind, rest = key[0], key[1:]
        if kind == "true":
            return rest[0] in obs.true
        if kind == "false":
            return rest[0] in obs.false
        if kind == "reached":
            return rest in obs.reached
        if kind == "active":
            return rest in obs.active
        return False

    def can(self, key: Key, formulas: Formulas, without_constraint: str | None = None) -> bool | None:
        """Whether some accepted fact set shows ``key``; ``False`` is a proof that none does.

        Runs already made answer first, then the solver on ``formulas()`` (encoded only then).
        """
        if self.seen(key):
            return True
        approximate: tuple[Any, Encoder] | None = None  # the approximate calendar's model
        for exact in (False, True):
            level = self.level(exact)
            asked, notes = level.encoder.noted(formulas)
            prefer = self.skeleton(*approximate, level.encoder) if approximate is not None else []
            answer = level.session.ask(asked, notes=notes, without_constraint=without_constraint, prefer=prefer)
            if answer.unsat:
                self.proof = (formulas, without_constraint)
                return False
            if not answer.sat:
                return None
            facts = self.complete(
                facts_from_model(answer.model, level.encoder.facts, level.encoder.facts, self.program)
            )
            self.observer.observe(facts)
            if exact or self.seen(key) or ("approx", "calendar") not in notes or any(k == "opaque" for k, _ in notes):
                return True  # (with opaque parts the exact calendar could not settle it either)
            if self.repair(facts, [n for k, n in notes if k == "fact"], lambda: self.seen(key)):
                return True
            approximate = (answer.model, level.encoder)
        return True

    def caveat(self, *exprs: ir.Expr | None) -> str:
        """The note "(with the default value of `P`)" where the last proof needs parameters' defaults."""
        params = self.parameters(*exprs)
        if not params or self.proof is None:
            return _defaults(params)
        formulas, without_constraint = self.proof
        if self.free is None:
            self.free = self._level(exact=False, free_parameters=True)
        self.current = self.free
        try:
            asked, notes = self.free.encoder.noted(formulas)
            answer = self.free.session.ask(asked, notes=notes, without_constraint=without_constraint)
        finally:
            self.level(False)
        return "" if answer.unsat else _defaults(params)

    def repair(self, facts: Facts, names: list[str], done: Callable[[], bool], budget: int = 80) -> bool:
        """Shift the dates of a model a few days either way until a run shows what was sought.

        A model of the approximate calendar is right up to a few days (a month is 28 to 31
        days there); trying its neighbours is much cheaper than the exact calendar.
        """
        dates = [n for n in names if isinstance(facts.get(n), dt.date) and not isinstance(facts.get(n), dt.datetime)]
        tries = 0
        for delta in (1, -1, 2, -2, 3, -3, 5, -5, 8, -8):
            for name in dates:
                day = facts[name].toordinal() + delta
                if not 1 <= day <= dt.date.max.toordinal():
                    continue
                self.observer.observe({**facts, name: dt.date.fromordinal(day)})
                if done():
                    return True
                tries += 1
                if tries >= budget:
                    return False
        return False

    def skeleton(self, model: Any, source: Encoder, target: Encoder) -> list[Any]:
        """The model's values of the booleans and enums, as constraints on another encoding's facts.

        The exact encoding then only has to find the dates and numbers: much faster.
        """
        fixed = []
        for name, v in source.facts.items():
            w = target.facts.get(name)
            if w is None or w.kind != v.kind:
                continue
            if not D.is_false(v.null) and not D.is_false(w.null):
                fixed.append(w.null == model.eval(v.null, model_completion=True))
            if v.kind in (D.BOOL, D.ENUM):
                fixed.append(w.term == model.eval(v.term, model_completion=True))
        return fixed

    def complete(self, facts: Facts) -> Facts:
        """``facts`` with a sampled value for every fact the model does not give."""
        return {n: facts[n] if n in facts else self.sampler.value(f.type) for n, f in self.program.facts.items()}

    # -- constant conditions ----------------------------------------------------------

    def constant(self, key: Key, e: ir.Expr, what: str, holds: Callable[[], Any]) -> str | None:
        """Report a condition that is always false or always true; say which, or ``None``.

        ``holds()`` encodes the condition (in the current level's encoding).
        """
        if self.seen(("true", key)) and self.seen(("false", key)):
            return None
        if self.can(("true", key), lambda: [holds()]) is False:
            self.warn(
                "pol-always-false",
                f"{what} is never true{self.caveat(e)}",
                e.span,
                hint="no fact set allowed by the constraints makes it true; check the condition",
            )
            return "false"
        if self.can(("false", key), lambda: [D.z_not(holds())]) is False:
            self.warn(
                "pol-always-true",
                f"{what} is always true{self.caveat(e)}",
                e.span,
                hint="every fact set allowed by the constraints makes it true; drop it or check it",
            )
            return "true"
        return None

    def constraint(self, c: ir.ConstraintInfo) -> None:
        def encoded() -> tuple[Any, Any, Any]:
            enc = self.encoder
            when, require = enc.condition(c.condition), enc.expr(c.require, {})
            return when, false_value(require), D.truth(require, lambda: z3.Bool(enc.fresh.name("opaque")))

        if c.condition is not None and self.can(("true", ("applies", c.name)), lambda: [encoded()[0]], c.name) is False:
            self.warn(
                "pol-always-false",
                f"the condition of constraint `{c.name}` is never true{self.caveat(c.condition)}, so it never applies",
                c.condition.span,
                hint="no fact set allowed by the other constraints makes it true",
            )
            return
        if self.can(("true", ("broken", c.name)), lambda: encoded()[:2], c.name) is False:
            self.warn(
                "pol-always-true",
                f"the constraint `{c.name}` can never be broken{self.caveat(c.condition, c.require)}",
                c.require.span,
                hint="every fact set it applies to meets it (given the other constraints); remove it or check it",
            )
        elif self.can(("true", ("met", c.name)), lambda: encoded()[::2], c.name) is False:
            self.warn(
                "pol-always-false",
                f"the constraint `{c.name}` rejects every fact set it applies to{self.caveat(c.condition, c.require)}",
                c.require.span,
                hint="no fact set it applies to meets `require`; check the condition",
            )

    # -- decisions -----------------------------------------------------------------

    def model(self, name: str) -> DecisionModel:
        """The decision in the current level's encoding."""
        return self.encoder.decision(name)

    def encode_condition(self, e: ir.Expr) -> Any:
        return self.encoder.condition(e)

    def row_condition(self, name: str, i: int) -> Any:
        return self.model(name).conditions[i]

    def formulas(self, name: str, part: str, i: int) -> list[Any]:
        """One row's ``conditions`` or ``active`` term, as the formulas of a question."""
        return [getattr(self.model(name), part)[i]]

    def row_notes(self, name: str, *rows: int) -> frozenset[Note]:
        model = self.model(name)
        return frozenset().union(*(model.row_notes[i] for i in rows))

    def decision(self, info: ir.DecisionInfo) -> None:
        if info.kind == "expr":
            return
        constant: list[str | None] = []
        for i, row in enumerate(info.rows):
            if row.condition is None or self._from_rule(row) or self.spent():
                constant.append(None)
                continue
            what = f"the condition of this row of `{info.name}`"
            key = ("row", info.name, i)
            holds = functools.partial(self.row_condition, info.name, i)
            constant.append(self.constant(key, row.condition, what, holds))
        if info.kind == "first_match":
            self.shadowed(info, constant)
            if info.rows and info.rows[-1].condition is not None:
                self.gap(info)
        else:
            self.overridden(info)
            if info.kind == "rules":
                self.overlaps(info)
                if info.default is None:
                    self.gap(info)

    def _from_rule(self, row: ir.RowInfo) -> bool:
        """A row made from a rule's `then`: its condition is checked with the rule."""
        rules = self.program.rules
        return len(row.rules) == 1 and row.rules[0] in rules and row.span == rules[row.rules[0]].span

    def shadowed(self, info: ir.DecisionInfo, constant: Sequence[str | None]) -> None:
        """Rows of a first-match table that the rows before them always beat."""
        rows = info.rows
        for i in range(1, len(rows)):
            if self.spent():
                return
            if constant[i] == "false":
                continue
            if "true" in constant[:i]:
                first = constant.index("true")
                caveat = _defaults(self.parameters(rows[first].condition))
                self._report_shadowed(info, i, [first], caveat)
                continue

            def reach(i: int = i) -> list[Any]:
                model = self.model(info.name)
                return [model.conditions[i], *[D.z_not(model.conditions[j]) for j in range(i)]]

            if self.can(("reached", info.name, i), reach) is False:
                caveat = self.caveat(*(row.condition for row in rows[: i + 1]))
                covering = self._covering(info, i) if rows[i].condition is not None else []
                self._report_shadowed(info, i, covering, caveat)

    def _covering(self, info: ir.DecisionInfo, i: int) -> list[int]:
        """The earlier rows that can apply together with row ``i``: between them, they cover it."""
        self.level(False)
        model = self.model(info.name)
        return [j for j in range(i) if not self.session.ask([model.conditions[i], model.conditions[j]]).unsat]

    def _report_shadowed(self, info: ir.DecisionInfo, i: int, covering: list[int], caveat: str) -> None:
        row = info.rows[i]
        lines = _and_list([str(info.rows[j].span.line) for j in covering])
        where = f"the row on line {lines}" if len(covering) == 1 else f"the rows on lines {lines}"
        if row.condition is None:
            message = f"the `otherwise` row of `{info.name}` can never apply: the rows before it cover every case"
            hint = "remove the `otherwise` row, or check whether a case is missing from the rows before it"
        else:
            message = f"this row of `{info.name}` can never apply: the rows before it cover every case where it would"
            hint = f"covered by {where}; remove the row or move it up"
        self.warn("pol-shadowed", message + caveat, row.span, hint=hint)

    def overridden(self, info: ir.DecisionInfo) -> None:
        """Rules that never take effect because their exceptions always override them."""
        for i, row in enumerate(info.rows):
            if self.spent():
                return
            if not row.exceptions or not self.mine(row.span):
                continue
            key = ("true", ("row", info.name, i))
            if self.can(key, functools.partial(self.formulas, info.name, "conditions", i)) is not True:
                continue  # never applies at all: reported as an always-false condition
            if (
                self.can(("active", info.name, i), functools.partial(self.formulas, info.name, "active", i))
                is not False
            ):
                continue
            name = row.rules[0] if row.rules else "this rule"
            others = _and_list([f"`{info.rows[j].rules[0]}`" for j in row.exceptions if info.rows[j].rules])
            caveat = self.caveat(row.condition, *(info.rows[j].condition for j in row.exceptions))
            self.warn(
                "pol-shadowed",
                f"the rule `{name}` never takes effect: wherever it applies, an exception to it applies too" + caveat,
                row.span,
                hint=f"overridden by {others}; narrow the exception or remove the rule",
            )

    # -- rules that disagree ---------------------------------------------------------

    def overlaps(self, info: ir.DecisionInfo) -> None:
        rows = info.rows
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if self.spent():
                    return
                a, b = rows[i].value, rows[j].value
                if isinstance(a, ir.Const) and isinstance(b, ir.Const) and a.value == b.value:
                    continue
                key = (info.name, i, j)

                def formulas(i: int = i, j: int = j) -> list[Any]:
                    model = self.model(info.name)
                    fresh = lambda: z3.Bool(self.encoder.fresh.name("same"))  # noqa: E731
                    return [model.active[i], model.active[j], D.z_not(D.equal(model.values[i], model.values[j], fresh))]

                found = self.example(
                    info.name,
                    self.observer.conflicts.get(key),
                    formulas,
                    functools.partial(self.row_notes, info.name, i, j),
                    functools.partial(self.observer.conflict, info.name, i, j),
                )
                if found is None:
                    continue
                facts, confirmed, notes = found
                notes = notes | self.parameters(rows[i].condition, rows[j].condition, rows[i].value, rows[j].value)
                first = rows[i].rules[0] if rows[i].rules else f"line {rows[i].span.line}"
                second = rows[j].rules[0] if rows[j].rules else f"line {rows[j].span.line}"
                self.warn(
                    "pol-overlap",
                    f"the rules `{first}` and `{second}` can both apply and conclude different values of "
                    f"`{info.name}`" + _maybe(confirmed, notes),
                    rows[j].span,
                    hint=f"for example {render(facts, self.program)}; declare one an `exception to` the other, "
                    "or make their conditions exclusive",
                )

    # -- gaps ------------------------------------------------------------------------

    def gap(self, info: ir.DecisionInfo) -> None:
        if self.spent():
            return

        def formulas() -> list[Any]:
            model = self.model(info.name)
            return [D.z_not(D.z_or(*(model.active if info.kind == "rules" else model.conditions)))]

        found = self.example(
            info.name,
            self.observer.gaps.get(info.name),
            formulas,
            lambda: self.model(info.name).notes,
            lambda facts: self.observer.no_rule(info.name, facts),
        )
        if found is None:
            return
        facts, confirmed, notes = found
        notes = notes | self.parameters(*(row.condition for row in info.rows))
        if info.kind == "rules":
            message = f"no rule concludes `{info.name}` for some fact sets"
            fix = f"add a rule for this case, or a `default` to `{info.name}`"
        else:
            message = f"no row of `{info.name}` applies to some fact sets"
            fix = "add a row for this case, or an `otherwise` row"
        self.warn(
            "pol-gap",
            message + _maybe(confirmed, notes),
            info.span,
            hint=f"for example {render(facts, self.program)}; {fix}",
        )

    # -- examples ----------------------------------------------------------------------

    def example(
        self,
        decision: str,
        seen: Facts | None,
        formulas: Formulas,
        notes_of: Callable[[], frozenset[Note]],
        confirm: Callable[[Facts], bool],
    ) -> tuple[Facts, bool, frozenset[Note]] | None:
        """An example fact set where ``formulas`` (about ``decision``) hold, confirmed on the engine where possible.

        The decisions ``decision`` uses are asked to have a value (a gap of theirs is theirs
        to report). Returns the shrunk example, whether the engine confirmed it and the
        notes of the encoding, or ``None`` when there is none (or only unconfirmed ones
        although nothing was opaque).
        """
        if seen is not None and confirm(seen):
            return self.observer.shrink(seen, confirm), True, frozenset()
        found = self._example(decision, formulas, notes_of, confirm, exact=False)
        if found is not None and not found[1] and ("approx", "calendar") in found[2]:
            found = self._example(decision, formulas, notes_of, confirm, exact=True)
        return found

    def _example(
        self,
        decision: str,
        formulas: Formulas,
        notes_of: Callable[[], frozenset[Note]],
        confirm: Callable[[Facts], bool],
        exact: bool,
    ) -> tuple[Facts, bool, frozenset[Note]] | None:
        level = self.level(exact)
        base, notes = level.encoder.noted(lambda: list(formulas()))
        notes = notes | notes_of()
        enc = level.encoder
        names = [n for kind, n in notes if kind == "fact"]
        decisions = [n for kind, n in notes if kind == "decision" and n != decision]
        defined = [enc.decision_models[d].defined for d in decisions if d in enc.decision_models]
        prefer = [c for n in names if n in enc.facts for c in nice(enc.facts[n], self.program.facts[n].type)]
        blocked: list[Any] = []
        first: Facts | None = None
        for _ in range(RETRIES):
            answer = self.session.ask([*base, *defined, *blocked], notes=notes, prefer=prefer)
            if not answer.sat:
                break
            facts = self.complete(facts_from_model(answer.model, enc.facts, names, self.program))
            self.observer.observe(facts)
            first = first if first is not None else facts
            if confirm(facts):
                return self.observer.shrink(facts, confirm), True, notes
            block = _differs(answer.model, [enc.facts[n] for n in names if n in enc.facts])
            if block is None:
                break
            blocked.append(block)
        if first is not None and any(kind in ("opaque", "approx") for kind, _ in notes):
            return {n: first[n] for n in first if n in names}, False, notes
        return None

    def parameters(self, *exprs: ir.Expr | None) -> frozenset[Note]:
        """The parameters whose default values ``exprs`` use, through ``let`` values and decisions."""
        found: set[Note] = set()
        seen: set[tuple[str, str]] = set()
        pending = [e for e in exprs if e is not None]
        program = self.program
        while pending:
            for ref in ir.refs(pending.pop()):
                key = (ref.kind, ref.name)
                if key in seen:
                    continue
                seen.add(key)
                if ref.kind == "parameter":
                    found.add(("parameter", ref.name))
                    pending.append(program.parameters[ref.name].default)
                elif ref.kind == "let":
                    pending.append(program.lets[ref.name].expr)
                elif ref.kind == "decision":
                    d = program.decisions[ref.name]
                    for row in (*d.rows, *([d.default] if d.default else [])):
                        pending.extend(x for x in (row.value, row.condition) if x is not None)
        return frozenset(found)


def _differs(model: Any, values: Iterable[D.Val]) -> Any:
    """A formula that excludes the model's values of these facts."""
    parts = []
    for v in values:
        if v.kind in (D.BOOL, D.NUM, D.DATE, D.YMD, D.DATETIME, D.TIME, D.ENUM, D.TEXT):
            parts.append(v.term != model.eval(v.term, model_completion=True))
        if not D.is_false(v.null):
            parts.append(v.null != model.eval(v.null, model_completion=True))
    return z3.Or(*parts) if parts else None


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _defaults(notes: frozenset[Note]) -> str:
    """A note that a result holds for the parameters' default values, where it uses any."""
    params = sorted(n for kind, n in notes if kind == "parameter")
    if not params:
        return ""
    shown = ", ".join(f"`{p}`" for p in params[:3]) + (", ..." if len(params) > 3 else "")
    return f" (with the default value{'s' if len(params) > 1 else ''} of {shown})"


def _maybe(confirmed: bool, notes: frozenset[Note]) -> str:
    """The caveat of a finding the engine did not confirm; the defaults it assumes."""
    if confirmed:
        return _defaults(notes)
    opaque = sorted(n for kind, n in notes if kind == "opaque")
    shown = ", ".join(f"`{' '.join(o.split())}`" for o in opaque[:2]) + (", ..." if len(opaque) > 2 else "")
    return f"{_defaults(notes)} (possibly; not exhaustive: the analysis cannot evaluate {shown})"
