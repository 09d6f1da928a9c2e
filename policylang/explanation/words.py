"""The fixed words of explanations, in Danish and English.

Everything an explanation says that does not come from the policy (headings, ``yes`` and
``no``, *withheld*) is here, so that the builder and every renderer use the same words.

>>> word("da", "withheld"), word("en", "withheld")
('udeladt', 'withheld')
"""

from __future__ import annotations

from collections.abc import Iterable

WORDS: dict[str, tuple[str, str]] = {
    # key: (Danish, English)
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    "none": ("ingen", "none"),
    "withheld": ("udeladt", "withheld"),
    "unknown": ("ukendt", "unknown"),
    "policy": ("Regelsæt", "Policy"),
    "version": ("version", "version"),
    "decisions": ("Afgørelser", "Decisions"),
    "decided": ("Afgjort", "Decided"),
    "summary": ("Overblik", "Summary"),
    "detail_hint": (
        "{n} oplysninger er brugt; --detail viser dem og hvordan hver afgørelse er nået",
        "{n} facts used; --detail shows them and how each decision was reached",
    ),
    "no_rule_short": ("ingen regel finder anvendelse", "no rule applies"),
    "value": ("Værdi", "Value"),
    "legal_basis": ("Hjemmel", "Legal basis"),
    "see_above": ("se ovenfor", "see above"),
    "rows": ("rækker", "rows"),
    "citizen_decided": ("Det er afgjort", "What has been decided"),
    "citizen_open": ("Det kan vi endnu ikke afgøre", "What cannot be decided yet"),
    "citizen_needs": ("Vi mangler at vide", "We need to know"),
    "citizen_more": ("flere oplysninger", "more information"),
    "citizen_why": ("Begrundelse", "The reasons"),
    "citizen_basis": ("Hjemmel", "Legal basis"),
    "citizen_next": ("Hvad sker der nu", "What happens next"),
    "citizen_complaint": ("Sådan klager du", "How to complain"),
    "citizen_questions": ("Det kan du hjælpe os med at oplyse", "What you can help us find out"),
    "citizen_assumed": ("Det er vi gået ud fra", "What we have assumed"),
    "citizen_assumed_text": (
        "Vi havde ikke disse oplysninger, så vi er gået ud fra det, der står her. Er det ikke rigtigt, "
        "så kontakt kommunen.",
        "We did not have this information, so we have assumed what is written here. If it is not right, "
        "please contact the municipality.",
    ),
    "assumed": ("antaget", "assumed"),
    "assumed_heading": ("Antaget (ikke oplyst)", "Assumed (not given)"),
    "citizen_next_default": (
        "Kommunen kontakter dig, hvis der er brug for flere oplysninger, før sagen kan afgøres.",
        "The municipality will contact you if it needs more information before it can decide.",
    ),
    "citizen_complaint_default": (
        "Du kan klage over afgørelsen. Kommunen fortæller dig i afgørelsen, hvor du skal klage, og hvornår "
        "klagen senest skal være modtaget.",
        "You can complain about the decision. The decision letter tells you where to complain and by when.",
    ),
    "decision": ("Afgørelse", "Decision"),
    "decided_by": ("Afgjort efter", "Decided by"),
    "by": ("efter", "by"),
    "when": ("når", "when"),
    "otherwise": ("ellers", "otherwise"),
    "using": ("ud fra", "using"),
    "facts_used": ("Oplysninger, der er brugt", "Facts used"),
    "facts": ("oplysninger", "facts used"),
    "details": ("Detaljer", "Details"),
    "condition": ("Betingelse", "Condition"),
    "holds": ("opfyldt", "holds"),
    "does_not_hold": ("ikke opfyldt", "does not hold"),
    "is_unknown": ("uafklaret", "unknown"),
    "value_withheld": ("udeladt", "withheld"),
    "weigh": ("afvej", "weigh"),
    "factors": ("Hensyn at afveje", "Factors to weigh"),
    "undetermined": ("Uafklaret", "Undetermined"),
    "undetermined_long": (
        "Uafklaret (disse oplysninger vil afgøre det)",
        "Undetermined (these facts would decide them)",
    ),
    "waits_for": ("afventer", "waits for"),
    "no_rule": ("Ingen regel finder anvendelse", "No rule applies"),
    "open": ("Åbne betingelser", "Open conditions"),
    "calls": ("Beregnet med", "Computed with"),
    "more_calls": ("flere beregninger", "more calculations"),
    "why_not": ("Hvorfor ikke andet", "Why not something else"),
    "not_chosen": ("ikke valgt", "not chosen"),
    "would_need": ("ville kræve", "would need"),
    "would_need_all": ("ville kræve, at alt dette er opfyldt", "would need all of these to hold"),
    "would_need_any": ("ville kræve, at et af disse er opfyldt", "would need one of these to hold"),
    "not_reached": (
        "Ikke nået (ville kræve, at ingen af rækkerne ovenfor finder anvendelse)",
        "Not reached (would need none of the rows above to apply)",
    ),
    "overridden_by": ("tilsidesat af", "overridden by"),
    "not_applicable": ("finder ikke anvendelse", "does not apply"),
    "fired": ("anvendt", "applied"),
    "default": ("standardværdi", "default"),
    "unknown_outcome": ("uafklaret", "unknown"),
    "also_relevant": ("Også relevant", "Also relevant"),
    "settled": ("afgjort uanset værdien af", "decided whatever the value of"),
    "settled_many": ("afgjort uanset værdierne af", "decided whatever the values of"),
    "combinations": ("mulige kombinationer, alle med dette resultat", "possible combinations, all with this result"),
    "handoffs": ("Skal også vurderes efter", "Also to be assessed under"),
    "handoff_undetermined": (
        "uafklaret; disse oplysninger vil afgøre det",
        "undetermined; these facts would decide it",
    ),
    "warning": ("advarsel", "warning"),
    "warnings": ("Advarsler", "Warnings"),
    "next_questions": ("Næste spørgsmål, de mest afgørende først", "Next questions, most useful first"),
    "settles": ("kan afgøre", "could settle"),
    "answers": ("svar", "answers"),
    "nothing_missing": (
        "Intet mangler: alle afgørelser er truffet.",
        "Nothing is missing: every decision is decided.",
    ),
    "derived": ("Mellemregninger (let)", "Intermediate values (let)"),
    "parameters": ("Parametre", "Parameters"),
    "default_value": ("standard", "default"),
    "in_force_from": ("gældende fra", "in force from"),
    "overridden": ("ændret", "overridden"),
    "source": ("kilde", "source"),
    "quote": ("Kildens ord", "The source's words"),
    "rule": ("Regel", "Rule"),
    "force": ("retskraft", "force"),
    "inferred": ("udledt", "inferred"),
    "provenance": ("oprindelse", "provenance"),
    "note": ("note", "note"),
    "audience_caseworker": ("sagsbehandler", "caseworker"),
    "audience_citizen": ("borger", "citizen"),
    "audience_auditor": ("revisor", "auditor"),
    "and": ("og", "and"),
}


