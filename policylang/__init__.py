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

from policylang.base.errors import (
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
from policylang.base.limits import LimitError, Limits
from policylang.base.version import __version__
from policylang.engine.result import Result
from policylang.policy.checking import check_file, check_files
from policylang.policy.linked import LinkedResult, evaluate_linked
from policylang.policy.loader import bundled_names, load, policies_root
from policylang.policy.policy import Policy
from policylang.trace.events import Recorder, Tracer
from policylang.trace.nodes import TraceNode

if TYPE_CHECKING:
    from policylang.explanation.build import explain
    from policylang.explanation.model import Explanation, Question
    from policylang.explanation.questions import next_questions
    from policylang.explanation.render.html import format_html, render_html
    from policylang.explanation.render.markdown import format_markdown, render_markdown
    from policylang.explanation.render.text import format_text, render_text


# Explanations are imported when first used, so that loading and evaluating start fast.
_LAZY = {
    "explain": "policylang.explanation.build",
    "Explanation": "policylang.explanation.model",
    "Question": "policylang.explanation.model",
    "next_questions": "policylang.explanation.questions",
    "render_text": "policylang.explanation.render.text",
    "format_text": "policylang.explanation.render.text",
    "render_markdown": "policylang.explanation.render.markdown",
    "format_markdown": "policylang.explanation.render.markdown",
    "render_html": "policylang.explanation.render.html",
    "format_html": "policylang.explanation.render.html",
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
    "LimitError",
    "Limits",
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
    "format_html",
    "format_markdown",
    "format_text",
    "load",
    "next_questions",
    "policies_root",
    "render_html",
    "render_markdown",
    "render_text",
]
