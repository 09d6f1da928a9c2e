"""The OpenAPI 3.1 document of the service, made from the served catalogue and the published schemas.

The result, manifest and explanation formats are the JSON Schemas in
``policylang/schemas/``; their ``$defs`` become components of their own
(``Result.node``, ``Manifest.type``, ...), so that one document holds them all. The path
parameter ``name`` lists the served policies; a name holds a slash, which a client may
write as is or as ``%2F``.

>>> from policylang.serve.catalogue import Catalogue
>>> spec = document(Catalogue.of(["policies/examples/benefit.pol"], bundled=False))
>>> spec["openapi"], sorted(spec["paths"])[:3]
('3.1.0', ['/', '/healthz', '/openapi.json'])
>>> spec["components"]["schemas"]["Result.children"]
{'type': 'array', 'items': {'$ref': '#/components/schemas/Result.node'}}
"""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

from policylang.base.version import __version__
from policylang.serve.bodies import BOOL, COUNT, FIELDS, NAMES, OBJECT
from policylang.serve.catalogue import Catalogue
from policylang.serve.routes import EXPLAIN_DEFAULTS, EXPLAIN_QUERY

SCHEMAS = {"Result": "result", "Manifest": "manifest", "Explanation": "explanation"}
ERRORS = {
    "400": "the body is not JSON (or is empty, or not UTF-8)",
    "404": "no such policy (the hint names the one most like it)",
    "408": "the body did not arrive in time",
    "413": "the body is larger than the service's limit",
    "415": "the body is not sent as application/json",
    "422": "a fact, a parameter, a stored record or a field of the body is wrong",
    "503": "the answer took longer than the service's limit",
}
KINDS: dict[str, dict[str, Any]] = {
    OBJECT: {"type": "object"},
    BOOL: {"type": "boolean"},
    NAMES: {"type": "array", "items": {"type": "string"}},
    COUNT: {"type": "integer", "minimum": 0},
}
FIELD_TEXT = {
    "facts": "the fact set: fact names to values, as in a facts file (absent facts are unknown)",
    "parameters": "parameter values for this request, overriding the policy's",
    "trace": "record the trace (false: the same decisions, an empty trace)",
    "exhaustive": "settle undetermined decisions that every value of the few missing facts decides alike",
    "ignore_unknown_facts": "skip facts the policy does not declare (otherwise they are an error)",
    "decisions": "only these decisions",
    "why_not": "also the rows that did not apply, and why",
    "record": "a stored result (POST /v1/evaluate's answer) to explain again, instead of facts",
    "limit": "at most this many questions",
}


