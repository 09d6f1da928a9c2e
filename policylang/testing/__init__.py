"""Testing policies: case files, the test runner, Hypothesis strategies and the pytest plugin.

The Hypothesis strategies (:mod:`policylang.testing.strategies`) are importable from here
too, and load Hypothesis only when first used, so that the pytest plugin costs nothing in
a test session that does not use them.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policylang.testing.strategies import (
        dates,
        fact_values,
        integers,
        partial_fact_sets,
        valid_fact_sets,
        value_strategy,
    )

__all__ = ["dates", "fact_values", "integers", "partial_fact_sets", "valid_fact_sets", "value_strategy"]


def __getattr__(name: str) -> Any:
    """Import a strategy (and Hypothesis) on first use."""
    if name in __all__:
        from policylang.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module 'policylang.testing' has no attribute {name!r}")
