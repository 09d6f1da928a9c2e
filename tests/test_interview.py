"""The interview page of ``policylang serve`` (``/``), end to end, in a real headless Chromium.

The real application runs under uvicorn on a free localhost port (``examples/web/service.py``);
Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it) is driven over the DevTools
protocol by ``examples/web/browser.py``, as ``tests/test_web.py`` drives it. A person's
answers are given with key events where a person would type (numbers, text, radio
buttons, check boxes, Enter to go on) and by setting the value of date pickers, whose
keyboard order depends on the browser's locale.

What the page shows is checked against the library and the service, never against
hard-coded answers: the question asked is the one ``POST /v1/questions`` ranks first, the
decisions are those ``Policy.evaluate`` makes of the facts on the page, a wrong value shows
the service's own message, and the downloaded facts file is one ``policylang eval`` reads.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import policylang
from policylang.cli import main
from policylang.serve.page import PAGE_FILES
from tests.web_examples import browser, example_module, needs_chromium

ROOT = Path(__file__).parent.parent
STATIC = ROOT / "policylang" / "serve" / "static"


background = example_module("service")

# Put into the page before its own scripts (the page's Content-Security-Policy does not
# apply to it): counts Content-Security-Policy violations and the page's requests, and can
# hold back the answer to one request, to see that a late answer does not win.
WATCH = """
window.__test = {violations: [], requests: [], hold: null};
document.addEventListener("securitypolicyviolation", (e) => {
  window.__test.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
const pageFetch = window.fetch.bind(window);
window.fetch = async (url, init) => {
  const body = String(init?.body ?? "");
  window.__test.requests.push({url: String(url), body});
  const response = await pageFetch(url, init);
  const hold = window.__test.hold;
  if (!hold || !body.includes(hold.marker)) return response;
  // read in full now, so that aborting the request later cannot stop the answer: only the
  // page's own rule (the newest request wins) keeps it from being shown
  const text = await response.text();
  hold.held += 1;
  await new Promise((resolve) => setTimeout(resolve, hold.ms));
  return new Response(text, {status: response.status, headers: response.headers});
};
"""


@pytest.fixture(scope="module")
def service() -> Iterator[Any]:
    with background.BackgroundService() as running:
        yield running


def _api(service: Any, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body, default=float).encode() if body is not None else None  # a Decimal as a number
    request = urllib.request.Request(service.url + path, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _case(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "policies" / "examples" / name).read_text(encoding="utf-8")))


# -- the files ----------------------------------------------------------------------------


def test_the_page_and_its_modules_are_served_and_self_contained(service: Any) -> None:
    with urllib.request.urlopen(service.url, timeout=30) as response:
        page = response.read().decode("utf-8")
        headers = response.headers
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    # no inline script or style: the policy would block them
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and " style=" not in page
    referenced = set(re.findall(r'"static/([\w.]+)"', page))
    assert referenced == {"interview.css", "interview.js"}
    imported: set[str] = set()
    for name in PAGE_FILES:
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} names an external resource"
        imported |= set(re.findall(r'from "\./([\w.]+)"', text))
        with urllib.request.urlopen(f"{service.url}static/{name}", timeout=30) as response:
            assert response.status == 200 and response.read().decode("utf-8") == text
    # every module the page imports is served, and nothing is served that no one uses
    assert imported | referenced == set(PAGE_FILES)
    status, error = _api(service, "static/nope.js")
    assert status == 404 and error["error"]["code"] == "pol-no-route"
    _, spec = _api(service, "openapi.json")
    (parameter,) = spec["paths"]["/static/{file}"]["get"]["parameters"]
    assert parameter["schema"]["enum"] == sorted(PAGE_FILES)


# -- driving the page ---------------------------------------------------------------------


class Interview:
    """The interview page in a Chromium: what a person does on it, and what it shows."""

    def __init__(self, chromium: Any, service: Any) -> None:
        self.b = chromium
        self.service = service
        self.b.call("Log.enable")
        self.b.call("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        self.b.open(service.url)
        self.idle()

    def js(self, expression: str) -> Any:
        return self.b.evaluate(expression)

    def idle(self, timeout: float = 20) -> None:
        """Wait until no answer is awaited: no request pending and none about to be sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.js(
                "document.readyState === 'complete' && [...document.querySelectorAll('[aria-busy]')]"
                ".every((e) => e.getAttribute('aria-busy') === 'false')"
            ):
                return
            time.sleep(0.03)
        raise AssertionError("the page still waits for the service")

    def set_value(self, selector: str, value: str) -> None:
        """Give a field a value as a picker does: focus it, set it, and send input and change events."""
        self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus();"
            f" e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def focus(self, selector: str) -> None:
        """Move the keyboard focus to the element ``selector`` (or to what the page redraws it as)."""
        moved = self.js(
            f"(() => {{ document.querySelector({json.dumps(selector)}).focus();"
            f" return document.activeElement.matches({json.dumps(selector)}); }})()"
        )
        assert moved, selector

    def choose_policy_by_keyboard(self, name: str) -> None:
        self.focus("#policy")
        for _ in range(30):
            if self.js("document.getElementById('policy').value") == name:
                break
            self.b.press("ArrowDown")
        assert self.js("document.getElementById('policy').value") == name
        self.idle()

    def current(self) -> str | None:
        fact: str | None = self.js("document.querySelector('#question .question')?.dataset.fact ?? null")
        return fact

    def kind(self) -> str:
        classes: str = self.js("document.querySelector('#question .question').className")
        return classes.split("kind-")[1].split()[0]

    def facts(self) -> dict[str, Any]:
        text = self.js("document.getElementById('facts-json').textContent")
        facts: dict[str, Any] = json.loads(text, parse_float=Decimal)
        return facts

    def decisions(self) -> dict[str, str]:
        """Each decision's status on the page: decided, undetermined or no-rule."""
        found: dict[str, str] = self.js(
            "Object.fromEntries([...document.querySelectorAll('#decisions [data-decision]')]"
            ".map((e) => [e.dataset.decision, e.dataset.status]))"
        )
        return found

    def decision_text(self, name: str) -> str:
        text: str = self.js(f"document.querySelector('#decisions [data-decision={name}] .decision-value').textContent")
        return text

    def answer(self, fact: str, value: Any) -> None:
        """Answer the question being asked with ``value`` (as a facts file holds it), then go on with Enter."""
        assert self.current() == fact
        kind, q = self.kind(), f"#q-{fact}"
        if value is None and self.js("document.querySelector('#question select[id]')?.id") == f"q-{fact}":
            self.set_value(q, "(none)")
        elif value is None:
            self.focus(f"{q}-none" if kind not in ("bool", "enum") else "#question input[data-none]")
            self.b.press(" ")
        elif kind in ("date", "datetime", "time"):
            self.set_value(q, value[:19] if kind == "datetime" else value)
        elif kind in ("int", "decimal", "money", "text"):
            self.focus(q)
            self.b.type(str(value))
        elif kind in ("bool", "enum") and self.js("!!document.querySelector('#question input[type=radio]')"):
            wanted = json.dumps(value) if isinstance(value, bool) else value
            self.focus(f"#question input[type=radio][value={json.dumps(wanted)}]")
            self.b.press(" ")
        elif kind in ("bool", "enum"):
            self.set_value(q, value)
        elif kind == "choices":
            for item in value:
                self.focus(f"#question input[type=checkbox][value={json.dumps(item)}]")
                self.b.press(" ")
        elif kind == "records":
            for index, record in enumerate(value):
                self.focus("#question .add-row")
                self.b.press("Enter")
                for field, item in record.items():
                    selector = f"#q-{fact}-r{index}-{field}"
                    if self.js(f"document.querySelector('{selector}').tagName") == "SELECT":
                        self.set_value(selector, json.dumps(item) if isinstance(item, bool) else item)
                    else:
                        self.focus(selector)
                        self.b.type(str(item))
        else:
            raise AssertionError(f"no way to answer a {kind} question")
        self.focus("#question .primary")
        self.b.press("Enter")
        self.idle()

    def problems(self, allowed_status: int | None = None) -> list[str]:
        """Console errors, uncaught exceptions, failed loads and Content-Security-Policy violations."""
        found = [f"CSP: {v}" for v in self.js("window.__test.violations")]
        for event in self.b.events("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded"):
            params = event["params"]
            if event["method"] == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif event["method"] == "Runtime.consoleAPICalled":
                if params["type"] in ("error", "warning", "assert"):
                    found.append(f"console.{params['type']}: {params['args']}")
            elif params["entry"]["level"] in ("error", "warning"):
                entry = params["entry"]
                expected = (
                    allowed_status is not None
                    and entry["source"] == "network"
                    and f"status of {allowed_status}" in entry["text"]
                    and "/v1/" in entry.get("url", "")
                )
                if not expected:
                    found.append(f"log: {entry['source']} {entry['text']} {entry.get('url', '')}")
        return found


def _library_statuses(name: str, facts: dict[str, Any]) -> dict[str, str]:
    result = policylang.load(name).evaluate(facts)
    statuses = {}
    for decision in policylang.load(name).manifest()["decisions"]:
        if decision in result.decisions:
            statuses[decision] = "decided"
        elif decision in result.no_rule:
            statuses[decision] = "no-rule"
        else:
            statuses[decision] = "undetermined"
    return statuses


# -- the interview ------------------------------------------------------------------------


@needs_chromium
def test_an_interview_of_examples_benefit_by_keyboard(service: Any, tmp_path: Path) -> None:
    name = "examples/benefit"
    case = _case("benefit.facts.json")
    manifest = policylang.load(name).manifest()
    with browser.Chromium(width=1280, height=900) as b:
        page = Interview(b, service)
        # the policy list loads: every policy the service serves, by its title
        _, listed = _api(service, "v1/policies")
        assert page.js("[...document.querySelectorAll('#policy option')].map((o) => o.value).filter(Boolean)") == [
            p["name"] for p in listed["policies"]
        ]
        page.set_value("#lang", "en")
        page.choose_policy_by_keyboard(name)
        # the first question is the one the service ranks first, labelled as the policy labels it
        _, ranked = _api(service, f"v1/questions/{name}", {"facts": {}})
        first = ranked["questions"][0]["fact"]
        assert page.current() == first
        assert page.js("document.querySelector('#question .question-label').textContent").startswith(
            manifest["facts"][first]["labels"]["en"]
        )
        assert page.js("[...document.querySelectorAll('#upcoming li')].map((li) => li.dataset.fact)")[:4] == [
            q["fact"] for q in ranked["questions"][1:5]
        ]
        # from the policy list, Tab reaches the question's field, with a visible focus
        page.focus("#policy")
        b.press("Tab")
        assert page.js("document.activeElement.id") == f"q-{first}"
        assert page.js("getComputedStyle(document.activeElement).outlineStyle") != "none"
        assert set(page.decisions().values()) == {"undetermined"}
        # a detail opened in the explanation stays open while the answers come in
        b.click("#explanation [data-decision=eligible] details > summary")

        went_decided: set[str] = set()
        while (fact := page.current()) is not None:
            before = page.decisions()
            if fact == "income":
                _wrong_value_shows_the_services_error(page, service, name)
            page.answer(fact, case[fact])
            facts = page.facts()
            assert facts[fact] == case[fact] or fact == "applied_at"
            # the decisions follow the answers: exactly those the library decides
            after = page.decisions()
            assert after == _library_statuses(name, facts), fact
            went_decided |= {d for d in after if before[d] == "undetermined" and after[d] == "decided"}
        assert "adult" in went_decided and "income_band" in went_decided
        assert page.js("document.querySelector('#explanation [data-decision=eligible] details').open") is True
        result = policylang.load(name).evaluate(page.facts())
        assert page.decision_text("income_band") == "low" == result.decisions["income_band"]
        assert page.js("document.getElementById('status').textContent").endswith(
            f"{len(result.decisions)} of {len(manifest['decisions'])} decisions are made."
        )

        # the facts file: downloaded as shown, and the command line reads it
        b.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}, session=None)
        b.click("#download")
        saved = tmp_path / "benefit.facts.json"
        for _ in range(100):
            if saved.exists() and saved.stat().st_size:
                break
            time.sleep(0.05)
        assert json.loads(saved.read_text(encoding="utf-8"), parse_float=Decimal) == page.facts()
        assert main(["eval", name, "--facts", str(saved), "--format", "json", "--no-trace"]) == 0

        # nothing about the person in the address, the browser's storage or a request's URL
        assert page.js("[location.search, location.hash, document.cookie]") == ["", "", ""]
        assert page.js("[localStorage.length, sessionStorage.length]") == [0, 0]
        urls = " ".join(r["url"] for r in page.js("window.__test.requests"))
        assert "1990-01-01" not in urls and "120000" not in urls

        # in Danish for a citizen: the page's words, the labels and the explanation
        page.set_value("#lang", "da")
        page.set_value("#audience", "citizen")
        page.idle()
        assert page.js("document.documentElement.lang") == "da"
        assert page.js("document.getElementById('decisions-heading').textContent") == "Afgørelser"
        assert (
            page.js("document.querySelector('[data-decision=income_band] .decision-label').textContent")
            == (manifest["decisions"]["income_band"]["labels"]["da"])
        )
        root = "#explanation .policylang-explanation"
        assert page.js(f"document.querySelector('{root}').lang") == "da"
        assert page.js(f"document.querySelector('{root}').classList.contains('plx-audience-citizen')")
        explained = page.js(f"document.querySelector('{root}').innerText")
        assert manifest["title"]["da"] in explained
        assert page.js(f"document.querySelectorAll('{root} code').length") == 0
        for code in manifest["facts"]:
            assert not re.search(rf"\b{code}\b", explained), f"the citizen's explanation names the fact {code}"

        assert page.problems(allowed_status=422) == []


