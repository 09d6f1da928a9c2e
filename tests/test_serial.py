"""The checked program as JSON data (policylang.ir.serial): generic over attrs classes, and strict when reading."""

from __future__ import annotations

import datetime as dt
import json
import types
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from policylang.base.span import Source, Span
from policylang.ir import program as ir
from policylang.ir import serial
from policylang.ir import types as T
from policylang.ir.builtins import BUILTINS


def through_json(roots: list[Any], **options: Any) -> list[Any]:
    """``roots`` written, turned into JSON text and back, and read."""
    external = options.pop("external", None)
    data = serial.dump(roots, external={id(v): k for k, v in (external or {}).items()}, **options)
    return serial.restore(json.loads(json.dumps(data)), external=external, **options)


def test_values_keep_their_python_types() -> None:
    values = [
        (1, "a", None, True),
        [Decimal("12.50"), dt.date(2024, 2, 29), dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.UTC)],
        dt.time(8, 15),
        frozenset({"b", "a"}),
        {"x": (1, 2), 3: ["y"], None: frozenset()},
        1.5,
    ]
    (back,) = through_json([values])
    assert back == values
    assert [type(v) for v in back] == [type(v) for v in values]
    assert type(back[4][3]) is list and type(back[4]["x"]) is tuple


def test_shared_objects_are_shared_again_and_constants_are_the_very_constants() -> None:
    source = Source("p.pol", "fact a: bool\n")
    span = Span(source, 1, 1, 1, 5)
    ref = ir.Ref("fact", "a", T.BOOL, span)
    call = ir.CallIR(BUILTINS["count"], (ref, ref), T.INT, span)
    (back,) = through_json([call], external={"p.pol": source})
    assert back == call
    assert back.args[0] is back.args[1]
    assert back.builtin is BUILTINS["count"] and back.type is T.INT and back.args[0].type is T.BOOL
    assert back.span.source is source


def fake_module(extra_field: bool) -> types.ModuleType:
    """A module of two attrs classes, as ``ir`` might have them; with ``extra_field``, one has a field more."""
    module = types.ModuleType("fake_ir")

    @attrs.frozen
    class Leaf:
        name: str
        if extra_field:
            weight: int = 1

    @attrs.frozen
    class Node:
        label: str
        leaves: tuple[Leaf, ...]
        _hidden: str = "private"
        cache: dict[str, int] = attrs.field(factory=dict, init=False, eq=False)

    for cls in (Leaf, Node):
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)
    return module


def test_a_field_added_to_a_class_is_written_and_read_without_a_change_to_the_serialiser() -> None:
    module = fake_module(extra_field=True)
    node = module.Node("n", (module.Leaf("a", 3), module.Leaf("b")), "secret")
    (back,) = through_json([node], modules=[module])
    assert back == node
    assert back.leaves[0].weight == 3 and "_hidden='secret'" in repr(back)


def box_module() -> types.ModuleType:
    """A module of a leaf and a box that may hold anything: a leaf, a box, None, a tuple of them."""
    module = fake_module(extra_field=False)

    @attrs.frozen
    class Box:
        item: Any

    Box.__module__ = module.__name__
    module.Box = Box  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(
    ("items", "kind"),
    [
        (["leaf", "box of leaf"], "r"),  # objects in two groups (two depths): references in both
        (["leaf", None], "n"),  # an object in one group, None in another
        ([None, None], "n"),
        (["leaves", "leaves"], "s"),
        (["leaves", "leaf"], "v"),  # a tuple in one group, an object in another: values
        (["leaves", None], "v"),
        (["leaf", "text"], "v"),
        ([(), ()], "s"),
    ],
)
def test_a_field_is_written_the_one_way_every_group_of_its_class_allows(items: list[Any], kind: str) -> None:
    module = box_module()
    leaf = module.Leaf("a")
    made = {"leaf": leaf, "box of leaf": module.Box(leaf), "leaves": (leaf, module.Leaf("b")), "text": "t"}
    boxes = [module.Box(made.get(item, item) if isinstance(item, str) else item) for item in items]
    data = json.loads(json.dumps(serial.dump(boxes, modules=[module])))
    assert [entry[2] for entry in data["classes"] if entry[0].endswith("Box")] == [kind]
    back = serial.restore(data, modules=[module])
    assert back == boxes


