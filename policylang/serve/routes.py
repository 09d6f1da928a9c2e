"""The HTTP contract, route by route: what each one reads, what it runs, what it answers.

==========================================  =====================================================
``GET /v1/policies``                        the served policies: name, title, version, manifest
                                            hash, validity
``GET /v1/policies/{name}``                 the policy's manifest (``policylang.manifest/1``)
``POST /v1/evaluate/{name}``                the result, as ``result.to_dict()`` gives it
``POST /v1/explain/{name}?format&lang&...`` the explanation: JSON, HTML, text or Markdown
``POST /v1/questions/{name}``               the next questions, ranked
``GET /healthz``                            ``{"status": "ok", ...}``
==========================================  =====================================================

Evaluating runs in a worker thread, within the request's time bound; everything a
request can get wrong is an :class:`~policylang.serve.errors.ApiError`. One exception:
``evaluate`` with a small body (``Settings.inline_bytes``), of a policy whose work grows
no faster than its facts (:func:`~policylang.ir.cost.nested_iteration`), runs on the
event loop itself, since handing it to a thread would cost more than evaluating it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from policylang.base.errors import PolicyError
from policylang.base.suggest import suggest
from policylang.base.version import __version__
from policylang.engine.result import Result
from policylang.explanation.model import AUDIENCES, LANGUAGES
from policylang.policy.policy import Policy
from policylang.serve.bodies import Body, parse_json, read_body, request_from
from policylang.serve.catalogue import Catalogue
from policylang.serve.errors import TIMEOUT, ApiError, from_policy_error, request_error
from policylang.serve.settings import Settings

T = TypeVar("T")

UNAVAILABLE = 503
JSON_TYPE = "application/json"
FORMATS = {
    "json": JSON_TYPE,
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}
EXPLAIN_QUERY = {"format": tuple(FORMATS), "lang": LANGUAGES, "audience": AUDIENCES}
EXPLAIN_DEFAULTS = {"format": "json", "lang": "en", "audience": "caseworker"}


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON (letters as they are; a ``Decimal`` as its digits)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON answer."""
    return Response(json_bytes(data), status_code=status, media_type=JSON_TYPE)


class Service:
    """The routes' handlers, over one catalogue of policies and one set of settings."""

    def __init__(self, catalogue: Catalogue, settings: Settings) -> None:
        self.catalogue = catalogue
        self.settings = settings

    async def policies(self, request: Request) -> Response:
        """``GET /v1/policies``."""
        return json_response({"policies": self.catalogue.summaries()})

    async def manifest(self, request: Request) -> Response:
        """``GET /v1/policies/{name}``."""
        return json_response(self.catalogue.manifest(request.path_params["name"]))

    async def health(self, request: Request) -> Response:
        """``GET /healthz``: the service is up, with its version and how many policies it serves."""
        return json_response({"status": "ok", "version": __version__, "policies": len(self.catalogue.names)})

    async def evaluate(self, request: Request) -> Response:
        """``POST /v1/evaluate/{name}``: on the event loop where that is cheap and bounded, else in a thread."""
        policy, body, size = await self._read(request, "evaluate")

        def work() -> Response:
            return json_response(_evaluated(policy, body).to_dict())

        if size <= self.settings.inline_bytes and not body.exhaustive and self.catalogue.linear(policy.name):
            return _answering(work)()
        return await self._run(work)

    async def explain(self, request: Request) -> Response:
        """``POST /v1/explain/{name}``: ``format``, ``lang`` and ``audience`` in the query."""
        query = _query(request)
        policy, body, _ = await self._read(request, "explain")
        return await self._run(lambda: _explanation(policy, body, **query))

    async def questions(self, request: Request) -> Response:
        """``POST /v1/questions/{name}``: the answer ``policylang questions --format json`` prints."""
        policy, body, _ = await self._read(request, "questions")
        return await self._run(lambda: json_response(_questions(policy, body)))

    async def _read(self, request: Request, route: str) -> tuple[Policy, Body, int]:
        """The policy, what the body asks for, and the body's size in bytes."""
        policy = self.catalogue.policy(request.path_params["name"])
        try:
            with anyio.fail_after(self.settings.request_seconds):
                raw = await read_body(request.stream(), request.headers, self.settings.body_bytes)
        except TimeoutError:
            raise ApiError(TIMEOUT, "pol-timeout", "the body did not arrive in time") from None
        return policy, request_from(parse_json(raw), route), len(raw)

    async def _run(self, work: Callable[[], T]) -> T:
        """``work`` in a worker thread; a 503 when it takes longer than the request may."""
        try:
            with anyio.fail_after(self.settings.request_seconds):
                return await anyio.to_thread.run_sync(_answering(work), abandon_on_cancel=True)
        except TimeoutError:
            raise ApiError(
                UNAVAILABLE,
                "pol-timeout",
                f"the answer took longer than {self.settings.request_seconds:g} seconds, the service's limit",
            ) from None


def _answering(work: Callable[[], T]) -> Callable[[], T]:
    """``work``, with a :class:`~policylang.PolicyError` turned into the answer for it."""

    def run() -> T:
        try:
            return work()
        except PolicyError as e:
            raise from_policy_error(e) from None

    return run


def _evaluated(policy: Policy, body: Body) -> Result:
    if body.record is not None:
        return Result.from_dict(body.record, policy.program)
    return policy.evaluate(
        body.facts,
        trace=body.trace,
        parameters=body.parameters or None,
        ignore_unknown_facts=body.ignore_unknown_facts,
        exhaustive=body.exhaustive,
    )


def _query(request: Request) -> dict[str, str]:
    chosen = dict(EXPLAIN_DEFAULTS)
    for name, value in request.query_params.items():
        if name not in EXPLAIN_QUERY:
            raise request_error(f"the query has no parameter `{name}`", field=name, hint=suggest(name, EXPLAIN_QUERY))
        if value not in EXPLAIN_QUERY[name]:
            allowed = EXPLAIN_QUERY[name]
            raise request_error(
                f"`{name}` must be one of {', '.join(allowed)}, not `{value}`",
                field=name,
                hint=suggest(value, allowed),
            )
        chosen[name] = value
    return chosen


def _explanation(policy: Policy, body: Body, *, format: str, lang: str, audience: str) -> Response:
    from policylang.explanation.build import explain

    result = _evaluated(policy, body)
    explained = explain(result, policy, lang=lang, audience=audience, decisions=body.decisions, why_not=body.why_not)
    if format == "json":
        return json_response(explained.to_dict())
    if format == "html":
        from policylang.explanation.render.html import format_html

        text = format_html(explained)
    elif format == "markdown":
        from policylang.explanation.render.markdown import format_markdown

        text = format_markdown(explained)
    else:
        from policylang.explanation.render.text import format_text

        text = format_text(explained)
    return Response(text, media_type=FORMATS[format])


def _questions(policy: Policy, body: Body) -> dict[str, Any]:
    from policylang.explanation.questions import next_questions

    found = next_questions(
        policy,
        body.facts,
        parameters=body.parameters or None,
        decisions=body.decisions,
        limit=body.limit,
        ignore_unknown_facts=body.ignore_unknown_facts,
        exhaustive=body.exhaustive,
    )
    return {"policy": policy.name, "questions": [question.to_dict() for question in found]}


__all__ = ["EXPLAIN_DEFAULTS", "EXPLAIN_QUERY", "FORMATS", "Service", "json_bytes", "json_response"]
