"""The result of evaluating a policy: decisions, what is undetermined and why, the trace.

``Result.to_dict()`` gives the contract's JSON shape (``policylang.result/2``, see
``docs/trace.rst``) with compatible extensions: ``reasons`` (the rule IDs behind each
decision), ``factors`` (what to weigh where a decision leaves discretion), ``no_rule``
(decisions no rule decided), ``warnings`` (validity and source warnings), ``parameters``
(values overridden), ``handoffs`` (other policies the person should also be evaluated
under), the values the evaluation read, once each (``facts``, ``lets``,
``parameter_values``), ``assumed`` (the facts absent from the fact set whose declared
``default`` was used; only where there are any), ``dated_parameters`` (each dated
parameter's value on the evaluation date and the date it is in force from; only where
there are any), and ``manifest``, the content hash of the policy manifest that
holds the static legal text the trace refers to.

A result is summarised from the evaluation's raw values the first time one of its parts
is read, so that evaluating many fact sets pays only for what is looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal, NamedTuple

import attrs

from policylang.ir import program as ir
from policylang.ir.values import Unknown
from policylang.trace.nodes import TraceNode

RESULT_FORMAT = "policylang.result/2"


@attrs.frozen
class ResultWarning:
    """A warning attached to a result, in Danish and English."""

    code: str
    en: str
    da: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "en": self.en, "da": self.da}


class DecisionView(NamedTuple):
    """What the result needs to know about one decision of the policy."""

    name: str
    slot: int
    kind: str
    encode: Callable[[Any], Any]


class ValueView(NamedTuple):
    """Where a fact, ``let`` value or parameter is in an evaluation's values, and how it is written."""

    name: str
    slot: int
    encode: Callable[[Any], Any]


@attrs.frozen
class ResultShape:
    """What every result of one engine shares: the program, its decisions and values, fact order, parameters."""

    program: ir.Program
    views: tuple[DecisionView, ...]
    fact_order: Mapping[str, int]
    parameters: Mapping[str, Any]
    facts: tuple[ValueView, ...] = ()
    lets: tuple[ValueView, ...] = ()
    parameter_values: tuple[ValueView, ...] = ()
    declared: ir.Program | None = None  # the program as written, where parameters replaced conditions