def _wrong_value_shows_the_services_error(page: Interview, service: Any, name: str) -> None:
    """Type a wrong income: the service's 422 appears by the field; then clear it again."""
    page.focus("#q-income")
    page.b.type("abc")
    page.idle()
    status, answer = _api(service, f"v1/evaluate/{name}", {"facts": {**page.facts(), "income": "abc"}})
    assert status == 422 and answer["error"]["fact"] == "income"
    error = page.js("document.getElementById('q-income-error').textContent")
    assert answer["error"]["message"] in error
    assert page.js("document.getElementById('q-income').getAttribute('aria-invalid')") == "true"
    assert page.js("document.getElementById('q-income-error').hidden") is False
    assert "Income" in page.js("document.getElementById('status').textContent")
    page.set_value("#q-income", "")
    page.idle()
    assert page.js("document.getElementById('q-income-error').hidden") is True
    assert page.js("document.getElementById('q-income').hasAttribute('aria-invalid')") is False


@needs_chromium
def test_typing_is_debounced_and_a_late_answer_never_overwrites_a_newer_one(service: Any) -> None:
    with browser.Chromium(width=1000, height=800) as b:
        page = Interview(b, service)
        page.set_value("#lang", "en")
        page.set_value("#policy", "examples/benefit")
        page.idle()
        b.click("#upcoming li[data-fact=income] button")
        assert page.current() == "income" and page.js("document.activeElement.id") == "q-income"
        evaluations = "window.__test.requests.filter((r) => r.url.includes('v1/evaluate/')).length"
        sent = page.js(evaluations)
        b.type("120000")
        page.idle()
        assert page.js(evaluations) == sent + 1  # six keys, one request
        assert page.decision_text("income_band") == "low"
        # the answer to "1" is held back until after the answer to "900000"
        page.js("window.__test.hold = {marker: '\"income\":1}', ms: 1500, held: 0}")
        page.set_value("#q-income", "1")
        time.sleep(0.5)  # past the pause: the request for "1" is sent
        page.set_value("#q-income", "900000")
        page.idle()
        assert page.js("window.__test.hold.held") >= 1
        assert page.decision_text("income_band") == "high"
        time.sleep(1.5)  # the held answer has arrived by now, and was dropped
        assert page.decision_text("income_band") == "high"
        assert page.facts()["income"] == 900000
        assert page.problems() == []


