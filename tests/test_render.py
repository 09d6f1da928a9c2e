"""The renderers: golden files on the bundled policies' cases, and escaping of everything shown.

Golden files (``tests/golden/render/<policy>/<case>.<audience>.<lang>[.why-not].<ext>``)
hold what a reader sees for a representative selection: two cases of each bundled policy,
each in three formats, for caseworkers and citizens, in both languages, with and without
*why not*; and the example policy in every format, for every audience.
``pytest --update-golden`` rewrites them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest

import policylang
from policylang.explanation.render.html import ROOT, SCOPE, STYLE, format_html, render_html
from policylang.explanation.render.markdown import format_markdown, md, render_markdown
from policylang.explanation.render.text import format_text, render_text

CASES = policylang.policies_root() / "cases"
BENEFIT_FACTS = json.loads((policylang.policies_root() / "examples" / "benefit.facts.json").read_text("utf-8"))

# (policy, case): the first case in three formats, the second in four others
SELECTION = [
    ("child_protection/migrant_children", "C01", "C10"),
    ("greenland/indsatstrappe", "G06", "G13"),
    ("honour/negative_social_control", "H01", "H09"),
    ("residence/help_and_repatriation", "R01", "R25"),
    ("residence/igu_and_danskbonus", "G01", "G04"),
    ("residence/integration_responsibility", "I01", "I04"),
    ("residence/repatriation_and_return", "H01", "H02"),
]
FIRST = [("caseworker", "en", True, "txt"), ("citizen", "da", False, "md"), ("caseworker", "da", False, "html")]
SECOND = [
    ("citizen", "da", True, "html"),
    ("caseworker", "en", True, "md"),
    ("citizen", "en", False, "txt"),
    ("auditor", "da", False, "txt"),  # with the caseworker's and citizen's above: Danish for every audience
]
STYLE_GOLDEN = "render/style.css"
STYLE_ELEMENT = f"<style>{STYLE}</style>"


def html_without_style(e: policylang.Explanation) -> str:
    """The HTML fragment with its style block (the same in every fragment) as a pointer to its one golden file."""
    fragment = format_html(e)
    assert fragment.count(STYLE_ELEMENT) == 1, "every fragment carries the style block once"
    return fragment.replace(STYLE_ELEMENT, f"<style>/* {STYLE_GOLDEN} */</style>")


FORMATS: dict[str, Callable[[policylang.Explanation], str]] = {
    "txt": lambda e: format_text(e) + "\n",
    "md": format_markdown,
    "html": html_without_style,
    # not `.json`: the pytest plugin would take a JSON file with "policy" and "facts" for a case file
    "json.txt": lambda e: json.dumps(e.to_dict(), ensure_ascii=False, indent=2) + "\n",
}

PARAMS = [
    pytest.param(policy, case, audience, lang, why_not, ext, id=f"{policy}/{case}.{audience}.{lang}.{ext}")
    for policy, first, second in SELECTION
    for case, variants in ((first, FIRST), (second, SECOND))
    for audience, lang, why_not, ext in variants
]


def _case(policy: str, case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES / policy / f"{case}.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(("policy", "case", "audience", "lang", "why_not", "ext"), PARAMS)
def test_renderers_on_bundled_cases(
    policy: str,
    case: str,
    audience: str,
    lang: str,
    why_not: bool,
    ext: str,
    golden: Callable[[str, str], None],
) -> None:
    p = policylang.load(policy)
    result = p.evaluate(_case(policy, case)["facts"])
    e = policylang.explain(result, p, lang=lang, audience=audience, why_not=why_not)
    suffix = ".why-not" if why_not else ""
    golden(f"render/{policy}/{case}.{audience}.{lang}{suffix}.{ext}", FORMATS[ext](e))


@pytest.mark.parametrize("ext", sorted(FORMATS))
@pytest.mark.parametrize(
    ("name", "audience", "lang"),
    [("complete", "caseworker", "en"), ("partial", "caseworker", "en"), ("complete", "auditor", "da")],
)
def test_renderers_on_the_example_policy(
    ext: str, name: str, audience: str, lang: str, golden: Callable[[str, str], None]
) -> None:
    """The example policy, in every format; the auditor's view (with source spans, which move
    whenever a policy is edited) only here."""
    p = policylang.load("examples/benefit")
    facts = BENEFIT_FACTS if name == "complete" else {"as_of": "2024-05-01", "income": 200000, "savings": None}
    e = policylang.explain(p.evaluate(facts), p, lang=lang, audience=audience, why_not=True)
    golden(f"render/examples/benefit/{name}.{audience}.{lang}.why-not.{ext}", FORMATS[ext](e))


@pytest.mark.parametrize(("audience", "lang"), [("caseworker", "en"), ("citizen", "da")])
def test_handoffs_say_where_else_to_assess_and_why(
    audience: str, lang: str, golden: Callable[[str, str], None]
) -> None:
    """One handoff that applies (with its rule and note) and one that waits for a fact."""
    from pathlib import Path

    p = policylang.load(Path(__file__).parent / "explain_policies" / "handoffs.pol")
    e = policylang.explain(p.evaluate({"age": 15, "at_risk": True}), p, lang=lang, audience=audience)
    if audience == "citizen":  # where else a person is assessed (honour, child protection) is the staff's routing
        assert e.handoffs == ()
    else:
        assert [(h.policy, h.status) for h in e.handoffs] == [
            ("child_protection/migrant_children", "applies"),
            ("honour/negative_social_control", "undetermined"),
        ]
        assert [f.name for f in e.handoffs[1].missing] == ["control"]
        assert e.handoffs[0].note is not None
    for ext in FORMATS:
        golden(f"render/handoffs/{audience}.{lang}.{ext}", FORMATS[ext](e))
    assert policylang.explain(p.evaluate({"age": 15, "at_risk": True}), p, decisions=["minor"]).handoffs == ()


def test_render_functions_take_a_result_and_load_the_policy_by_name() -> None:
    p = policylang.load("examples/benefit")
    result = p.evaluate(BENEFIT_FACTS)
    e = policylang.explain(result, p, lang="da", audience="citizen")
    assert render_text(result, lang="da", audience="citizen") == format_text(e)
    assert render_markdown(result, lang="da", audience="citizen") == format_markdown(e)
    assert render_html(result, policy=p, lang="da", audience="citizen") == format_html(e)


# ---------------------------------------------------------------- escaping

HOSTILE = (
    'policy test/hostile\n  title "<script>alert(1)</script>" / "<b onmouseover=alert(2)>x</b>"\n'
    'source S "Lov <i>&amp;</i> [link](javascript:alert(3))"\n'
    'type kind = enum { a "<img src=x onerror=alert(4)>" / "*a* _b_ `c`", b }\n'
    'fact note: text "Notat </div><script>" / "Note # heading\\n- item" \n'
    'fact k: kind "Art" / "Kind"\n'
    'rule R-1 "Titel <em>" cites S "§ 1 <br>" force lov\n'
    '  quote "»<script>alert(5)</script>« & \\"citat\\""\n'
    '  explain da "Notatet {note} & {k}" en "The note {note} & {k} ]]> <!--"\n'
    '  note "<u>intern</u>" / "<u>internal</u>"\n'
    # both decisions read both facts, so that the rule's explanation may name both
    'decision d: text "<h1>D</h1>" / "<h1>D</h1>" = if k = a then note else "" by R-1\n'
    'decision e: kind = if note = "" then b else k by R-1\n'
)
EVIL_VALUE = '</code></div><script>alert("v")</script><img src=x onerror=alert(6)>'


@pytest.fixture
def hostile() -> tuple[policylang.Policy, policylang.Result]:
    from policylang.check.declarations import check_modules
    from policylang.syntax.parser import parse_module

    program, diagnostics = check_modules([parse_module(HOSTILE, "hostile.pol")])
    assert program is not None, [d.format() for d in diagnostics if d.severity == "error"]
    policy = policylang.Policy(program, diagnostics)
    return policy, policy.evaluate({"note": EVIL_VALUE, "k": "a"})


class _Tags(HTMLParser):
    """Collects the tags and attributes of a fragment and checks that they nest."""

    VOID = {"br"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


ALLOWED_TAGS = {
    "div", "style", "header", "h2", "h3", "h4", "p", "code", "section", "ol", "ul", "li", "span", "cite",
    "blockquote", "details", "summary", "table", "thead", "tbody", "tr", "th", "td", "strong", "br", "a",
}  # fmt: skip


@pytest.mark.parametrize("audience", ["caseworker", "citizen", "auditor"])
def test_html_escapes_everything_and_is_a_well_formed_fragment(
    hostile: tuple[policylang.Policy, policylang.Result], audience: str
) -> None:
    policy, result = hostile
    for lang in ("da", "en"):
        fragment = render_html(result, policy=policy, lang=lang, audience=audience, why_not=True)
        parser = _Tags()
        parser.feed(fragment)
        parser.close()
        assert parser.stack == [], f"unclosed: {parser.stack}"
        assert parser.tags <= ALLOWED_TAGS, parser.tags - ALLOWED_TAGS
        allowed = {"class", "lang", "data-format", "data-policy", "data-decision", "role", "id", "href"}
        assert parser.attributes <= allowed
        ids = re.findall(r'\bid="([^"]+)"', fragment)
        assert len(ids) == len(set(ids)), "an id twice"
        assert {h[1:] for h in re.findall(r'href="([^"]+)"', fragment)} <= set(ids), "a link to nowhere"
        assert all(h.startswith("#") for h in re.findall(r'href="([^"]+)"', fragment)), "a link out of the fragment"
        lowered = fragment.lower()
        for bad in ("<script", "<img", "<b ", "<i>", "<em>", "<u>", "<h1>", "<!--", "]]>"):
            assert bad not in lowered, bad
        text = "".join(parser.text)
        title = "<script>alert(1)</script>" if lang == "da" else "<b onmouseover=alert(2)>x</b>"
        assert title in text  # shown as text, not run
        if audience != "citizen":
            assert EVIL_VALUE in text
        assert "http" not in lowered and "url(" not in lowered and "@import" not in lowered


def test_the_style_block(golden: Callable[[str, str], None]) -> None:
    """The style every HTML fragment carries, kept once here (the HTML goldens point to it)."""
    golden(STYLE_GOLDEN, STYLE + "\n")


def test_the_style_is_scoped_to_the_fragment() -> None:
    rules = [r.strip() for r in re.findall(r"([^{}]+)\{", STYLE)]
    assert rules
    for selectors in rules:
        for selector in selectors.split(","):
            assert selector.strip().startswith(f".{SCOPE}"), selector
    # the scope is a class of the fragment's root, next to the documented hook
    fragment = format_html(policylang.Explanation("p", "t", "en", "caseworker", False, ()))
    assert fragment.startswith(f'<div class="{ROOT} {SCOPE} ')


def test_markdown_escapes_markup_from_the_policy_and_the_facts(hostile: tuple[policylang.Policy, Any]) -> None:
    policy, result = hostile
    text = render_markdown(result, policy=policy, audience="caseworker", why_not=True)
    outside_code = re.sub(r"(`+)(.+?)\1", "", text)
    assert "<" not in outside_code.replace("\\<", "")
    assert "](" not in outside_code.replace("\\](", "")
    assert text.startswith("# \\<b onmouseover=alert(2)\\>x\\</b\\>\n")
    assert md("- item") == "\\- item" and md("1. one") == "1\\. one" and md("# x") == "\\# x"


def test_text_shows_policy_text_as_it_is(hostile: tuple[policylang.Policy, Any]) -> None:
    policy, result = hostile
    text = render_text(result, policy=policy, lang="en")
    assert "<script>alert(1)</script>" not in text  # the English title is shown
    assert "<b onmouseover=alert(2)>x</b>" in text and EVIL_VALUE in text
