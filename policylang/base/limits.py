"""How much input policylang accepts and how long its searches run: :class:`Limits`.

Policy text, fact sets, parameters and case files may come from people who mean harm (or
from a program gone wrong). Every way such input could make policylang use unbounded time
or memory has a limit here, with a default that ordinary use never meets; going over one
is a :class:`~policylang.base.errors.PolicyError` that says which limit and where, never
a hang or a crash. The limits are set per call (``policylang.load(..., limits=...)``,
``check_file(..., limits=...)``) and, for the ``policylang`` command, by the environment
variables ``POLICYLANG_LIMITS`` and ``POLICYLANG_IMPORT_PATH`` (:meth:`Limits.from_environment`).
The range and precision of numbers are not limits but the language's semantics
(:mod:`policylang.base.numbers`).

>>> Limits().nesting
100
>>> Limits.from_text("nesting=40, text_chars=1000").text_chars
1000
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from policylang.base.errors import PolicyError
from policylang.base.suggest import suggest


class LimitError(PolicyError):
    """Input goes over one of the :class:`Limits`: too large, too deep, too long."""

    code = "pol-limit"


def _positive(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise LimitError(f"the limit `{attribute.name}` must be a positive number, not {value!r}")


@attrs.frozen(kw_only=True)
class Limits:
    """The resource limits of loading, checking and evaluating policies (see the docs' "Limits" page)."""

    source_bytes: int = attrs.field(default=2_000_000, validator=_positive)
    """The size of one ``.pol`` file (and of each file it imports), in bytes."""
    imports: int = attrs.field(default=200, validator=_positive)
    """How many files a policy may import, directly or through other imports."""
    nesting: int = attrs.field(default=100, validator=_positive)
    """How deep expressions and types may nest in policy text, and values in facts, JSON and YAML."""
    text_chars: int = attrs.field(default=100_000, validator=_positive)
    """The length of a text: a quoted text in policy text, a text fact or parameter value."""
    condition_chars: int = attrs.field(default=10_000, validator=_positive)
    """The length of a ``condition`` parameter's expression."""
    items: int = attrs.field(default=100_000, validator=_positive)
    """The elements of one list, set or map value of a fact or parameter."""
    input_bytes: int = attrs.field(default=50_000_000, validator=_positive)
    """The size of a facts, parameters or case file, in bytes."""
    yaml_values: int = attrs.field(default=1_000_000, validator=_positive)
    """The values a YAML case file holds once its aliases are expanded."""
    analysis_seconds: float = attrs.field(default=10.0, validator=_positive)
    """The time the logic analyses of ``policylang check`` may take for one policy, in all."""
    exhaustive_cases: int = attrs.field(default=1024, validator=_positive)
    """The fact sets ``exhaustive=True`` may evaluate to settle one evaluation's decisions, in all."""
    import_folders: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    """Folders ``import`` may also read from, besides the importing policy's folder and the bundled policies."""

    def replace(self, **changes: Any) -> Limits:
        """These limits with some changed.

        >>> Limits().replace(nesting=10).nesting
        10
        """
        unknown = [name for name in changes if name not in _NAMES]
        if unknown:
            raise LimitError(f"there is no limit `{unknown[0]}`")
        return attrs.evolve(self, **changes)

    @classmethod
    def from_text(cls, text: str, base: Limits | None = None) -> Limits:
        """Limits written ``name=value, name=value`` (as in ``POLICYLANG_LIMITS``), over ``base``."""
        changes: dict[str, Any] = {}
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep:
                raise LimitError(f"limits are written NAME=VALUE, not `{part.strip()}`")
            if name not in _NAMES or name == "import_folders":
                hint = suggest(name, [n for n in _NAMES if n != "import_folders"])
                raise LimitError(f"there is no limit `{name}`" + (f" ({hint})" if hint else ""))
            try:
                changes[name] = float(raw) if name == "analysis_seconds" else int(raw.strip().replace("_", ""))
            except ValueError:
                raise LimitError(f"the limit `{name}` must be a number, not `{raw.strip()}`") from None
        return (base or cls()).replace(**changes)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits ``POLICYLANG_LIMITS`` and ``POLICYLANG_IMPORT_PATH`` set (what the command uses).

        >>> limits = Limits.from_environment({"POLICYLANG_LIMITS": "items=10", "POLICYLANG_IMPORT_PATH": "/srv/x"})
        >>> limits.items, limits.import_folders
        (10, ('/srv/x',))
        """
        env = os.environ if environ is None else environ
        limits = cls.from_text(env.get("POLICYLANG_LIMITS", ""))
        folders = tuple(p for p in env.get("POLICYLANG_IMPORT_PATH", "").split(os.pathsep) if p)
        return limits.replace(import_folders=folders) if folders else limits


_NAMES = frozenset(a.name for a in attrs.fields(Limits))
DEFAULT = Limits()


__all__ = ["DEFAULT", "LimitError", "Limits"]
