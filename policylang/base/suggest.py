"""\"Did you mean\": the closest of some known names to a misspelt one, for hints in every phase."""

from __future__ import annotations

from collections.abc import Iterable

from policylang.base.errors import Replacement


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
    return did_you_mean(name, candidates)[0]


def did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str | None, Replacement | None]:
    """The "did you mean" hint for a misspelt name and the same as a fix, or ``(None, None)``.

    >>> did_you_mean("lawful_residense", ["lawful_residence", "as_of"])
    ('did you mean `lawful_residence`?', Replacement(written='lawful_residense', suggested='lawful_residence'))
    """
    match = closest(name, candidates)
    if match is None:
        return None, None
    return f"did you mean `{match}`?", Replacement(name, match)
