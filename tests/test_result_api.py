"""What a user reads from a result: decisions that say why they are missing, ``complete``, and the reference.

``result.decisions[name]`` for a decision the result has no value for raises
:class:`policylang.NotDecidedError`, a ``KeyError`` whose message says that the decision is
undetermined and what it waits for, that no rule applied, or that the policy has no such
decision (with a "did you mean"). ``result.complete`` says whether every decision was
made (``decided`` is its old name). ``docs/api.rst`` describes every part of a result.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

import policylang
from policylang.engine.result import Decisions

POLICY = """
fact a: bool
fact n: int
rule R-1 cites S "§ 1"
decision both: bool = a and n > 1 by R-1
decision sign: enum { plus, minus }
  first match
    plus when n > 0 by R-1
    minus when n < 0 by R-1
decision signed: bool = sign = plus by R-1
"""


@pytest.fixture
def policy(make_policy: Any) -> policylang.Policy:
    return make_policy(POLICY)  # type: ignore[no-any-return]


def _why(result: policylang.Result, name: str) -> str:
    with pytest.raises(KeyError) as raised:
        result.decisions[name]
    assert isinstance(raised.value, policylang.NotDecidedError) and raised.value.args == (name,)
    return str(raised.value)


def test_a_missing_decision_says_why(policy: policylang.Policy) -> None:
    result = policy.evaluate({"a": True, "n": 0})
    assert result.decisions == {"both": False}
    assert _why(result, "sign") == "`sign` has no value: no rule applies"
    assert _why(result, "signed") == "`signed` has no value: no rule applies to sign, which it depends on"
    assert _why(result, "bth") == "the policy `test/inline` has no decision `bth`: did you mean `both`?"
    assert _why(result, "zzz") == "the policy `test/inline` has no decision `zzz`"
    partial = policy.evaluate({"a": True})
    assert _why(partial, "both") == "`both` is undetermined: it waits for n"
    assert partial.decisions.get("both") is None and "both" not in partial.decisions  # a dict as before


def test_a_result_read_back_from_its_record_says_the_same(policy: policylang.Policy) -> None:
    result = policy.evaluate({"a": True})
    again = policylang.Result.from_dict(json.loads(json.dumps(result.to_dict())), policy.program)
    assert again.decisions == result.decisions
    assert _why(again, "both") == _why(result, "both")


def test_complete_says_whether_every_decision_was_made(policy: policylang.Policy) -> None:
    assert policy.evaluate({"a": True, "n": 2}).complete is True
    for facts in ({"a": True}, {"a": True, "n": 0}):  # undetermined; no rule applies
        result = policy.evaluate(facts)
        assert result.complete is False and result.decided is False
    assert policy.evaluate({"a": False, "n": -1}).decided is True  # the old name still works


def test_the_decisions_are_a_plain_dict_to_json_pickle_and_copy(policy: policylang.Policy) -> None:
    decisions = policy.evaluate({"a": True}).decisions
    assert isinstance(decisions, dict) and json.loads(json.dumps(decisions)) == {}
    for again in (pickle.loads(pickle.dumps(decisions)), copy.deepcopy(decisions), copy.copy(decisions)):
        assert isinstance(again, Decisions) and again == decisions
        with pytest.raises(policylang.NotDecidedError, match="waits for n"):
            again["both"]


def test_the_reference_describes_every_part_of_a_result() -> None:
    text = (Path(__file__).parent.parent / "docs" / "api.rst").read_text(encoding="utf-8")
    members = re.search(r"\.\. autoclass:: policylang\.Result\n +:members: ([^\n]+(?:\n {13,}[^\n]+)*)", text)
    assert members, "docs/api.rst has no autoclass of policylang.Result with its members"
    listed = {m.strip() for m in members.group(1).replace("\n", " ").split(",")}
    public = {n for n in vars(policylang.Result) if not n.startswith("_")}
    assert public - listed == set(), "add these to the members of Result in docs/api.rst"
    for name in ("decisions", "undetermined", "missing", "reasons", "factors", "no_rule", "complete", "values"):
        assert f"``result.{name}``" in text, f"docs/api.rst does not say what result.{name} holds"