class NotDecidedError(KeyError):
    """``result.decisions[name]`` for a decision the result has no value for: it says why.

    The decision is undetermined (and waits for the facts named), no rule applied, or the
    policy has no decision of that name (with a "did you mean"). It is a ``KeyError``, as a
    dict's would be, so ``except KeyError`` still catches it; ``name`` is the name asked for.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name)
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return self.message


class Decisions(dict[str, Any]):
    """The decisions a result made, name to value: a ``dict`` that says why when asked for one it did not make.

    >>> decisions = Decisions({"adult": True}, undetermined={"eligible": ["income"]}, no_rule={},
    ...                       declared=["adult", "eligible"], policy="benefit")
    >>> decisions
    {'adult': True}
    >>> decisions["eligible"]
    Traceback (most recent call last):
      ...
    policylang.engine.result.NotDecidedError: `eligible` is undetermined: it waits for income
    >>> decisions["adlt"]
    Traceback (most recent call last):
      ...
    policylang.engine.result.NotDecidedError: the policy `benefit` has no decision `adlt`: did you mean `adult`?
    """

    __slots__ = ("declared", "no_rule", "policy", "undetermined")

    def __init__(
        self,
        decided: Mapping[str, Any] | None = None,
        *,
        undetermined: Mapping[str, list[str]],
        no_rule: Mapping[str, list[str]],
        declared: Collection[str],
        policy: str,
    ) -> None:
        super().__init__(decided or {})
        self.undetermined = undetermined
        self.no_rule = no_rule
        self.declared = declared
        self.policy = policy

    def __missing__(self, name: str) -> Any:
        raise NotDecidedError(name, self.why_not(name))

    def why_not(self, name: str) -> str:
        """Why there is no value for ``name``."""
        if name in self.undetermined:
            return f"`{name}` is undetermined: it waits for {', '.join(self.undetermined[name]) or 'unknown facts'}"
        if name in self.no_rule:
            before = [d for d in self.no_rule[name] if d != name]
            return f"`{name}` has no value: no rule applies" + (
                f" to {', '.join(before)}, which it depends on" if before else ""
            )
        if name not in self.declared:
            from policylang.base.suggest import suggest

            hint = suggest(name, self.declared)
            return f"the policy `{self.policy}` has no decision `{name}`" + (f": {hint}" if hint else "")
        return f"`{name}` has no value in this result"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_decisions, (dict(self), self.undetermined, self.no_rule, list(self.declared), self.policy))


def _decisions(
    decided: dict[str, Any],
    undetermined: Mapping[str, list[str]],
    no_rule: Mapping[str, list[str]],
    declared: list[str],
    policy: str,
) -> Decisions:
    return Decisions(decided, undetermined=undetermined, no_rule=no_rule, declared=declared, policy=policy)


class Result:
    """What a policy decided for one fact set, and why."""

    __slots__ = (
        "_fired",
        "_shape",
        "_summary",
        "_trace",
        "_trace_builder",
        "_v",
        "assumed",
        "dated",
        "handoffs",
        "warnings",
    )

    def __init__(
        self,
        shape: ResultShape,
        values: list[Any],
        fired: dict[str, Any],
        trace: Callable[[], list[TraceNode]],
        warnings: list[ResultWarning],
        handoffs: list[dict[str, Any]] | None = None,
        *,
        summary: dict[str, Any] | None = None,
        assumed: tuple[str, ...] = (),
        dated: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.warnings = warnings
        # each dated parameter's value on the evaluation date: {"date", "from" (its start), "value"}
        self.dated = dated or {}
        self.handoffs = handoffs or []
        self.assumed = assumed  # the facts absent from the fact set whose declared defaults were used
        self._shape = shape
        self._v = values
        self._fired = fired
        self._trace_builder = trace
        self._trace: list[TraceNode] | None = None
        self._summary: dict[str, Any] | None = summary  # given: a result read back from its JSON

    @property
    def policy(self) -> str:
        """The name of the policy evaluated: ``residence/help_and_repatriation``."""
        return self._shape.program.name

    @property
    def program(self) -> ir.Program:
        """The checked program that was evaluated, for explanations: labels, rules, citations."""
        return self._shape.program

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters set to other values than their defaults for this evaluation."""
        return dict(self._shape.parameters)

    def __repr__(self) -> str:
        return f"<Result {self.policy}: {self.decisions!r}, undetermined {sorted(self.undetermined)}>"

    # -- the parts of a result --------------------------------------------------

    @property
    def trace(self) -> list[TraceNode]:
        """The explanation: a list of trace nodes (empty when evaluated with ``trace=False``)."""
        if self._trace is None:
            self._trace = self._trace_builder()
        return self._trace

    @property
    def decisions(self) -> Decisions:
        """Every decision that could be decided, encoded like a fact value.

        A ``dict``; for a decision it has no value for, ``decisions[name]`` raises
        :class:`NotDecidedError` (a ``KeyError``) that says why.
        """
        return self._summarised()["decisions"]  # type: ignore[no-any-return]

    @property
    def values(self) -> dict[str, Any]:
        """The same decisions as Python values (``datetime.date``, ``Decimal``, ``frozenset``)."""
        return self._summarised()["values"]  # type: ignore[no-any-return]

    @property
    def exact(self) -> dict[str, Any]:
        """The decided decisions that hold decimals or amounts of money, written exactly.

        ``decisions`` writes a decimal as a JSON number, which a reader may round
        (583.3333333333334); here a decimal is its digits as text (``"583.3333"``) and an
        amount of money ``{"amount": "583.33", "currency": "DKK"}``, the form a fact set
        accepts. Decisions without decimals are left out; ``to_dict()`` has it as ``exact``
        where it is not empty.
        """
        summary = self._summarised()
        found = summary.get("exact")
        if found is None:
            exact = _exact_types(self._shape.program)
            found = summary["exact"] = {}
            if exact:
                from policylang.ir.values import encode_exact

                values = self.values
                found.update((name, encode_exact(values[name], t)) for name, t in exact.items() if name in values)
        return found

    @property
    def undetermined(self) -> dict[str, list[str]]:
        """Each decision that waits for unknown facts, with the facts that could decide it."""
        return self._summarised()["undetermined"]  # type: ignore[no-any-return]

    @property
    def missing(self) -> list[str]:
        """The unknown facts, the one that would settle the most undetermined decisions first."""
        return self._explained["missing"]  # type: ignore[no-any-return]

    @property
    def reasons(self) -> dict[str, list[str]]:
        """For each decided decision, the rule IDs of the rows that decided it."""
        return self._explained["reasons"]  # type: ignore[no-any-return]

    @property
    def factors(self) -> dict[str, list[dict[str, Any]]]:
        """Where a decision is left to discretion: the value, its rules and the factors to weigh."""
        return self._explained["factors"]  # type: ignore[no-any-return]

    @property
    def no_rule(self) -> dict[str, list[str]]:
        """Decisions no rule decided, with the decisions that caused it."""
        return self._summarised()["no_rule"]  # type: ignore[no-any-return]

    @property
    def complete(self) -> bool:
        """Whether every decision has a value: none is undetermined or without a rule."""
        return not self.undetermined and not self.no_rule

    @property
    def decided(self) -> bool:
        """The same as :attr:`complete` (its earlier name, kept so that code using it keeps working)."""
        return self.complete

    @property
    def manifest(self) -> str:
        """The content hash that names the policy's manifest (``sha256:...``)."""
        return self._shape.program.source_hash

    @property
    def facts(self) -> dict[str, Any]:
        """Every fact known in this evaluation, written as in a fact file (unknown facts are absent)."""
        return self._table("facts")

    @property
    def lets(self) -> dict[str, Any]:
        """Every ``let`` value this evaluation computed, written like a fact value (unknown ones absent)."""
        return self._table("lets")

    @property
    def parameter_values(self) -> dict[str, Any]:
        """Every parameter's value in this evaluation (a ``condition`` parameter's truth value, where known)."""
        return self._table("parameter_values")

    def to_dict(self, *, manifest: bool | Literal["full"] = False) -> dict[str, Any]:
        """The JSON form (``policylang.result/2``); ``json.dumps(result.to_dict())`` works.

        With ``manifest=True`` the part of the policy's manifest this result refers to is
        embedded as ``policy_manifest`` (:func:`policylang.trace.manifest.extract`), for a
        record that needs nothing else to be shown later; ``manifest="full"`` embeds the
        whole manifest.
        """
        exact = self.exact
        data = {
            "format": RESULT_FORMAT,
            "policy": self.policy,
            "manifest": self.manifest,
            "decisions": self.decisions,
            **({"exact": exact} if exact else {}),
            "undetermined": self.undetermined,
            "missing": self.missing,
            "reasons": self.reasons,
            "factors": self.factors,
            "no_rule": self.no_rule,
            "warnings": [w.to_dict() for w in self.warnings],
            "parameters": self.parameters,
            "handoffs": self.handoffs,
            "facts": self.facts,
            "lets": self.lets,
            "parameter_values": self.parameter_values,
            "trace": [node.to_dict() for node in self.trace],
        }
        if self.assumed:  # only where a default was used, so that other records are as before
            data["assumed"] = list(self.assumed)
        if self.dated:  # only for a policy with dated parameters and a known evaluation date
            data["dated_parameters"] = self.dated
        if manifest:
            from policylang.trace.manifest import extract
            from policylang.trace.manifest import manifest as manifest_of

            whole = manifest_of(self._shape.declared or self._shape.program)
            data["policy_manifest"] = whole if manifest == "full" else extract(whole, data)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], program: ir.Program) -> Result:
        """A result read back from its JSON (a stored decision record), for explaining it again.

        ``program`` is the checked program of the policy the record is of (``policy.program``),
        which must be the version the record names: its ``manifest`` hash must match.
        Raises :class:`~policylang.base.errors.RecordError` for a record of another format or version.

        >>> import policylang
        >>> policy = policylang.load("examples/benefit")
        >>> record = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"}).to_dict()
        >>> again = Result.from_dict(record, policy.program)
        >>> again.decisions == record["decisions"], again.to_dict() == record
        (True, True)
        """
        from policylang.base.errors import RecordError
        from policylang.engine.facts import decoder
        from policylang.trace.nodes import node_from_dict

        data = _plain(data)
        if not isinstance(data, Mapping) or data.get("format") != RESULT_FORMAT:
            found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise RecordError(f"not a {RESULT_FORMAT} record (format: {found!r})")
        if data.get("manifest") != program.source_hash:
            raise RecordError(
                f"the record is of another version of `{data.get('policy')}` than the one loaded "
                f"(manifest {data.get('manifest')}, loaded {program.source_hash})"
            )
        shape = ResultShape(
            program,
            tuple(DecisionView(d.name, d.slot, d.kind, lambda x: x) for d in program.decisions.values()),
            {name: i for i, name in enumerate(program.facts)},
            dict(data.get("parameters") or {}),
        )
        rule_ids = frozenset(program.rules)
        undetermined = dict(data.get("undetermined") or {})
        no_rule = dict(data.get("no_rule") or {})
        decisions = Decisions(
            data.get("decisions") or {},
            undetermined=undetermined,
            no_rule=no_rule,
            declared=program.decisions.keys(),
            policy=program.name,
        )
        exact = dict(data.get("exact") or {})
        summary: dict[str, Any] = {
            "decisions": decisions,
            "exact": exact,
            "values": {
                name: decoder(program.decisions[name].type, rule_ids)(exact.get(name, value))
                for name, value in decisions.items()
                if name in program.decisions
            },
            "undetermined": undetermined,
            "no_rule": no_rule,
            "missing": list(data.get("missing") or []),
            "reasons": dict(data.get("reasons") or {}),
            "factors": dict(data.get("factors") or {}),
            "facts": dict(data.get("facts") or {}),
            "lets": dict(data.get("lets") or {}),
            "parameter_values": dict(data.get("parameter_values") or {}),
        }
        trace = [node_from_dict(n, program) for n in data.get("trace") or []]
        warnings = [ResultWarning(w["code"], w.get("en", ""), w.get("da")) for w in data.get("warnings") or []]
        assumed = tuple(str(name) for name in data.get("assumed") or [])
        dated = dict(data.get("dated_parameters") or {})
        return cls(
            shape,
            [],
            {},
            lambda: trace,
            warnings,
            list(data.get("handoffs") or []),
            summary=summary,
            assumed=assumed,
            dated=dated,
        )

    def _table(self, key: str) -> dict[str, Any]:
        summary = self._summarised()
        found = summary.get(key)
        if found is None:
            from policylang.ir.values import identity

            v = self._v
            found = summary[key] = {}
            for name, slot, encode in getattr(self._shape, key):
                x = v[slot]
                if type(x) is not Unknown:
                    found[name] = x if encode is identity else encode(x)
        return found

    # -- summarising -------------------------------------------------------------

    def _summarised(self) -> dict[str, Any]:
        if self._summary is None:
            self._summary = self._summarise()
        return self._summary

    def _summarise(self) -> dict[str, Any]:
        v = self._v
        order = self._shape.fact_order
        values: dict[str, Any] = {}
        undetermined: dict[str, list[str]] = {}
        no_rule: dict[str, list[str]] = {}
        program = self._shape.program
        decisions = Decisions(
            undetermined=undetermined, no_rule=no_rule, declared=program.decisions.keys(), policy=program.name
        )
        fired = self._fired
        for name, slot, _, encode in self._shape.views:
            if name not in fired:
                continue
            value = v[slot]
            if type(value) is Unknown:
                if value.facts:
                    undetermined[name] = sorted(value.facts, key=lambda f: order.get(f, len(order)))
                else:
                    no_rule[name] = sorted(value.blocked)
                continue
            values[name] = value
            decisions[name] = encode(value)
        return {
            "decisions": decisions,
            "values": values,
            "undetermined": undetermined,
            "no_rule": no_rule,
        }

    @property
    def _explained(self) -> dict[str, Any]:
        """Reasons, factors and the ranking of missing facts, worked out when first read."""
        summary = self._summarised()
        if "reasons" in summary:
            return summary
        v = self._v
        reasons: dict[str, list[str]] = {}
        factors: dict[str, list[dict[str, Any]]] = {}
        values = summary["values"]
        fired = self._fired
        for view in self._shape.views:
            if view.name not in values:
                continue
            rows = fired[view.name]
            if len(rows) == 1 and not rows[0].info.factors:  # the common case: one row, no discretion
                reasons[view.name] = list(rows[0].info.rules)
                continue
            value = values[view.name]
            ids: list[str] = []
            for row in rows:
                for rid in row.info.rules:
                    if rid not in ids:
                        ids.append(rid)
                if row.info.factors:
                    item = value if view.kind != "collect" else row.value(v)
                    factors.setdefault(view.name, []).append(_factor_entry(row, item, view))
            reasons[view.name] = ids
        counts: dict[str, int] = {}
        for names in summary["undetermined"].values():
            for f in names:
                counts[f] = counts.get(f, 0) + 1
        order = self._shape.fact_order
        summary["missing"] = sorted(counts, key=lambda f: (-counts[f], order.get(f, 0)))
        summary["reasons"] = reasons
        summary["factors"] = factors
        return summary


def _exact_types(program: ir.Program) -> dict[str, Any]:
    """The decisions whose values hold decimals or amounts, with their types (worked out once per program)."""

    def build() -> dict[str, Any]:
        from policylang.ir.values import holds_decimals

        return {name: info.type for name, info in program.decisions.items() if holds_decimals(info.type)}

    return program.memo("result.exact_types", build)


def _factor_entry(row: Any, item: Any, view: DecisionView) -> dict[str, Any]:
    from policylang.ir.values import encode

    return {
        "value": encode(item),
        "rules": list(row.info.rules),
        "factors": [{"code": f.code, "da": f.labels.da, "en": f.labels.en} for f in row.info.factors],
    }


def _plain(data: Any) -> Any:
    """JSON read with exact decimals (``Decimal``) as a result writes it: whole numbers as ``int``."""
    from decimal import Decimal

    from policylang.ir.values import encode

    if isinstance(data, Decimal):
        return encode(data)
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data