def test_data_written_for_other_fields_is_refused() -> None:
    old, new = fake_module(extra_field=False), fake_module(extra_field=True)
    data = json.loads(json.dumps(serial.dump([old.Node("n", (old.Leaf("a"),))], modules=[old])))
    with pytest.raises(serial.SerialError, match="other fields"):
        serial.restore(data, modules=[new])


def test_a_function_or_a_foreign_class_cannot_be_written() -> None:
    with pytest.raises(serial.Unserialisable):
        serial.dump([lambda: 1])

    @attrs.frozen
    class Elsewhere:
        x: int

    with pytest.raises(serial.Unserialisable):
        serial.dump([Elsewhere(1)])
    with pytest.raises(serial.Unserialisable):
        serial.dump([dt.datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Copenhagen"))])


GOOD = serial.dump([ir.PlanStep("decision", "a")])
CHAIN = serial.dump([T.ListType(T.OptionalType(T.DATE))])  # DATE named; OptionalType -> DATE; ListType -> it


def test_the_good_data_of_the_refusals_below_is_read() -> None:
    assert GOOD == {
        "classes": [["policylang.ir.program.PlanStep", ["kind", "name"], "vv"]],
        "named": [],
        "groups": [[0, 1, ["decision"], ["a"]]],
        "roots": [["O", 0]],
    }
    assert serial.restore(GOOD) == [ir.PlanStep("decision", "a")]
    assert CHAIN["named"] == [["K", "policylang.ir.types.DATE"]]
    assert CHAIN["groups"] == [[0, 1, [0]], [1, 1, [1]]]
    assert serial.restore(CHAIN) == [T.ListType(T.OptionalType(T.DATE))]


def chain(groups: list[Any]) -> dict[str, Any]:
    return {**CHAIN, "groups": groups}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"classes": [], "groups": [], "roots": []},
        {**GOOD, "objects": []},
        {**GOOD, "classes": [["os.system", ["kind", "name"], "vv"]]},
        {**GOOD, "classes": [["builtins.eval", [], ""]], "groups": [[0, 1]]},
        {**GOOD, "classes": [["policylang.ir.program.PlanStep", ["kind", "name"], "vx"]]},
        {**GOOD, "classes": [["policylang.ir.program.PlanStep", ["kind", "name"], "v"]]},
        {**GOOD, "classes": [["policylang.ir.program.PlanStep", ["kind"], "v"]]},
        {**GOOD, "groups": [[0, 1, ["decision"]]]},
        {**GOOD, "groups": [[1, 1, ["decision"], ["a"]]]},
        {**GOOD, "groups": [[0, 2, ["decision"], ["a"]]]},
        {**GOOD, "groups": [[0, -1, [], []]]},
        {**GOOD, "groups": [[0, 1, [["O", 0]], ["a"]]]},
        {**GOOD, "groups": [[0, 1, [{"a": 1}], ["a"]]]},
        {**GOOD, "roots": [["O", 7]]},
        {**GOOD, "roots": [["K", "os.environ"]]},
        {**GOOD, "roots": [["X", "p.pol"]]},
        {**GOOD, "roots": [["Z", 1]]},
        {**GOOD, "roots": [[]]},
        {**GOOD, "roots": [{"a": 1}]},
        {**GOOD, "roots": [1.5]},
        {**GOOD, "roots": [["D", "key without a value"]]},
        {**GOOD, "roots": [["D", ["L"], 1]]},
        {**GOOD, "roots": [["M", "not a number"]]},
        {**GOOD, "roots": [["d", "2024-13-45"]]},
        {**GOOD, "named": [["K", "os.environ"]]},
        {**GOOD, "named": [["K", "policylang.ir.types.BOOL", "extra"]]},
        {**GOOD, "named": [["X", "p.pol"]]},
        {**GOOD, "named": [["Q", "policylang.ir.types.BOOL"]]},
        chain([[0, 1, [1]], [1, 1, [1]]]),  # a reference to itself
        chain([[0, 1, [5]], [1, 1, [1]]]),  # forward
        chain([[0, 1, [-1]], [1, 1, [1]]]),  # from the end
        chain([[0, 1, ["0"]], [1, 1, [1]]]),  # not a number
        chain([[0, 1, [0.0]], [1, 1, [1]]]),
        chain([[0, 1, [0]], [1, 1, [2]]]),  # the second group: itself
    ],
)
def test_data_it_did_not_write_is_refused(data: Any) -> None:
    with pytest.raises(serial.SerialError):
        serial.restore(data)
