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

from policylang.base.version import __version__

if TYPE_CHECKING:
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
    from policylang.engine.result import NotDecidedError, Result
    from policylang.explanation.build import explain
    from policylang.explanation.model import Explanation, Question
    from policylang.explanation.questions import next_questions
    from policylang.explanation.render.html import format_html, render_html
    from policylang.explanation.render.markdown import format_markdown, render_markdown
    from policylang.explanation.render.text import format_text, render_text
    from policylang.policy.checking import check_file, check_files
    from policylang.policy.linked import LinkedResult, evaluate_linked
    from policylang.policy.loader import bundled_names, load, policies_root
    from policylang.policy.policy import Policy
    from policylang.trace.events import Recorder, Tracer
    from policylang.trace.nodes import TraceNode


# Every name is imported when it is first used, so that ``import policylang`` costs
# next to nothing and a program loads only what it uses: evaluating a policy read from
# the compiled cache imports neither the parser nor the checker, and nothing imports the
# logic analyses (z3), YAML, Polars, the explanations and renderers, Sphinx or Hypothesis
# before they are needed.
_LAZY = {
    "ConflictError": "policylang.base.errors",
    "Diagnostic": "policylang.base.errors",
    "EvaluationError": "policylang.base.errors",
    "FactError": "policylang.base.errors",
    "ParameterError": "policylang.base.errors",
    "PolicyCheckError": "policylang.base.errors",
    "PolicyError": "policylang.base.errors",
    "PolicyNotFoundError": "policylang.base.errors",
    "PolicySyntaxError": "policylang.base.errors",
    "NotDecidedError": "policylang.engine.result",
    "LimitError": "policylang.base.limits",
    "Limits": "policylang.base.limits",
    "Result": "policylang.engine.result",
    "check_file": "policylang.policy.checking",
    "check_files": "policylang.policy.checking",
    "LinkedResult": "policylang.policy.linked",
    "evaluate_linked": "policylang.policy.linked",
    "bundled_names": "policylang.policy.loader",
    "load": "policylang.policy.loader",
    "policies_root": "policylang.policy.loader",
    "Policy": "policylang.policy.policy",
    "Recorder": "policylang.trace.events",
    "Tracer": "policylang.trace.events",
    "TraceNode": "policylang.trace.nodes",
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
    """Import a name of the public API on first use."""
    if name in _LAZY:
        import gc
        import importlib

        # Importing makes thousands of objects that last (classes, functions), and no garbage:
        # the cyclic collector, set off by the allocations, would only walk them again.
        enabled = gc.isenabled()
        gc.disable()
        try:
            value = getattr(importlib.import_module(_LAZY[name]), name)
        finally:
            if enabled:
                gc.enable()
        globals()[name] = value
        return value
    raise AttributeError(f"module 'policylang' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ConflictError",
    "Diagnostic",
    "EvaluationError",
    "Explanation",
    "FactError",
    "LimitError",
    "Limits",
    "LinkedResult",
    "NotDecidedError",
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
