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
from collections.abc import Mapping
from typing import Any

from policylang.base.errors import RecordError
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


def _fields(record: T.RecordType | None, named: dict[str, Any] | None) -> Any:
    """The fields a member of a tagged enum carries, as a record type; ``None`` for a member without."""
    return None if record is None else type_json(T.RecordType(record.fields, None, record.labels), named)


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
        data["values"] = [
            _compact({"value": m, "labels": labels(t.label(m)), "fields": _fields(t.fields_of(m), named)})
            for m in t.members
        ]
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
        if p.functions:
            data["functions"] = {name: self.function(f) for name, f in p.functions.items()}
        data["files"] = list(self.files)
        data["types"] = dict(sorted(self.types.items()))
        return data

    def function(self, f: ir.FunctionInfo) -> dict[str, Any]:
        return _compact(
            {
                **self.type(f.type),
                "labels": labels(f.labels),
                "params": [{"param": name, **self.type(t)} for name, t in f.params],
                "citations": [
                    _compact({"source": c.source_key, "locator": c.locator, "lines": _lines(c.line_from, c.line_to)})
                    for c in f.citations
                ],
                "note": labels(f.note),
                "body": self.text(f.body),
                "span": self.span(f.span),
            }
        )

    def source(self, s: ir.SourceInfo) -> dict[str, Any]:
        return _compact(
            {
                "short": s.short,
                "title": s.title,
                "file": s.file,
                "url": s.url,
                "date": s.date.isoformat() if s.date else None,
            }
        )

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

    def default(self, e: ir.Expr | None) -> str | None:
        """A parameter's default as written; a header's citizen text (``next steps "..." / "..."``) as its two texts."""
        if isinstance(e, ir.MakeIR) and all(isinstance(i, ir.Const) and i.span == e.span for i in e.items):
            # made from the header's clause, not written as an expression: its span is the whole header
            return " / ".join(json.dumps(i.value, ensure_ascii=False) for i in e.items if isinstance(i, ir.Const))
        return self.text(e)

    def parameter(self, x: ir.ParamInfo) -> dict[str, Any]:
        return _compact(
            {
                **(self.type(x.type) if not x.is_condition else {"type": "condition"}),
                "default": self.default(x.default) if not isinstance(x.default, ir.DatedIR) else None,
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


# -- the part of a manifest a record refers to ------------------------------------------------

# What a rule that is only named as not applying keeps in an extract: what identifies it.
_ABRIDGED_RULE = ("title", "citations", "force", "provenance", "inferred", "span")


def extract(full: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The part of the manifest ``full`` that the result ``record`` (its JSON) refers to.

    It is what ``to_dict(manifest=True)`` embeds, so that a stored record is self-contained:
    every decision, fact, ``let`` value, parameter, factor, warning, function and named type
    the record names; the rows its trace shows; in full, every rule it applies (the rules of
    the rows, ``let`` values, notes, handoffs and functions it shows, and the record's
    ``reasons`` and ``factors``); the sources those rules cite. A rule the record only names
    as one that did not apply (a ``not_applicable`` node's ``rule_ids``) keeps its title,
    citations, force and span, and says ``"abridged": true``. The rows that did not apply
    are left out (a ``not_applicable`` node gives their numbers); the whole manifest, named
    by the same ``hash``, has them. An extract says ``"extract": true``. A ``record`` of
    another shape than a result's is a :class:`~policylang.base.errors.RecordError`.

    >>> import policylang
    >>> policy = policylang.load("examples/benefit")
    >>> record = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"}).to_dict()
    >>> part = extract(policy.manifest(), record)
    >>> part["extract"], part["hash"] == record["manifest"], sorted(part["rows"])[:3]
    (True, True, ['adult/1', 'band_change/1', 'band_change/2'])
    >>> len(part["rows"]) < len(policy.manifest()["rows"])
    True
    """
    refs = _References(full)
    try:
        refs.record(record)
    except (AttributeError, TypeError) as e:  # parts of another shape than a result's
        raise RecordError(f"not a result record: {type(e).__name__}: {e}") from None
    rules = full.get("rules", {})
    kept_rules: dict[str, Any] = {}
    for rid, rule in rules.items():
        if rid in refs.rules:
            kept_rules[rid] = rule
        elif rid in refs.named_rules:
            kept_rules[rid] = {**{k: rule[k] for k in _ABRIDGED_RULE if k in rule}, "abridged": True}
    cited = {
        c.get("source")
        for entry in (*kept_rules.values(), *refs.pick("functions").values())
        for c in entry.get("citations", ())
    }
    out: dict[str, Any] = {}
    for key, value in full.items():
        if key == "hash":
            out[key] = value
            out["extract"] = True
        elif key == "rules":
            out[key] = kept_rules
        elif key == "sources":
            out[key] = {k: v for k, v in value.items() if k in cited}
        elif key in _BY_NAME:
            out[key] = refs.pick(key)
        elif key == "types":
            out[key] = {k: v for k, v in value.items() if k in refs.types(out)}
        else:
            out[key] = value
    return out


_BY_NAME = ("facts", "parameters", "lets", "decisions", "rows", "factors", "warnings", "functions")


class _References:
    """The names a record refers to, by the part of the manifest they are in."""

    def __init__(self, full: Mapping[str, Any]) -> None:
        self.full = full
        self.names: dict[str, set[str]] = {key: set() for key in _BY_NAME}
        self.rules: set[str] = set()
        self.named_rules: set[str] = set()

    def pick(self, key: str) -> dict[str, Any]:
        """The entries of the manifest's part ``key`` the record refers to, in the manifest's order."""
        wanted = self.names[key]
        return {k: v for k, v in self.full.get(key, {}).items() if k in wanted}

    def record(self, record: Mapping[str, Any]) -> None:
        names = self.names
        for part in ("decisions", "undetermined", "no_rule"):
            names["decisions"].update(record.get(part) or ())
        for waiting in (record.get("undetermined") or {}).values():
            names["facts"].update(waiting)
        names["facts"].update(record.get("facts") or ())
        names["facts"].update(record.get("missing") or ())
        names["facts"].update(record.get("assumed") or ())
        names["lets"].update(record.get("lets") or ())
        for part in ("parameter_values", "parameters", "dated_parameters"):
            names["parameters"].update(record.get(part) or ())
        names["warnings"].update(w.get("code") for w in record.get("warnings") or ())
        for ids in (record.get("reasons") or {}).values():
            self.rules.update(ids)
        for entries in (record.get("factors") or {}).values():
            for entry in entries:
                self.rules.update(entry.get("rules") or ())
                names["factors"].update(f["code"] for f in entry.get("factors") or () if f.get("code"))
        for handoff in record.get("handoffs") or ():
            self.rules.update(handoff.get("rules") or ())
        self.nodes(record.get("trace") or ())
        rows = self.full.get("rows", {})
        for row in names["rows"]:
            self.rules.update(rows.get(row, {}).get("rules", ()))
            names["factors"].update(rows.get(row, {}).get("factors", ()))

    def nodes(self, nodes: Any) -> None:
        for node in nodes:
            kind = node.get("kind")
            if kind == "decision":
                self.names["decisions"].add(node.get("name"))
                self.names["facts"].update(node.get("missing") or ())
                self.rules.update((node.get("settled") or {}).get("rules") or ())
            elif kind == "row":
                self.names["rows"].add(node.get("row"))
            elif kind in ("rule", "note"):
                self.rules.add(node.get("rule_id"))
            elif kind == "not_applicable":
                self.named_rules.update(node.get("rule_ids") or ())
            elif kind == "let":
                self.names["parameters" if node.get("parameter") else "lets"].add(node.get("name"))
            elif kind == "call":
                self.names["functions"].add(node.get("function"))
            self.nodes(node.get("children") or ())

    def types(self, parts: Mapping[str, Any]) -> set[str]:
        """The named types the kept entries (and the types they name) refer to."""
        full = self.full.get("types", {})
        found: set[str] = set()
        todo = [parts.get(key, {}) for key in ("facts", "parameters", "lets", "decisions", "functions")]
        while todo:
            item = todo.pop()
            if isinstance(item, dict):
                name = item.get("name")
                if item.get("type") in ("enum", "record") and isinstance(name, str) and name not in found:
                    found.add(name)
                    todo.append(full.get(name))
                todo.extend(item.values())
            elif isinstance(item, list):
                todo.extend(item)
        return found
