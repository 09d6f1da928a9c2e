"""policylang: statutory decision rules you can write, test and explain.

Load a policy by bundled name or path, evaluate it on a fact set, and read the decisions,
what remains undetermined (and which facts would decide it), and the explanation trace:

>>> import policylang
>>> policy = policylang.load("examples/benefit")
>>> result = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "2010-03-01"})
>>> result.decisions["adult"]
False
"""

from typing import TYPE_CHECKING, Any

from policylang.errors import (
    ConflictError,
    Diagnostic,
    EvaluationError,
    FactError,
    ParameterError,
    PolicyCheckError,
    PolicyError,
    PolicyNotFoundError,
    PolicySyntaxError,
)
from policylang.linked import LinkedResult, evaluate_linked
from policylang.loader import bundled_names, check_file, check_files, load, policies_root
from policylang.policy import Policy
from policylang.result import Result
from policylang.trace import Recorder, TraceNode, Tracer

if TYPE_CHECKING:
    from policylang.explain_build import explain
    from policylang.explain_model import Explanation, Question
    from policylang.explain_questions import next_questions

__version__ = "0.1.0"

# Explanations are imported when first used, so that loading and evaluating start fast.
_LAZY = {
    "explain": "policylang.explain_build",
    "Explanation": "policylang.explain_model",
    "Question": "policylang.explain_model",
    "next_questions": "policylang.explain_questions",
}


def __getattr__(name: str) -> Any:
    """Import the explanation API on first use."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'policylang' has no attribute {name!r}")


__all__ = [
    "ConflictError",
    "Diagnostic",
    "EvaluationError",
    "Explanation",
    "FactError",
    "LinkedResult",
    "ParameterError",
    "Policy",
    "PolicyCheckError",
    "PolicyError",
    "PolicyNotFoundError",
    "PolicySyntaxError",
    "Question",
    "Recorder",
    "Result",
    "TraceNode",
    "Tracer",
    "__version__",
    "bundled_names",
    "check_file",
    "check_files",
    "evaluate_linked",
    "explain",
    "load",
    "next_questions",
    "policies_root",
]