@needs_chromium
def test_a_loaded_facts_file_is_the_case_and_its_wrong_value_is_shown_by_its_answer(
    service: Any, tmp_path: Path
) -> None:
    name = "examples/benefit"
    saved = tmp_path / "case.json"
    saved.write_text('{"as_of": "2024-05-01", "savings": 20000.50, "income": "abc"}', encoding="utf-8")
    with browser.Chromium(width=1000, height=800) as b:
        page = Interview(b, service)
        page.set_value("#lang", "en")
        page.set_value("#policy", name)
        page.idle()
        chooser = b.call("Runtime.evaluate", {"expression": "document.getElementById('load')"})["result"]
        b.call("DOM.setFileInputFiles", {"files": [str(saved)], "objectId": chooser["objectId"]})
        page.idle()
        assert page.facts() == {"as_of": "2024-05-01", "savings": Decimal("20000.50"), "income": "abc"}
        assert page.js("document.getElementById('facts-json').textContent").count("20000.50") == 1  # exact
        # the service's error is shown by the answer it is about, which is not being asked
        _, answer = _api(service, f"v1/evaluate/{name}", {"facts": {"income": "abc"}})
        assert page.current() != "income"
        assert answer["error"]["message"] in page.js(
            "document.querySelector('li[data-fact=income] .error').textContent"
        )
        # changing it asks it again, with the error by its field; a right value clears it
        page.focus("li[data-fact=income] button")
        b.press("Enter")
        assert page.current() == "income" and page.js("document.activeElement.id") == "q-income"
        assert answer["error"]["message"] in page.js("document.getElementById('q-income-error').textContent")
        page.js("document.getElementById('q-income').select()")
        b.type("90000")
        page.idle()
        assert page.js("document.querySelectorAll('.error:not([hidden])').length") == 0
        assert page.decisions()["income_band"] == "decided"
        # removing an answer by keyboard keeps the focus in the list, on the next answer's button
        listed = page.js("[...document.querySelectorAll('#answers li')].map((li) => li.dataset.fact)")
        page.focus("#answers [data-key='remove:as_of']")
        b.press("Enter")
        page.idle()
        assert "as_of" not in page.facts()
        following = listed[listed.index("as_of") + 1]
        assert page.js("document.activeElement.dataset.key") == f"remove:{following}"
        assert page.problems(allowed_status=422) == []


