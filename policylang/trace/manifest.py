"""The policy manifest: the static legal material of a policy, once, for results to refer to.

A result says what happened (:mod:`policylang.trace.nodes`); the manifest says what the
policy is: its sources, its rules with their titles, citations, quotes, notes and
explanation texts, its facts, parameters, ``let`` values and decisions with their types
and labels in both languages, every row of every decision with its condition and its
rules (a decision's ``rows`` says how many: their IDs are ``name/1`` ... ``name/n``, and
``name/default``), the factors, warnings and handoffs, and where each was written (a span
is ``"line:column-end column"``, ``"line:column-end line:end column"``, prefixed by
``"n@"`` for the n-th of ``files`` after the first). Parts that are empty are left out.

A manifest is named by the content hash of the policy's source files
(:attr:`policylang.ir.program.Program.source_hash`), which every result carries as
``manifest``: an application stores each manifest once, and a result of 20-odd KB per
decision, and can show the decision again later from the two.

>>> import policylang
>>> m = manifest(policylang.load("examples/benefit").program)
>>> m["format"], m["hash"] == policylang.load("examples/benefit").program.source_hash
('policylang.manifest/1', True)
>>> m["rows"]["adult/1"]["rules"]
['EX-AGE']
"""

from __future__ import annotations

import json
from typing import Any

from policylang.base.labels import Labels
from policylang.base.span import Span
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import encode

MANIFEST_FORMAT = "policylang.manifest/1"


def manifest(program: ir.Program) -> dict[str, Any]:
    """The manifest of ``program`` (made once per program, then kept with it).

    The same object is returned each time: copy it before changing it.
    """
    return program.memo("trace.manifest", lambda: _Manifest(program).build())


def labels(value: Labels | None) -> dict[str, str | None] | None:
    """Labels as JSON: ``{"da": ..., "en": ...}``, or ``None``."""
    return {"da": value.da, "en": value.en} if value is not None else None


