"""The result of evaluating a policy: decisions, what is undetermined and why, the trace.

``Result.to_dict()`` gives the contract's JSON shape (``policylang.result/1``) with
compatible extensions: ``reasons`` (the rule IDs behind each decision), ``factors`` (what
to weigh where a decision leaves discretion), ``no_rule`` (decisions no rule decided) and
``warnings`` (validity and source warnings).
"""

from __future__ import annotations

from typing import Any

import attrs

from policylang.trace import TraceNode

RESULT_FORMAT = "policylang.result/1"


@attrs.frozen
class Warning_:
    """A warning attached to a result, in Danish and English."""

    code: str
    en: str
    da: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "en": self.en, "da": self.da}


@attrs.frozen
class Result:
    """What a policy decided for one fact set, and why."""

    policy: str
    decisions: dict[str, Any]
    undetermined: dict[str, list[str]]
    missing: list[str]
    trace: list[TraceNode]
    reasons: dict[str, list[str]] = attrs.Factory(dict)
    factors: dict[str, list[dict[str, Any]]] = attrs.Factory(dict)
    no_rule: dict[str, list[str]] = attrs.Factory(dict)
    warnings: list[Warning_] = attrs.Factory(list)
    values: dict[str, Any] = attrs.field(factory=dict, repr=False)
    parameters: dict[str, Any] = attrs.Factory(dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``json.dumps(result.to_dict())`` works."""
        return {
            "format": RESULT_FORMAT,
            "policy": self.policy,
            "decisions": self.decisions,
            "undetermined": self.undetermined,
            "missing": self.missing,
            "reasons": self.reasons,
            "factors": self.factors,
            "no_rule": self.no_rule,
            "warnings": [w.to_dict() for w in self.warnings],
            "parameters": self.parameters,
            "trace": [node.to_dict() for node in self.trace],
        }

    @property
    def decided(self) -> bool:
        """Whether every decision has a value."""
        return not self.undetermined and not self.no_rule
