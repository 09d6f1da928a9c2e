"""Parameter files: a parameter's dated values in OpenFisca's parameter format (YAML, or TOML alike).

A file holds one parameter (``from file "rate.yaml"``), or several under keys (OpenFisca's
nested parameters: ``from file "housing_tax.yaml#rate"``). A parameter is ``values``, a
mapping from dates to ``{value: X}`` or to ``X`` itself; a scale is ``brackets``, each
with a dated ``threshold`` and ``rate``. ``description``, ``documentation``,
``reference`` and ``metadata`` are read and kept only for the unit (``currency-EUR``),
which must agree with the declared type. A value ``null`` means no value from its date on
(the value before applies until the day before); OpenFisca's placeholder ``expected`` is
skipped. Values are turned into literals of the policy language at their place in the
file, so the checker reports a wrong value
there; a file that is not of this form is a :class:`~policylang.base.errors.PolicyCheckError`
with code ``pol-parameter-file`` at the line and column (YAML) or the key path (TOML).

>>> f = read_parameter_file("values:\\n  2015-01-01: {value: 0.15}\\n  2017-01-01: 0.16\\n", "rate.yaml")
>>> [(str(d), v.text) for d, v in f.values]
[('2015-01-01', '0.15'), ('2017-01-01', '0.16')]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs

from policylang.base.errors import Diagnostic, PolicyCheckError
from policylang.base.numbers import decimal_problem, int_problem
from policylang.base.span import Source, Span, point
from policylang.syntax import ast

if TYPE_CHECKING:  # YAML and TOML are read on first use: a policy loaded from the cache needs neither
    import yaml

SUFFIXES = (".yaml", ".yml", ".toml")
MAX_DEPTH = 32  # a parameter file nests a few levels (nested parameters, brackets, dated values)
_KEYS = frozenset({"description", "documentation", "reference", "metadata", "values", "brackets", "unit"})
_BRACKET_KEYS = frozenset({"threshold", "rate", "metadata", "description", "reference"})


@attrs.frozen
class Scalar:
    """A value written in a parameter file: its kind (int, float, bool, null, date, str), value and place."""

    kind: str
    value: Any
    text: str
    span: Span


History = tuple[tuple[dt.date, Scalar], ...]  # a value of kind null: no value from its date on


@attrs.frozen
class Bracket:
    """One bracket of a scale: its threshold and its rate, each with dates of its own."""

    threshold: History
    rate: History
    span: Span


@attrs.frozen
class ParameterFile:
    """What a parameter file says: dated ``values``, or ``brackets`` of a scale."""

    source: Source
    values: History = ()
    brackets: tuple[Bracket, ...] = ()
    is_scale: bool = False
    description: str | None = None
    unit: str | None = None  # metadata unit (or threshold_unit of a scale), such as ``currency-EUR``
    span: Span | None = None

    def currency(self) -> str | None:
        """The currency the unit names (``currency-EUR`` is ``EUR``), or ``None``."""
        if self.unit and self.unit.startswith("currency-"):
            return self.unit.removeprefix("currency-").split("/")[0] or None
        return None

    def scale_dates(self) -> tuple[dt.date, ...]:
        """Every date on which a threshold or a rate changes, earliest first."""
        found = {d for b in self.brackets for d, _ in (*b.threshold, *b.rate)}
        return tuple(sorted(found))

    def brackets_on(self, day: dt.date) -> tuple[tuple[Scalar, Scalar], ...]:
        """The threshold and rate of each bracket in force on ``day`` (a bracket without both is left out)."""
        found = []
        for bracket in self.brackets:
            threshold, rate = _in_force(bracket.threshold, day), _in_force(bracket.rate, day)
            if threshold is not None and rate is not None:
                found.append((threshold, rate))
        return tuple(found)


def _in_force(history: History, day: dt.date) -> Scalar | None:
    """The value on ``day`` (``None`` before the first date or after a null)."""
    found = None
    for start, value in history:
        if start <= day:
            found = value
    return found if found is not None and found.kind != "null" else None


@attrs.frozen
class _Node:
    """A YAML or TOML node: a mapping (dict of key to (key span, node)), a list, or a scalar."""

    kind: str  # map, seq, or a scalar kind
    value: Any
    text: str
    span: Span


def _fail(message: str, span: Span, hint: str | None = None) -> PolicyCheckError:
    d = Diagnostic("pol-parameter-file", message, span, "error", hint)
    return PolicyCheckError(f"{span.file}:{span.line}:{span.column}: {message}", [d])


def _span(source: Source, node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(source, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


_TAGS = {
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:str": "str",
}


def _from_yaml(node: Any, source: Source, constructor: yaml.SafeLoader, seen: set[int], depth: int = 0) -> _Node:
    import yaml

    span = _span(source, node)
    if id(node) in seen:  # an alias: a parameter file has no use for them, and they can expand without end
        raise _fail("a parameter file is read without YAML anchors and aliases (`&`, `*`)", span)
    seen.add(id(node))
    if depth > MAX_DEPTH:
        raise _fail(f"the parameter file nests more than {MAX_DEPTH} deep", span)
    if isinstance(node, yaml.MappingNode):
        entries: dict[str, tuple[Span, _Node]] = {}
        for key, value in node.value:
            k = _from_yaml(key, source, constructor, seen, depth + 1)
            name = str(k.value) if k.kind != "date" else k.text
            if name in entries:
                raise _fail(f"the key `{name}` is written twice", k.span)
            entries[name] = (k.span, _from_yaml(value, source, constructor, seen, depth + 1))
        return _Node("map", entries, "", span)
    if isinstance(node, yaml.SequenceNode):
        return _Node("seq", [_from_yaml(item, source, constructor, seen, depth + 1) for item in node.value], "", span)
    kind = _TAGS.get(node.tag, "str")
    text = str(node.value)
    try:
        value = constructor.construct_object(node) if kind != "float" else Decimal(text.replace("_", ""))
    except (yaml.YAMLError, ValueError, InvalidOperation):
        raise _fail(f"`{text[:40]}` is not a value policylang reads", span) from None
    if kind == "date" and isinstance(value, dt.datetime):
        raise _fail(f"`{text}` is a moment; a parameter's values start on a date such as 2015-01-01", span)
    return _Node(kind, value, text, span)


def _from_data(value: Any, source: Source, path: str, depth: int = 0) -> _Node:
    """A node for JSON-like data (TOML's, or a parameter's override), placed at the file's start."""
    span = point(source, 1, 1)
    if depth > MAX_DEPTH:
        raise _fail(f"the parameter's values nest more than {MAX_DEPTH} deep", span)
    if isinstance(value, dict):
        entries = {str(k): (span, _from_data(v, source, f"{path}.{k}", depth + 1)) for k, v in value.items()}
        return _Node("map", entries, path, span)
    if isinstance(value, list | tuple):
        items = [_from_data(v, source, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
        return _Node("seq", items, path, span)
    if value is None:
        return _Node("null", None, "null", span)
    if isinstance(value, bool):
        return _Node("bool", value, str(value).lower(), span)
    if isinstance(value, int):
        return _Node("int", value, str(value), span)
    if isinstance(value, Decimal | float):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        return _Node("float", number, str(value), span)
    if isinstance(value, dt.datetime):
        raise _fail(f"`{path}` is a moment; a parameter's values start on a date such as 2015-01-01", span)
    if isinstance(value, dt.date):
        return _Node("date", value, value.isoformat(), span)
    return _Node("str", str(value), str(value), span)


def from_data(data: Any, name: str) -> ParameterFile:
    """Read a parameter's dated values given as JSON-like data in the same form (a parameter's override).

    >>> f = from_data({"values": {"2015-01-01": 0.2, "2017-01-01": {"value": 0.3}}}, "RATE")
    >>> [(str(d), v.value) for d, v in f.values]
    [('2015-01-01', Decimal('0.2')), ('2017-01-01', Decimal('0.3'))]
    """
    source = Source(f"<parameter {name}>", "")
    return _parameter(_from_data(data, source, ""), source, None)


def has_dates(data: Any) -> bool:
    """Whether JSON-like ``data`` is a dated history (``values``, or ``brackets`` with dated thresholds), not one value.

    >>> has_dates({"values": {"2015-01-01": 1}}), has_dates({"brackets": [{"threshold": 0, "rate": 0.1}]})
    (True, False)
    """
    if not isinstance(data, dict):
        return False
    if "values" in data:
        return True
    brackets = data.get("brackets")
    return isinstance(brackets, list | tuple) and any(
        isinstance(b, dict) and isinstance(b.get("threshold"), dict) for b in brackets
    )


def read_parameter_file(text: str, path: str, key: str | None = None) -> ParameterFile:
    """Read the parameter in a parameter file's ``text`` (under ``key``, dotted, if given)."""
    source = Source(path, text)
    if path.endswith(".toml"):
        import tomllib

        try:
            data = tomllib.loads(text, parse_float=Decimal)
        except RecursionError:
            raise _fail(f"the parameter file nests more than {MAX_DEPTH} deep", point(source, 1, 1)) from None
        except tomllib.TOMLDecodeError as e:
            line, column = getattr(e, "lineno", 1), getattr(e, "colno", 1)
            raise _fail(f"this is not TOML: {str(e).split(' (at ')[0]}", point(source, line, column)) from None
        root = _from_data(data, source, "")
    else:
        import yaml

        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except RecursionError:
            raise _fail(f"the parameter file nests more than {MAX_DEPTH} deep", point(source, 1, 1)) from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = point(source, mark.line + 1, mark.column + 1) if mark is not None else point(source, 1, 1)
            problem = getattr(e, "problem", None) or "it cannot be read"
            raise _fail(f"this is not YAML: {problem}", where) from None
        if node is None:
            raise _fail("the parameter file is empty", point(source, 1, 1), "write `values:` with dated values")
        root = _from_yaml(node, source, yaml.SafeLoader(""), set())
    for part in key.split(".") if key else ():
        if root.kind != "map" or part not in root.value:
            raise _fail(f"the parameter file has no parameter `{key}`", root.span)
        root = root.value[part][1]
    return _parameter(root, source, key)


def _parameter(root: _Node, source: Source, key: str | None) -> ParameterFile:
    where = f"`{key}`" if key else "the parameter file"
    if root.kind != "map":
        raise _fail(f"{where} must be a mapping with `values` or `brackets`", root.span)
    entries = root.value
    if "values" not in entries and "brackets" not in entries:
        nested = [k for k, (_, v) in entries.items() if v.kind == "map"]
        hint = f'name one with `from file "{source.path}#{nested[0]}"`' if nested else None
        raise _fail(f"{where} has no `values` (nor `brackets`, for a scale)", root.span, hint)
    for name, (span, _) in entries.items():
        if name not in _KEYS:
            raise _fail(f"unknown key `{name}` in {where}", span, "a parameter has `values` or `brackets`")
    description = entries.get("description")
    unit = _unit(entries)
    if "brackets" in entries:
        brackets = entries["brackets"][1]
        if brackets.kind != "seq" or not brackets.value:
            raise _fail("`brackets` must be a list of brackets, each with `threshold` and `rate`", brackets.span)
        return ParameterFile(
            source,
            brackets=tuple(_bracket(b) for b in brackets.value),
            is_scale=True,
            description=str(description[1].value) if description else None,
            unit=unit,
            span=root.span,
        )
    values = entries["values"][1]
    return ParameterFile(
        source,
        values=_history(values, "values"),
        description=str(description[1].value) if description else None,
        unit=unit,
        span=root.span,
    )


def _unit(entries: dict[str, tuple[Span, _Node]]) -> str | None:
    metadata = entries.get("metadata")
    if metadata is None or metadata[1].kind != "map":
        return None
    for name in ("unit", "threshold_unit"):
        found = metadata[1].value.get(name)
        if found is not None and found[1].kind == "str":
            return str(found[1].value)
    return None


def _bracket(node: _Node) -> Bracket:
    if node.kind != "map":
        raise _fail("a bracket is a mapping with `threshold` and `rate`", node.span)
    for name, (span, _) in node.value.items():
        if name not in _BRACKET_KEYS:
            hint = "policylang reads marginal rate scales: brackets of `threshold` and `rate`"
            raise _fail(f"unknown key `{name}` in a bracket", span, hint)
    for needed in ("threshold", "rate"):
        if needed not in node.value:
            raise _fail(f"a bracket needs a `{needed}`", node.span)
    return Bracket(
        _history(node.value["threshold"][1], "threshold"), _history(node.value["rate"][1], "rate"), node.span
    )


def _history(node: _Node, what: str) -> History:
    if node.kind == "map" and set(node.value) <= {"values", "metadata", "description", "reference"}:
        if "values" in node.value:
            node = node.value["values"][1]
    if node.kind != "map" or not node.value:
        raise _fail(f"`{what}` must map dates to values, as in `2015-01-01: {{value: 0.15}}`", node.span)
    found: list[tuple[dt.date, Scalar]] = []
    for name, (span, item) in node.value.items():
        try:
            start = dt.date.fromisoformat(name)
        except ValueError:
            raise _fail(f"`{name}` is not a date: the keys of `{what}` are dates such as 2015-01-01", span) from None
        if item.kind == "map" and set(item.value) == {"brackets"}:  # a whole scale, as an override writes it
            found.append((start, Scalar("data", _plain(item), "", item.span)))
            continue
        if item.kind == "map":
            if "value" not in item.value:
                raise _fail(f"the entry of {name} has no `value`", item.span)
            item = item.value["value"][1]
        if item.kind in ("map", "seq"):
            raise _fail("a value in a parameter file is a number, an amount, a date, a text or true/false", item.span)
        if item.kind == "str" and item.value == "expected":
            continue  # OpenFisca's placeholder: a change is expected, nothing is known yet
        found.append((start, Scalar(item.kind, item.value, item.text, item.span)))
    found.sort(key=lambda pair: pair[0])
    return tuple(found)


def _plain(node: _Node) -> Any:
    """The data a node holds, as JSON-like Python values."""
    if node.kind == "map":
        return {k: _plain(v) for k, (_, v) in node.value.items()}
    if node.kind == "seq":
        return [_plain(v) for v in node.value]
    return node.value


def literal(value: Scalar, kind: str, currency: str | None = None) -> ast.Expr:
    """The value as a literal of the policy language, read as ``kind`` (``int``, ``money`` ...) where it can be.

    >>> s = Scalar("float", Decimal("21.0"), "21.0", point(Source("f.yaml", ""), 1, 1))
    >>> literal(s, "int").value, literal(s, "money", "EUR").value
    (21, MoneyLit(amount=Decimal('21.0'), currency='EUR'))
    """
    span = value.span
    if value.kind == "bool":
        return ast.Literal("bool", value.value, span)
    if value.kind == "date":
        return ast.Literal("date", value.value, span)
    if value.kind == "str":
        if kind == "date":
            try:
                return ast.Literal("date", dt.date.fromisoformat(value.value), span)
            except ValueError:
                pass
        return ast.Literal("text", value.value, span)
    if value.kind in ("int", "float"):
        number = Decimal(value.value)
        problem = decimal_problem(number) or (int_problem(int(number)) if value.kind == "int" else None)
        if problem:
            raise _fail(f"`{value.text[:40]}` is {problem}", span)
        if kind == "money" and currency:
            return ast.Literal("money", ast.MoneyLit(number, currency), span)
        if value.kind == "int" or (kind == "int" and number == number.to_integral_value()):
            return ast.Literal("int", int(number), span)
        return ast.Literal("decimal", number, span)
    return ast.Literal("null", None, span)