def document(catalogue: Catalogue) -> dict[str, Any]:
    """The OpenAPI document of a service serving ``catalogue``."""
    schemas: dict[str, Any] = {}
    for component, stem in SCHEMAS.items():
        schemas.update(_hoisted(component, stem))
    schemas.update(_own_schemas())
    name = {
        "name": "name",
        "in": "path",
        "required": True,
        "description": "a served policy's name, such as residence/help_and_repatriation (the slash may be sent as %2F)",
        "schema": {"type": "string", "enum": catalogue.names},
    }
    paths = {
        "/v1/policies": {"get": _get("the served policies", "PolicyList")},
        "/v1/policies/{name}": {"get": _get("the policy's manifest: its static legal material", "Manifest", name)},
        "/v1/evaluate/{name}": {
            "post": _post(
                "evaluate the policy on a fact set: the result, as result.to_dict() gives it", "evaluate", name
            )
        },
        "/v1/explain/{name}": {"post": _explain(name)},
        "/v1/questions/{name}": {
            "post": _post("the next questions to ask, the one that settles the most first", "questions", name)
        },
        "/openapi.json": {"get": {"summary": "this document", "responses": {"200": _json("the document", {})}}},
        "/healthz": {"get": _get("the service is up", "Health")},
        "/": {"get": {"summary": "the interview page", "responses": {"200": _text("the page", "text/html")}}},
        "/static/{file}": {
            "get": {
                "summary": "the interview page's script and style",
                "parameters": [
                    {
                        "name": "file",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["interview.js", "interview.css"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {"text/javascript": {"schema": {"type": "string"}}, "text/css": {}},
                    },
                    "404": _error("no such file"),
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "policylang",
            "version": __version__,
            "description": "Statutory decision rules, evaluated and explained. Every error is "
            '{"error": {"code", "message", ...}} with its status; answers are never cached.',
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _hoisted(component: str, stem: str) -> dict[str, Any]:
    """A published schema as ``component``, its ``$defs`` as ``component.name`` beside it."""
    text = (files("policylang") / "schemas" / f"{stem}.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    definitions = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    hoisted = {component: schema} | {f"{component}.{key}": value for key, value in definitions.items()}
    return {key: _rewritten(value, component) for key, value in hoisted.items()}


def _rewritten(value: Any, component: str) -> Any:
    if isinstance(value, dict):
        return {
            key: f"#/components/schemas/{component}.{item.removeprefix('#/$defs/')}"
            if key == "$ref" and isinstance(item, str) and item.startswith("#/$defs/")
            else _rewritten(item, component)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewritten(item, component) for item in value]
    return value


def _own_schemas() -> dict[str, Any]:
    labels = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "description": "for a fact or parameter also fact, facts, value, expected and hint, "
                    "as the command line prints them with --format json",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "hint": {"type": ["string", "null"]},
                        "field": {"type": "string"},
                        "fact": {"type": ["string", "null"]},
                        "facts": {"type": "array", "items": {"type": "string"}},
                        "value": {},
                        "expected": {"type": ["string", "null"]},
                    },
                }
            },
        },
        "PolicyList": {
            "type": "object",
            "required": ["policies"],
            "properties": {
                "policies": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "title", "version", "manifest", "valid_from", "valid_until"],
                        "properties": {
                            "name": {"type": "string"},
                            "title": labels,
                            "version": {"type": ["string", "null"]},
                            "manifest": {"type": "string", "description": "the manifest's hash, as results name it"},
                            "valid_from": {"type": ["string", "null"], "format": "date"},
                            "valid_until": {"type": ["string", "null"], "format": "date"},
                        },
                    },
                }
            },
        },
        "Questions": {
            "type": "object",
            "required": ["policy", "questions"],
            "properties": {
                "policy": {"type": "string"},
                "questions": {"type": "array", "items": {"$ref": "#/components/schemas/Explanation.question"}},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}, "version": {"type": "string"}, "policies": {"type": "integer"}},
        },
    }
    for route, fields in FIELDS.items():
        schemas[f"{route.capitalize()}Request"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                field: copy.deepcopy(KINDS[spec.kind]) | {"description": FIELD_TEXT[field]}
                for field, spec in fields.items()
            },
        }
    return schemas


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(description: str, media: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, _ref("Error"))


def _get(summary: str, schema: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    responses = {"200": _json(summary, _ref(schema))}
    if parameters:
        responses["404"] = _error(ERRORS["404"])
    return {"summary": summary, "parameters": list(parameters), "responses": responses}


def _post(summary: str, route: str, *parameters: dict[str, Any], answer: str | None = None) -> dict[str, Any]:
    schema = answer or {"evaluate": "Result", "questions": "Questions"}[route]
    return {
        "summary": summary,
        "parameters": list(parameters),
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref(f"{route.capitalize()}Request")}},
        },
        "responses": {"200": _json(summary, _ref(schema)), **{status: _error(text) for status, text in ERRORS.items()}},
    }


def _explain(name: dict[str, Any]) -> dict[str, Any]:
    text = {"format": "json: the explanation's data; html: a fragment to put in a page", "lang": "", "audience": ""}
    operation = _post("explain the decisions for one audience and language", "explain", name, answer="Explanation")
    operation["parameters"] += [
        {
            "name": query,
            "in": "query",
            "description": text[query] or f"the explanation's {query}",
            "schema": {"enum": list(values), "default": EXPLAIN_DEFAULTS[query]},
        }
        for query, values in EXPLAIN_QUERY.items()
    ]
    operation["responses"]["200"]["content"] |= {
        "text/html": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
    }
    return operation


__all__ = ["document"]