def word(lang: str, key: str) -> str:
    """The word for ``key`` in ``lang`` (``da`` or ``en``)."""
    da, en = WORDS[key]
    return da if lang == "da" else en


MONTHS = {
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def long_date(iso: str, lang: str) -> str:
    """A date as a letter writes it: ``1. januar 1999``, ``1 January 1999`` (as it was, if it is no date).

    >>> long_date("1999-01-01", "da"), long_date("2024-02-29", "en"), long_date("soon", "da")
    ('1. januar 1999', '29 February 2024', 'soon')
    """
    try:
        year, month, day = (int(part) for part in iso.split("-"))
        name = MONTHS["da" if lang == "da" else "en"][month - 1]
    except (ValueError, IndexError):
        return iso
    return f"{day}. {name} {year}" if lang == "da" else f"{day} {name} {year}"


def joined(items: list[str], lang: str) -> str:
    """Items in a sentence: ``a, b og c``; with ``, og`` before the last where an item has a comma of its own.

    >>> joined(["pkt. 2", "pkt. 4"], "da"), joined(["pkt. 2, 1. afsnit", "pkt. 4"], "da"), joined(["a"], "en")
    ('pkt. 2 og pkt. 4', 'pkt. 2, 1. afsnit, og pkt. 4', 'a')
    """
    if len(items) < 2:
        return "".join(items)
    last = word(lang, "and")
    comma = "," if any("," in item for item in items) else ""
    return f"{', '.join(items[:-1])}{comma} {last} {items[-1]}"


def legal_basis(citations: Iterable[tuple[str, str | None]], lang: str) -> str:
    """Citations as one legal basis: each source named once, then the places in it, sources apart by ``;``.

    >>> legal_basis([("aktivloven", "§ 3, stk. 1"), ("vejledningen", "pkt. 2"), ("vejledningen", "pkt. 4")], "da")
    'aktivloven, § 3, stk. 1; vejledningen, pkt. 2 og pkt. 4'
    """
    places: dict[str, list[str]] = {}
    for source, locator in citations:
        found = places.setdefault(source, [])
        if locator and locator not in found:
            found.append(locator)
    return "; ".join(f"{source}, {joined(found, lang)}" if found else source for source, found in places.items())
