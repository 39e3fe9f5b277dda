"""bptui.records.dataclass: the standard library's dataclass, its methods compiled when first
called. Each class here is compared with the same class made by `dataclasses.dataclass`."""

from __future__ import annotations

import dataclasses
import inspect
import sys

import pytest

from bptui import records
from bptui.records import dataclass

LAZY = sys.version_info < (3, 13)  # (from 3.13 the standard library's own is used)


def _pair(**options: object) -> tuple[type, type]:
    """The same class made by bptui.records and by the standard library."""

    def body() -> dict[str, object]:
        return {
            "__annotations__": {"a": "int", "b": "float", "c": "tuple"},
            "b": 0.5,
            "c": dataclasses.field(default=()),
            "total": lambda self: self.a + self.b,
        }

    ours = dataclass(**options)(type("Point", (), body()))
    theirs = dataclasses.dataclass(**options)(type("Point", (), body()))
    return ours, theirs


def test_the_methods_wait_for_their_first_call_and_then_are_the_standard_librarys() -> None:
    ours, _ = _pair(frozen=True)
    if LAZY:
        assert records._create_fn is not None
        assert "args_" in inspect.signature(vars(ours)["__init__"]).parameters.__repr__()
    point = ours(1, 2.0)
    # the compiled __init__ took its stand-in's place: the class's own, with its signature
    assert list(inspect.signature(vars(ours)["__init__"]).parameters) == ["self", "a", "b", "c"]
    assert vars(ours)["__init__"].__qualname__ == "Point.__init__"
    assert point.total() == 3.0
    assert dataclasses.is_dataclass(ours) and dataclasses.dataclass is not records.dataclass


@pytest.mark.parametrize("options", [{"frozen": True}, {}, {"frozen": True, "eq": False}])
def test_a_class_behaves_as_the_standard_librarys(options: dict[str, bool]) -> None:
    ours, theirs = _pair(**options)
    a, b = ours(1, 2.0, (3,)), theirs(1, 2.0, (3,))
    assert repr(a) == repr(b)
    assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(b)]
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert (a == ours(1, 2.0, (3,))) == (b == theirs(1, 2.0, (3,)))
    assert (a == ours(1, 2.5, (3,))) == (b == theirs(1, 2.5, (3,)))
    if theirs.__hash__ is None or theirs.__hash__ is object.__hash__:  # (unhashable; identity)
        assert ours.__hash__ is theirs.__hash__
    else:
        assert hash(a) == hash(b) == hash(ours(1, 2.0, (3,)))
    replaced = dataclasses.replace(a, b=7.0)
    assert type(replaced) is ours and replaced.b == 7.0 and replaced.a == 1
    with pytest.raises(TypeError):
        ours()  # (a missing field, as the standard library says)
    if options.get("frozen"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.a = 5  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del a.b
    else:
        a.a = 5
        assert a.a == 5


def test_a_subclass_calls_its_base_classes_methods() -> None:
    ours, _ = _pair(frozen=True)
    namespace = {"__annotations__": {"d": "int"}, "d": 4}
    child = dataclass(frozen=True)(type("Child", (ours,), namespace))
    assert repr(child(1)) == "Child(a=1, b=0.5, c=(), d=4)"
    assert child(1) == child(1) and child(1) != child(2) and hash(child(1)) == hash(child(1))
    # the base's compiled methods went to the base: a base instance is still whole
    assert repr(ours(9)) == "Point(a=9, b=0.5, c=())"
