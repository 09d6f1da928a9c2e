"""Read cases written in YAML: several cases per file, comments allowed, nothing executed.

A YAML case file is either a list of cases, or a mapping with shared defaults
(``policy``, ``facts``, ``parameters``) and a ``cases`` list; each case's ``facts`` are
merged over the shared ones::

    policy: examples/benefit
    facts: {as_of: 2024-05-01}
    cases:
      - id: adult
        facts: {date_of_birth: 1990-01-01}
        expected: {adult: true}
        rules: [EX-AGE]

YAML is read safely: no Python objects (``!!python/...`` is refused), an alias that
contains itself is an error, and a document that would hold more than
:attr:`Limits.yaml_values <policylang.base.limits.Limits.yaml_values>` values once its
aliases are expanded ("billion laughs"), or that nests deeper than :attr:`Limits.nesting
<policylang.base.limits.Limits.nesting>`, is refused before it is built.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import yaml

from policylang.base.limits import DEFAULT, LimitError, Limits
from policylang.testing.case import Case, CaseFileError, case_from_dict


class _Loader(yaml.SafeLoader):
    """Safe YAML read the way case authors mean it.

    Dates stay text, as in the JSON facts; ``yes``, ``no``, ``on`` and ``off`` stay text
    (they are enum values such as ``must_notify: no``); only ``true`` and ``false`` are
    booleans.
    """


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # Python will not convert more than 4,300 digits (and is slow long before): a whole number
    # longer than any int of the language stays a Decimal, for the fact's check to refuse.
    text = str(node.value).replace("_", "")
    if len(text.lstrip("+-")) > 40 and text.lstrip("+-").isdigit():
        return Decimal(text)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _check_size(root: yaml.Node, file: str, limits: Limits) -> None:
    """Refuse a document whose aliases contain themselves, expand past ``limits.yaml_values``, or nest too deep.

    Aliases share one node, so the document is walked as a graph, each node once, without
    recursion; the sizes add up as if every alias were written out.
    """
    sizes: dict[int, int] = {}
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            ancestors.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > limits.yaml_values:
                raise LimitError(
                    f"{file}: the YAML holds more than {limits.yaml_values:,} values once its aliases are expanded, "
                    "the limit `yaml_values` (policylang.Limits)"
                )
            continue
        if key in sizes:
            continue
        mark = node.start_mark
        if key in ancestors:
            raise CaseFileError(f"{file}:{mark.line + 1}:{mark.column + 1}: a YAML alias that contains itself")
        if depth > limits.nesting:
            raise LimitError(
                f"{file}:{mark.line + 1}:{mark.column + 1}: the YAML nests more than {limits.nesting} deep, "
                "the limit `nesting` (policylang.Limits)"
            )
        ancestors.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_yaml_cases(text: str, file: str, limits: Limits = DEFAULT) -> list[Case]:
    """The cases in the YAML ``text`` of ``file``."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_size(root, file, limits)
        data = _plain(loader.construct_document(root)) if root is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise CaseFileError(f"{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
    except RecursionError:
        raise LimitError(f"{file}: the YAML is nested too deeply to read") from None
    except ValueError as e:  # a value YAML's constructors refuse (a date such as 2024-13-45 is kept as text)
        raise CaseFileError(f"{file}: not valid YAML: {e}") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    defaults: dict[str, Any] = {}
    items = data
    nodes: list[Any] = list(root.value) if isinstance(root, yaml.SequenceNode) else []
    if isinstance(data, dict):
        if "cases" not in data:
            return [case_from_dict(data, file, 1)]
        defaults = {k: v for k, v in data.items() if k != "cases"}
        items = data["cases"]
        for key, value in root.value if root is not None else ():
            if key.value == "cases" and isinstance(value, yaml.SequenceNode):
                nodes = list(value.value)
    if not isinstance(items, list):
        raise CaseFileError(f"{file}: `cases` must be a list")
    cases = []
    for i, item in enumerate(items):
        line = nodes[i].start_mark.line + 1 if i < len(nodes) else 1
        if isinstance(item, dict) and "facts" in item and "facts" in defaults:
            shared, own = defaults["facts"], item["facts"]
            if not isinstance(shared, dict) or not isinstance(own, dict):
                raise CaseFileError(f"{file}:{line}: `facts` must be an object, in the case and in the shared part")
            item = {**item, "facts": {**shared, **own}}
        cases.append(case_from_dict(item, file, line, defaults))
    return cases
