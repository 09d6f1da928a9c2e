"""A loaded policy: evaluate it on fact sets and get results with explanations.

>>> import policylang
>>> policy = policylang.load("examples/benefit")
>>> result = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
>>> result.decisions["adult"]
True
>>> "income_band" in result.undetermined
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from policylang.base.errors import Diagnostic
from policylang.base.extras import require
from policylang.engine.evaluate import Engine
from policylang.engine.result import Result
from policylang.ir import program as ir
from policylang.trace.events import Tracer


class Policy:
    """A checked and compiled policy, ready to evaluate many fact sets."""

    def __init__(
        self,
        program: ir.Program,
        diagnostics: list[Diagnostic] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.program = program
        self.diagnostics = list(diagnostics or [])
        self._engines: dict[str, Engine] = {}  # one per set of parameters, by their JSON
        self._default = Engine(program, parameters)

    @property
    def name(self) -> str:
        """The policy's name: ``residence/help_and_repatriation``."""
        return self.program.name

    @property
    def facts(self) -> dict[str, ir.FactInfo]:
        """The facts the policy declares, by name, in declaration order."""
        return self.program.facts

    @property
    def decisions(self) -> dict[str, ir.DecisionInfo]:
        """The decisions the policy makes, by name, in declaration order."""
        return self.program.decisions

    @property
    def rules(self) -> dict[str, ir.RuleInfo]:
        """The rules of the law the policy encodes, by rule ID, in file order."""
        return self.program.rules

    @property
    def parameters(self) -> dict[str, ir.ParamInfo]:
        """The parameters a deployment may set, by name."""
        return self.program.parameters

    def __repr__(self) -> str:
        return f"<Policy {self.name}>"

    def manifest(self) -> dict[str, Any]:
        """The policy's manifest: its static legal material, named by the hash every result carries.

        See :mod:`policylang.trace.manifest`; the same object is returned each time.
        """
        from policylang.trace.manifest import manifest

        return manifest(self.program)

    def with_parameters(self, parameters: Mapping[str, Any]) -> Policy:
        """The same policy with some parameters set to other values."""
        return Policy(self.program, self.diagnostics, parameters)

    def engine(self, parameters: Mapping[str, Any] | None = None) -> Engine:
        """The compiled policy with these parameters set (kept for the next evaluation with them).

        The :class:`~policylang.engine.evaluate.Engine` is the interface the batch backend
        and the logic analyses work through; most callers want :meth:`evaluate`.
        """
        if not parameters:
            return self._default
        key = json.dumps(parameters, sort_keys=True, default=str)
        engine = self._engines.get(key)
        if engine is None:
            if len(self._engines) > 32:
                self._engines.clear()
            engine = self._engines[key] = Engine(self.program, parameters)
        return engine

    def evaluate(
        self,
        facts: Mapping[str, Any],
        *,
        trace: bool = True,
        parameters: Mapping[str, Any] | None = None,
        ignore_unknown_facts: bool = False,
        tracer: Tracer | None = None,
        exhaustive: bool = False,
    ) -> Result:
        """Evaluate the policy on ``facts`` and explain the result.

        Absent facts are unknown: decisions that need them are reported in
        ``undetermined`` with the facts that could decide them. ``trace=False`` skips
        recording the explanation; everything else is identical. ``parameters``
        overrides the policy's parameters for this evaluation; ``tracer`` receives the
        trace events instead of the default recorder. ``exhaustive=True`` settles an
        undetermined decision that every value of the (few, boolean or enum) facts it
        waits for decides alike (:mod:`policylang.engine.settle`).
        """
        engine = self.engine(parameters) if parameters else self._default
        return engine.evaluate(
            facts, trace=trace, ignore_unknown_facts=ignore_unknown_facts, tracer=tracer, exhaustive=exhaustive
        )

    def evaluate_many(self, data: Any, **options: Any) -> Any:
        """Evaluate every row of a caseload at once; a Polars DataFrame, one row per input row.

        ``data`` is a Polars, pandas or Arrow table, a sequence of fact sets, or a path
        to a Parquet, CSV or JSON-lines file. The options and the result's columns are
        those of :func:`policylang.batch.evaluate_many`. It needs Polars, the ``batch``
        extra (``pip install 'policylang[batch]'``); without it, a
        :class:`~policylang.PolicyError` says so.
        """
        require("polars", "batch", "evaluate_many")
        from policylang.batch import evaluate_many

        return evaluate_many(self, data, **options)
