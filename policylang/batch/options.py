"""What a batch evaluation is asked to do: parameters, decisions, reasons, errors.

>>> import policylang
>>> options = Options.make(policylang.load("examples/benefit"), decisions=["adult"])
>>> options.decisions, options.on_error
(('adult',), 'continue')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from policylang.base.errors import PolicyError
from policylang.base.suggest import suggest
from policylang.ir import program as ir

ON_ERROR = ("continue", "raise")
BACKENDS = ("auto", "vectorised", "rowwise")


class BatchOptionError(PolicyError):
    """A batch evaluation was asked for something the policy does not have."""

    code = "pol-batch-option"


@attrs.frozen
class Options:
    """The choices of one batch evaluation; :meth:`make` checks them against the policy."""

    parameters: Mapping[str, Any] | None
    decisions: tuple[str, ...]
    reasons: bool
    ignore_unknown_facts: bool
    on_error: str
    exhaustive: bool = False  # settle undetermined decisions by cases (Policy.evaluate(..., exhaustive=True))

    @staticmethod
    def make(
        program: ir.Program,
        *,
        parameters: Mapping[str, Any] | None = None,
        decisions: Iterable[str] | None = None,
        reasons: bool = False,
        ignore_unknown_facts: bool = False,
        on_error: str = "continue",
        exhaustive: bool = False,
    ) -> Options:
        names = tuple(program.decisions) if decisions is None else tuple(dict.fromkeys(decisions))
        for name in names:
            if name not in program.decisions:
                raise BatchOptionError(
                    f"the policy `{program.name}` has no decision `{name}`"
                    + (f" ({hint})" if (hint := suggest(name, program.decisions)) else "")
                )
        if on_error not in ON_ERROR:
            raise BatchOptionError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
        # the decisions in the policy's order
        ordered = tuple(d for d in program.decisions if d in names)
        parameters = dict(parameters) if parameters else None
        return Options(parameters, ordered, reasons, ignore_unknown_facts, on_error, exhaustive)
