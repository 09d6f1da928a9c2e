"""The embedding example (``examples/web``) end to end, in a real headless Chromium.

The example serves a page that evaluates a bundled policy and puts the HTML explanation
into it. Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it) is driven over
the DevTools protocol by ``examples/web/browser.py``: the explanation must be visible, its
collapsible detail must be closed at first and open on a mouse click, and the page must
load nothing from outside (its Content-Security-Policy would block it).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web_examples import browser, example_module, needs_chromium

app = example_module("app")
ROOT = ".policylang-explanation"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    srv = app.serve_in_background()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(url: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, body, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


def test_the_page_embeds_the_explanation_fragment(server: Any) -> None:
    status, headers, page = _get(server.url + "?policy=residence/help_and_repatriation&case=R01&lang=da")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<div class="policylang-explanation plx plx-audience-citizen" lang="da"' in page
    explanation = page.split('<div class="explanation-slot">')[1]
    assert "Hjælp og hjemsendelse" in explanation
    assert "1970-05-05" not in explanation  # the date of birth is personal (the page's own form shows the facts)
    status, _, fragment = _get(server.url + "fragment?policy=examples/benefit&case=example&audience=caseworker")
    assert status == 200 and fragment.startswith('<div class="policylang-explanation')


def test_posted_facts_are_explained_and_mistakes_are_shown_escaped(server: Any) -> None:
    facts = {"as_of": "2024-05-01", "income": 90000}
    form = {"policy": "examples/benefit", "facts": json.dumps(facts), "audience": "caseworker", "lang": "da"}
    status, _, page = _get(server.url + "explain", form)
    assert status == 200 and "Indkomstsats" in page and "Næste spørgsmål" in page
    # a citizen is told the decisions in words, and is asked no questions in codes
    status, _, page = _get(server.url + "explain", form | {"audience": "citizen"})
    assert status == 200 and "Indkomstsats" in page and "Næste spørgsmål" not in page
    status, _, page = _get(server.url + "explain", {"policy": "examples/benefit", "facts": '{"income": "<b>x</b>"}'})
    assert status == 400 and "error[pol-" in page and "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    status, _, page = _get(server.url + "explain", {"policy": "examples/benefit", "facts": "{not json"})
    assert status == 400 and "the facts are not JSON" in page
    status, _, _ = _get(server.url + "?policy=examples/benefit&case=NOPE")
    assert status == 404


@needs_chromium
def test_in_chromium_the_explanation_is_visible_and_its_detail_opens_on_a_click(server: Any) -> None:
    with browser.Chromium(width=1100, height=900) as b:
        b.open(server.url + "?policy=residence/help_and_repatriation&case=R01&lang=da&audience=caseworker&why_not=1")
        assert b.visible(ROOT)
        assert b.evaluate(f"document.querySelector('{ROOT} h2').textContent").startswith("Hjælp og hjemsendelse")
        first = f"{ROOT} .plx-decision"
        assert b.visible(f"{first} h3") and b.visible(f"{first} blockquote")
        assert b.evaluate(f"document.querySelector('{first} h3').innerText").startswith("Lovligt ophold")
        # closed at first: the detail takes no space
        assert b.evaluate(f"document.querySelector('{first} details').open") is False
        assert not b.visible(f"{first} details > div")
        b.click(f"{first} details > summary")
        assert b.evaluate(f"document.querySelector('{first} details').open") is True
        assert b.visible(f"{first} details > div")
        detail = b.evaluate(f"document.querySelector('{first} details > div').innerText")
        assert "Betingelse" in detail and "Hvorfor ikke andet" in detail
        # the summary comes first, and the facts used are listed once, at the end
        assert b.visible(f"{ROOT} .plx-summary") and b.visible(f"{ROOT} .plx-facts table")
        summary = b.evaluate(f"document.querySelector('{ROOT} .plx-summary').innerText")
        assert "Lovligt ophold" in summary
        # a second click closes it again
        b.click(f"{first} details > summary")
        assert not b.visible(f"{first} details > div")
        # self-contained: no scripts, and nothing was fetched besides the page itself
        assert b.evaluate("document.scripts.length") == 0
        assert b.evaluate("performance.getEntriesByType('resource').length") == 0
        # scoped styles: the fragment has its own font, the page keeps its own
        fonts = b.evaluate(
            f"[getComputedStyle(document.querySelector('{ROOT}')).fontFamily,"
            " getComputedStyle(document.querySelector('.site-header h1')).fontFamily]"
        )
        assert fonts[0].startswith("system-ui") and fonts[1].startswith("Georgia")


@needs_chromium
def test_in_chromium_the_form_explains_pasted_facts(server: Any) -> None:
    with browser.Chromium() as b:
        b.open(server.url + "?policy=examples/benefit&case=example&lang=en&audience=caseworker")
        facts = json.dumps({"as_of": "2024-05-01", "income": 400000, "savings": 0})
        b.evaluate(f"document.querySelector('#facts').value = {json.dumps(facts)}")
        b._events.clear()
        b.click(".facts-form button")
        b.wait_for("Page.loadEventFired")
        band = b.evaluate(f"document.querySelector('{ROOT} [data-decision=income_band] h3').innerText")
        assert "high" in band  # the form keeps the page's language
        assert b.visible(f"{ROOT} .plx-questions")
