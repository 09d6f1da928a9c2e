"""Labels: a text written in Danish and/or English, as policies give names, titles and notes."""

from __future__ import annotations

import attrs


@attrs.frozen
class Labels:
    """A Danish and/or English label or text.

    >>> Labels("Alder", None).get("en")
    'Alder'
    """

    da: str | None
    en: str | None

    def get(self, lang: str = "en") -> str | None:
        """The text in ``lang``, falling back to the other language."""
        first, second = (self.da, self.en) if lang == "da" else (self.en, self.da)
        return first if first is not None else second