@needs_chromium
def test_help_and_repatriation_asks_its_first_ranked_questions(service: Any) -> None:
    name = "residence/help_and_repatriation"
    case = _case("help_and_repatriation.facts.json")
    with browser.Chromium(width=1280, height=900) as b:
        page = Interview(b, service)
        page.set_value("#lang", "da")
        page.choose_policy_by_keyboard(name)
        for _ in range(6):
            facts = page.facts()
            _, ranked = _api(service, f"v1/questions/{name}", {"facts": facts})
            fact = ranked["questions"][0]["fact"]
            assert page.current() == fact
            assert (
                page.js("document.querySelector('#question .question-label').firstChild.textContent")
                == (ranked["questions"][0]["da"])
            )
            page.answer(fact, case[fact])
            assert page.facts()[fact] == case[fact]
            assert page.decisions() == _library_statuses(name, page.facts())
        assert len(page.facts()) == 6
        assert "decided" in page.decisions().values()
        assert page.js("document.querySelector('#explanation .policylang-explanation').lang") == "da"
        assert page.problems() == []


@needs_chromium
def test_typed_numbers_and_times_become_the_values_a_facts_file_holds(service: Any) -> None:
    """values.js in the page: numbers kept exact, a thousands separator refused, local times given their offset."""
    with browser.Chromium(width=800, height=600) as b:
        b.call("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Copenhagen"})
        b.open(service.url)
        read = b.evaluate(
            """(async () => {
              const v = await import("./static/values.js");
              const read = (text, lang) => {
                const r = v.readNumber(text, lang);
                return r.problem ? "problem" : r.empty ? "empty" : JSON.stringify(r.value);
              };
              const policy = {types: {}, rules: {}};
              return {
                danishComma: read("20000,50", "da"),
                englishPoint: read("20000.50", "en"),
                spaces: read(" 1 500 ", "da"),
                zeros: read("007", "da"),
                negative: read("-3,5", "en"),
                danishThousands: read("20.000", "da"),
                englishThousands: read("20,000", "en"),
                words: read("abc", "da"),
                nothing: read("  ", "da"),
                summer: v.withOffset("2024-05-04T10:00"),
                winter: v.withOffset("2024-01-04T10:00:30"),
                back: v.localInput("2024-05-04T08:00:00Z"),
                money: v.shown(120000, {type: "money"}, policy, "da"),
                exact: v.shown(v.exactNumber("0.10"), {type: "decimal"}, policy, "en"),
                date: v.shown("2024-05-01", {type: "date"}, policy, "da"),
              };
            })()"""
        )
    assert read == {
        "danishComma": "20000.50",
        "englishPoint": "20000.50",
        "spaces": "1500",
        "zeros": "7",
        "negative": "-3.5",
        "danishThousands": "problem",
        "englishThousands": "problem",
        "words": '"abc"',
        "nothing": "empty",
        "summer": "2024-05-04T10:00:00+02:00",
        "winter": "2024-01-04T10:00:30+01:00",
        "back": "2024-05-04T10:00:00",
        "money": "120.000\xa0kr.",
        "exact": "0.10",
        "date": "1. maj 2024",
    }
