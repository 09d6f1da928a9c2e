"""The Sphinx extension that renders policies as readable law: ``extensions = ["policylang.sphinx"]``."""

from typing import Any


def setup(app: Any) -> dict[str, Any]:
    """Register the ``policylang`` domain's directives with Sphinx."""
    from policylang.sphinx.directive import setup as register

    return register(app)
