"""Optional dependencies: say which extra to install when one is missing, instead of a bare ImportError."""

from __future__ import annotations

import importlib.util

from policylang.base.errors import PolicyError


class MissingExtraError(PolicyError):
    """A feature needs an optional dependency that is not installed; the message says which extra to install."""

    code = "pol-missing-extra"


def require(module: str, extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` unless ``module`` can be imported, naming ``extra`` to install.

    >>> require("json", "batch", "evaluate_many")
    >>> try:
    ...     require("no_such_module_here", "batch", "evaluate_many")
    ... except MissingExtraError as e:
    ...     print(e.message)
    evaluate_many needs the `batch` extra (no_such_module_here is not installed): pip install 'policylang[batch]'
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules (as tests do to hide it)
        found = False
    if not found:
        raise MissingExtraError(
            f"{what} needs the `{extra}` extra ({module} is not installed): pip install 'policylang[{extra}]'"
        )