def type_json(t: T.Type, named: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A type as JSON: ``{"type": "enum", "values": [...]}``, ``{"type": "list", "of": ...}`` ...

    With ``named``, an enum or record the policy names is written once there and referred
    to by its name (``{"type": "enum", "name": "stay_status"}``).

    >>> type_json(T.OptionalType(T.DATE))
    {'type': 'date', 'optional': True}
    """
    if isinstance(t, T.OptionalType):
        return {**type_json(t.inner, named), "optional": True}
    if isinstance(t, T.Prim):
        return {"type": t.name, "currency": t.unit} if t.unit else {"type": t.name}
    if isinstance(t, T.EnumType):
        data: dict[str, Any] = {"type": "enum"}
        name = t.name if t.name and not t.name.startswith("<") else None
        if name:
            data["name"] = name
        if t.ordered:
            data["ordered"] = True
        data["values"] = [_compact({"value": m, "labels": labels(t.label(m))}) for m in t.members]
        if name and named is not None:
            named.setdefault(name, data)
            return {"type": "enum", "name": name}
        return data
    if isinstance(t, T.ListType | T.SetType):
        return {"type": "list" if isinstance(t, T.ListType) else "set", "of": type_json(t.element, named)}
    if isinstance(t, T.MapType):
        return {"type": "map", "key": type_json(t.key, named), "value": type_json(t.value, named)}
    if isinstance(t, T.RecordType):
        record: dict[str, Any] = {"type": "record"}
        if t.name:
            record["name"] = t.name
        record["fields"] = {name: type_json(ft, named) for name, ft in t.fields}
        if t.name and named is not None:
            named.setdefault(t.name, record)
            return {"type": "record", "name": t.name}
        return record
    if isinstance(t, T.UnionType):
        return {"type": "union", "options": [type_json(o, named) for o in t.options]}
    if isinstance(t, T.ScaleType):
        return {"type": "scale", "of": type_json(t.threshold, named)}
    return {"type": "condition"}


def _lines(first: int | None, last: int | None) -> list[int] | None:
    """A citation's lines in the source file: ``[55]`` or ``[55, 58]``."""
    if first is None:
        return None
    return [first] if last is None or last == first else [first, last]


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without its empty parts (``None``, ``[]``, ``False``): a manifest says each thing once."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v is not False}


class _Manifest:
    """Builds one program's manifest."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.files: dict[str, int] = {}
        self.types: dict[str, dict[str, Any]] = {}

    def type(self, t: T.Type) -> dict[str, Any]:
        return type_json(t, self.types)

    def span(self, span: Span | None) -> str | None:
        """``"12:3-40"`` (line 12, columns 3 to 40 of the first file), ``"12:3-14:8"``, ``"2@12:3-40"`` (third file)."""
        if span is None:
            return None
        index = self.files.setdefault(span.file, len(self.files))
        where = f"{index}@" if index else ""
        end = f"{span.end_column}" if span.end_line == span.line else f"{span.end_line}:{span.end_column}"
        return f"{where}{span.line}:{span.column}-{end}"

    def text(self, e: ir.Expr | None) -> str | None:
        return " ".join(e.span.text.split()) if e is not None else None

    def build(self) -> dict[str, Any]:
        p = self.program
        header = p.header
        data: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "policy": p.name,
            "hash": p.source_hash,
            "title": labels(header.title),
            **({"person_title": labels(header.person_title)} if header.person_title is not None else {}),
            "version": header.version,
            "valid_from": header.valid_from.isoformat() if header.valid_from else None,
            "valid_until": header.valid_until.isoformat() if header.valid_until else None,
            "notes": [labels(n) for n in header.notes],
            "files": [],
            "sources": {key: self.source(s) for key, s in p.sources.items()},
            "rules": {rid: self.rule(r) for rid, r in p.rules.items()},
            "facts": {name: self.fact(f) for name, f in p.facts.items()},
            "parameters": {name: self.parameter(x) for name, x in p.parameters.items()},
            "lets": {name: self.let(x) for name, x in p.lets.items()},
            "decisions": {name: self.decision(d) for name, d in p.decisions.items()},
            "rows": {
                row.id: self.row(d, row) for d in p.decisions.values() for row in (*d.rows, *filter(None, [d.default]))
            },
            "factors": {code: labels(f.labels) for code, f in p.factors.items()},
            "warnings": {w.name: {"labels": labels(w.labels), "span": self.span(w.span)} for w in p.warnings},
            "handoffs": [
                {"policy": h.target, "rules": list(h.rules), "note": labels(h.note), "span": self.span(h.span)}
                for h in p.handoffs
            ],
        }
        data["files"] = list(self.files)
        data["types"] = dict(sorted(self.types.items()))
        return data

    def source(self, s: ir.SourceInfo) -> dict[str, Any]:
        return {
            "short": s.short,
            "title": s.title,
            "file": s.file,
            "url": s.url,
            "date": s.date.isoformat() if s.date else None,
        }

    def rule(self, r: ir.RuleInfo) -> dict[str, Any]:
        return _compact(
            {
                "title": r.title,
                "citations": [
                    _compact(
                        {
                            "source": c.source_key,
                            "locator": c.locator,
                            "lines": _lines(c.line_from, c.line_to),
                        }
                    )
                    for c in r.citations
                ],
                "force": r.force,
                "provenance": r.provenance,
                "inferred": r.inferred,
                "quote": r.quote,
                "note": labels(r.note),
                "explain": labels(r.explain),
                "exception_to": list(r.exception_to),
                "condition": self.text(r.condition),
                "factors": [f.code or f.labels.da or f.labels.en for f in r.factors],
                "span": self.span(r.span),
            }
        )

    def fact(self, f: ir.FactInfo) -> dict[str, Any]:
        return _compact(
            {
                **self.type(f.type),
                "default": self.text(f.default),
                "labels": labels(f.labels),
                "personal": f.personal,
                "assessment": f.assessment,
                "provenance": f.provenance,
                "note": labels(f.note),
                "span": self.span(f.span),
            }
        )

    def parameter(self, x: ir.ParamInfo) -> dict[str, Any]:
        return _compact(
            {
                **(self.type(x.type) if not x.is_condition else {"type": "condition"}),
                "default": self.text(x.default) if not isinstance(x.default, ir.DatedIR) else None,
                **(self.dated(x.default) if isinstance(x.default, ir.DatedIR) else {}),
                "labels": labels(x.labels),
                "provenance": x.provenance,
                "note": labels(x.note),
                "span": self.span(x.span),
            }
        )

    def dated(self, x: ir.DatedIR) -> dict[str, Any]:
        """A dated parameter's values as written, by start date, and the file they are read from."""
        values = {}
        for start, item in zip(x.starts, x.items, strict=True):
            if x.file is not None and isinstance(item, ir.Const):  # a value from the file: as a fact is written
                values[start.isoformat()] = json.dumps(encode(item.value, item.type), ensure_ascii=False)
            else:
                values[start.isoformat()] = self.text(item) or "null"
        return {"dated": values, **({"file": x.file} if x.file else {})}

    def let(self, x: ir.LetInfo) -> dict[str, Any]:
        return _compact(
            {**self.type(x.type), "expression": self.text(x.expr), "rules": list(x.rules), "span": self.span(x.span)}
        )

    def decision(self, d: ir.DecisionInfo) -> dict[str, Any]:
        return _compact(
            {
                **self.type(d.type),
                "labels": labels(d.labels),
                "kind": d.kind,
                "rows": len(d.rows),
                "default": d.default is not None,
                "provenance": d.provenance,
                "note": labels(d.note),
                "span": self.span(d.span),
            }
        )

    def row(self, d: ir.DecisionInfo, row: ir.RowInfo) -> dict[str, Any]:
        value: dict[str, Any] = {}
        if isinstance(row.value, ir.Const):
            value["value"] = encode(row.value.value)
        else:
            value["expression"] = self.text(row.value)
        data = {
            "condition": self.text(row.condition),
            "rules": list(row.rules),
            "factors": [f.code or f.labels.da or f.labels.en for f in row.factors],
            "exceptions": [d.rows[i].id for i in row.exceptions if i < len(d.rows)],
            "span": self.span(row.span),
        }
        return {**_compact(data), **value}
