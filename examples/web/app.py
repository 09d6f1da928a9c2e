"""Embed a policylang explanation in a web page, with nothing but the standard library.

Run it, then open http://127.0.0.1:8000/ ::

    python examples/web/app.py --port 8000

The page lets you pick a bundled policy and one of its worked cases (or paste a fact set),
a language and an audience; the server evaluates the policy and puts the HTML explanation
from :func:`policylang.explanation.render.html.format_html` into its own page. The fragment brings its
own scoped styles and no scripts, so the host page needs nothing but to insert it.

Routes:

``GET /``             the page: form and explanation (query: ``policy``, ``case``, ``lang``,
                      ``audience``, ``why_not``)
``POST /explain``     the same for a pasted fact set (form fields ``policy``, ``facts``, ...)
``GET /fragment``     the bare HTML fragment, for an application that fetches it
``GET /healthz``      ``ok``
"""

from __future__ import annotations

import argparse
import html
import json
import threading
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import policylang
from policylang.explanation.render.html import format_html
from policylang.testing.cases import read_cases

DEFAULT_POLICY = "examples/benefit"
EXAMPLE_FACTS = "examples/benefit.facts.json"

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ margin: 0; font-family: Georgia, "Times New Roman", serif; background: #eef1f4; color: #222; }}
  .site-header {{ background: #16324f; color: #fff; padding: .8rem 1.5rem; }}
  .site-header h1 {{ margin: 0; font-size: 1.3rem; }}
  main {{ display: grid; grid-template-columns: minmax(14rem, 20rem) 1fr; gap: 1.5rem; padding: 1.5rem; }}
  .controls {{ align-self: start; }}
  form {{ background: #fff; padding: 1rem; border-radius: 6px; margin-bottom: 1rem; }}
  label {{ display: block; margin: .6rem 0 .2rem; font-weight: bold; }}
  select, textarea {{ width: 100%; }}
  textarea {{ height: 10rem; font-family: monospace; font-size: .8rem; }}
  .error {{ background: #fde8e8; border: 1px solid #c53030; padding: .75rem 1rem; border-radius: 6px; }}
  @media (max-width: 50rem) {{ main {{ grid-template-columns: 1fr; }} }}
</style>
</head>
<body>
<header class="site-header"><h1>Kommunen &middot; Afgørelse med begrundelse</h1></header>
<main>
<aside class="controls">
{form}
</aside>
<div class="explanation-slot">
{body}
</div>
</main>
</body>
</html>
"""


def bundled_cases() -> dict[str, dict[str, dict[str, Any]]]:
    """The worked cases of the bundled policies: policy -> case id -> facts and parameters."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    root = policylang.policies_root()
    example = root / EXAMPLE_FACTS
    if example.exists():
        facts = json.loads(example.read_text(encoding="utf-8"), parse_float=Decimal)
        found.setdefault(DEFAULT_POLICY, {})["example"] = {"facts": facts, "parameters": {}}
    for path in sorted((root / "cases").rglob("*.json")):
        try:
            cases = read_cases(path)
        except policylang.PolicyError:
            continue
        for case in cases:
            if case.error is None:
                found.setdefault(case.policy, {})[case.id] = {"facts": case.facts, "parameters": case.parameters}
    return found


class Explainer:
    """Loads policies once and explains fact sets; shared by the request handlers."""

    def __init__(self) -> None:
        self.cases = bundled_cases()
        self._policies: dict[str, policylang.Policy] = {}
        self._lock = threading.Lock()

    def policy(self, name: str) -> policylang.Policy:
        with self._lock:
            if name not in self._policies:
                if name not in self.cases:
                    raise policylang.PolicyNotFoundError(f"no bundled policy with worked cases named `{name}`")
                self._policies[name] = policylang.load(name)
            return self._policies[name]

    def fragment(self, policy: str, facts: Any, parameters: dict[str, Any], options: dict[str, Any]) -> str:
        p = self.policy(policy)
        result = p.evaluate(facts, parameters=parameters or None)
        explanation = policylang.explain(
            result, p, lang=options["lang"], audience=options["audience"], why_not=options["why_not"]
        )
        return format_html(explanation)


def _options(query: dict[str, list[str]]) -> dict[str, Any]:
    def one(name: str, default: str) -> str:
        return (query.get(name) or [default])[0]

    lang = one("lang", "da")
    audience = one("audience", "citizen")
    return {
        "lang": lang if lang in ("da", "en") else "da",
        "audience": audience if audience in ("caseworker", "citizen", "auditor") else "citizen",
        "why_not": one("why_not", "") in ("1", "on", "true", "yes"),
    }


def _form(explainer: Explainer, policy: str, case: str, options: dict[str, Any], facts_text: str) -> str:
    esc = html.escape
    choices = []
    for name, cases in explainer.cases.items():
        for case_id in cases:
            value = f"{name}#{case_id}"
            selected = " selected" if (name, case_id) == (policy, case) else ""
            choices.append(f'<option value="{esc(value)}"{selected}>{esc(name)} &ndash; {esc(case_id)}</option>')

    def radio(name: str, values: tuple[str, ...]) -> str:
        return " ".join(
            f'<label style="display:inline;font-weight:normal"><input type="radio" name="{name}" value="{v}"'
            f"{' checked' if options[name] == v else ''}> {v}</label>"
            for v in values
        )

    why = " checked" if options["why_not"] else ""
    return f"""<form method="get" action="/" class="case-form">
<label for="pick">Case</label>
<select id="pick" name="pick">{"".join(choices)}</select>
<label>Language</label> {radio("lang", ("da", "en"))}
<label>Audience</label> {radio("audience", ("citizen", "caseworker", "auditor"))}
<label><input type="checkbox" name="why_not" value="1"{why}> why not</label>
<p><button type="submit">Explain</button></p>
</form>
<form method="post" action="/explain" class="facts-form">
<input type="hidden" name="policy" value="{esc(policy)}">
<input type="hidden" name="lang" value="{esc(options["lang"])}">
<input type="hidden" name="audience" value="{esc(options["audience"])}">
<label for="facts">Facts (JSON)</label>
<textarea id="facts" name="facts">{esc(facts_text)}</textarea>
<p><button type="submit">Explain these facts</button></p>
</form>"""


class Handler(BaseHTTPRequestHandler):
    """Serves the page; the explainer is set on the server."""

    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/healthz":
            self._send(HTTPStatus.OK, "ok", "text/plain; charset=utf-8")
            return
        if url.path not in ("/", "/fragment"):
            self._send(HTTPStatus.NOT_FOUND, "<p>not found</p>")
            return
        policy, _, case = (query.get("pick") or [""])[0].partition("#")
        policy = policy or (query.get("policy") or [DEFAULT_POLICY])[0]
        cases = self.server.explainer.cases.get(policy, {})
        case = case or (query.get("case") or [next(iter(cases), "")])[0]
        options = _options(query)
        entry = cases.get(case)
        if entry is None:
            self._page(HTTPStatus.NOT_FOUND, policy, case, options, "", error=f"no case `{case}` of `{policy}`")
            return
        self._explain(policy, case, entry["facts"], entry["parameters"], options, fragment=url.path == "/fragment")

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/explain":
            self._send(HTTPStatus.NOT_FOUND, "<p>not found</p>")
            return
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        policy = (form.get("policy") or [DEFAULT_POLICY])[0]
        options = _options(form)
        text = (form.get("facts") or ["{}"])[0]
        try:
            facts = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as e:
            self._page(HTTPStatus.BAD_REQUEST, policy, "", options, text, error=f"the facts are not JSON: {e}")
            return
        self._explain(policy, "", facts, {}, options, facts_text=text)

    def _explain(
        self,
        policy: str,
        case: str,
        facts: Any,
        parameters: dict[str, Any],
        options: dict[str, Any],
        *,
        fragment: bool = False,
        facts_text: str | None = None,
    ) -> None:
        try:
            body = self.server.explainer.fragment(policy, facts, parameters, options)
        except policylang.PolicyError as e:
            self._page(HTTPStatus.BAD_REQUEST, policy, case, options, facts_text or "", error=e.format())
            return
        if fragment:
            self._send(HTTPStatus.OK, body)
            return
        text = facts_text if facts_text is not None else json.dumps(facts, indent=2, ensure_ascii=False, default=str)
        self._page(HTTPStatus.OK, policy, case, options, text, body=body)

    def _page(
        self,
        status: int,
        policy: str,
        case: str,
        options: dict[str, Any],
        facts_text: str,
        *,
        body: str = "",
        error: str | None = None,
    ) -> None:
        if error is not None:
            body = f'<div class="error" role="alert"><pre>{html.escape(error)}</pre></div>'
        page = PAGE.format(
            lang=options["lang"],
            title=html.escape(f"{policy} {case}".strip()),
            form=_form(self.server.explainer, policy, case, options, facts_text),
            body=body,
        )
        self._send(status, page)


class Server(ThreadingHTTPServer):
    """The HTTP server, with the explainer its handlers share."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, verbose: bool = False) -> None:
        self.explainer = Explainer()
        self.verbose = verbose
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


def serve_in_background(port: int = 0) -> Server:
    """Start the server on ``127.0.0.1:port`` (0: any free port) in a daemon thread."""
    server = Server(("127.0.0.1", port))
    threading.Thread(target=server.serve_forever, name="policylang-web", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = Server((args.host, args.port), verbose=True)
    print(f"serving on {server.url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()


__all__ = ["Explainer", "Server", "bundled_cases", "main", "serve_in_background"]
