"""Read cases written in YAML: several cases per file, comments allowed.

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
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

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


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_yaml_cases(text: str, file: str) -> list[Case]:
    """The cases in the YAML ``text`` of ``file``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = _plain(yaml.load(text, Loader=_Loader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise CaseFileError(f"{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
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
            item = {**item, "facts": {**defaults["facts"], **item["facts"]}}
        cases.append(case_from_dict(item, file, line, defaults))
    return cases
