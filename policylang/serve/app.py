"""The service as an ASGI application (Starlette): routes, error answers, headers and the interview page.

>>> from starlette.testclient import TestClient
>>> app = create_app(Settings(policies=("policies/examples/benefit.pol",), bundled=False))
>>> with TestClient(app) as client:
...     client.get("/v1/policies").json()["policies"][0]["name"]
'examples/benefit'

Every answer is JSON but the page's files and a non-JSON explanation; every error is
``{"error": {...}}`` with its status (:mod:`policylang.serve.errors`); a failure of the
service itself is a 500 with no detail for the client and the traceback in the log.
Answers about a person are not cached (``Cache-Control: no-store``) and name no one in the
log but by the policy they were evaluated with (uvicorn's access log: method, path, status).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policylang.explanation.render.html import STYLE
from policylang.serve.catalogue import Catalogue
from policylang.serve.errors import NOT_ALLOWED, NOT_FOUND, ApiError
from policylang.serve.openapi import document
from policylang.serve.routes import Service, json_response
from policylang.serve.settings import Settings

LOG = logging.getLogger("policylang.serve")

PAGE_FILES = {
    "interview.js": "text/javascript; charset=utf-8",
    "interview.css": "text/css; charset=utf-8",
}


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Starlette:
    """The application serving ``catalogue`` (by default the policies ``settings`` names, loaded now)."""
    settings = settings or Settings()
    catalogue = catalogue or Catalogue.of(settings.policies, bundled=settings.bundled)
    for name in catalogue.replaced:
        LOG.warning("serving %s from the given path instead of the bundled policy", name)
    service = Service(catalogue, settings)
    spec = document(catalogue)
    page = _Page()
    routes = [
        Route("/", page.index, methods=["GET"]),
        Route("/static/{file}", page.file, methods=["GET"]),
        Route("/healthz", service.health, methods=["GET"]),
        Route("/openapi.json", lambda request: json_response(spec), methods=["GET"]),
        Route("/v1/policies", service.policies, methods=["GET"]),
        Route("/v1/policies/{name:path}", service.manifest, methods=["GET"]),
        Route("/v1/evaluate/{name:path}", service.evaluate, methods=["POST"]),
        Route("/v1/explain/{name:path}", service.explain, methods=["POST"]),
        Route("/v1/questions/{name:path}", service.questions, methods=["POST"]),
    ]
    handlers: dict[Any, Any] = {ApiError: _api_error, HTTPException: _http_error, Exception: _failure}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.add_middleware(_Headers, policy=page.content_security_policy)
    return app


def app_from_environment() -> Starlette:
    """The application a uvicorn worker builds, from the settings in its environment (``--workers N``)."""
    return create_app(Settings.from_environment())


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return json_response(error.to_dict(), error.status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == NOT_FOUND:
        answer = ApiError(NOT_FOUND, "pol-no-route", f"no route {request.url.path}", hint="see /openapi.json")
    elif error.status_code == NOT_ALLOWED:
        answer = ApiError(NOT_ALLOWED, "pol-method", f"{request.method} is not allowed on {request.url.path}")
    else:
        answer = ApiError(error.status_code, "pol-http", str(error.detail))
    response = json_response(answer.to_dict(), answer.status)
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _failure(request: Request, error: Exception) -> Response:
    LOG.error("the service failed on %s %s", request.method, request.url.path, exc_info=error)
    body = ApiError(500, "pol-internal", "the service failed to answer; its log has the details").to_dict()
    return json_response(body, 500)


class _Page:
    """The interview page: its HTML, script and style, read once from the package."""

    def __init__(self) -> None:
        static = files("policylang.serve") / "static"
        self.texts = {name: (static / name).read_text(encoding="utf-8") for name in (*PAGE_FILES, "index.html")}
        explanation_style = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
        # The explanation fragment brings its own <style>: allowed by its hash, and nothing else inline.
        self.content_security_policy = (
            "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
            f"style-src 'self' 'sha256-{explanation_style}'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        )

    async def index(self, request: Request) -> Response:
        return Response(self.texts["index.html"], media_type="text/html; charset=utf-8")

    async def file(self, request: Request) -> Response:
        name = request.path_params["file"]
        if name not in PAGE_FILES:
            raise ApiError(NOT_FOUND, "pol-no-route", f"no file /static/{name}")
        return Response(self.texts[name], media_type=PAGE_FILES[name])


class _Headers:
    """Headers on every answer: no sniffing, no caching of answers about a person, the page's content policy."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
            (b"content-security-policy", policy.encode("ascii")),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["app_from_environment", "create_app"]
