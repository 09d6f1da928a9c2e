"""\"Did you mean\": the closest of some known names to a misspelt one, for hints in every phase."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name most like ``name``, or ``None`` where none is close.

    >>> closest("lawful_residense", ["lawful_residence", "as_of"])
    'lawful_residence'
    """
    import difflib  # only when a name is misspelt: a program that makes no mistake does not import it

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or ``None``.

    >>> suggest("lawful_residense", ["lawful_residence", "as_of"])
    'did you mean `lawful_residence`?'
    """
    match = closest(name, candidates)
    return f"did you mean `{match}`?" if match else None
