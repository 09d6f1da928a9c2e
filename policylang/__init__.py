"""policylang: statutory decision rules you can write, test and explain.

Load a policy by bundled name or path, evaluate it on a fact set, and read the decisions,
what remains undetermined (and which facts would decide it), and the explanation trace:

>>> import policylang
>>> policy = policylang.load("examples/benefit")
>>> result = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "2010-03-01"})
>>> result.decisions["adult"]
False
"""

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
from policylang.explain_build import explain
from policylang.explain_model import Explanation, Question
from policylang.explain_questions import next_questions
from policylang.linked import LinkedResult, evaluate_linked
from policylang.loader import bundled_names, check_file, load, policies_root
from policylang.policy import Policy
from policylang.result import Result
from policylang.trace import Recorder, TraceNode, Tracer

__version__ = "0.1.0"

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
    "evaluate_linked",
    "explain",
    "load",
    "next_questions",
    "policies_root",
]
