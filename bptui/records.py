"""`dataclass`, the standard library's, with each generated method compiled when first called.

Before Python 3.13, `dataclasses.dataclass` compiles every method it writes (`__init__`,
`__repr__`, `__eq__`, `__hash__`, a frozen class's `__setattr__` and `__delattr__`) as the
class is defined: about 1 ms a class on a slow machine, 50 ms of bptui's start for its sixty
classes, although the first frame calls few of those methods (a `__repr__`, a `__setattr__` that
only refuses, are never called at all). Here each method is compiled on its first call and then
takes the place of its stand-in in the class: the class is the standard library's dataclass in
every other respect (fields, `replace`, `asdict`, equality, hashing, frozenness) and runs as
fast once a method has been called. Where the standard library builds its methods another way
(Python 3.13 on), this `dataclass` is that one.

(Type checkers see `dataclasses.dataclass` itself.)
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass"]

_create_fn: Callable[..., Any] | None = getattr(dataclasses, "_create_fn", None)
_swapping = threading.Lock()


def _compiled_on_first_call(name: str, args: list[str], body: list[str], **how: Any) -> Any:
    """`dataclasses._create_fn`'s method, compiled when first called."""
    assert _create_fn is not None
    create = _create_fn
    compiled: Any = None

    def method(*args_: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        if compiled is None:
            compiled = create(name, args, body, **how)
            compiled.__qualname__ = method.__qualname__
            if args_:  # (self: the compiled method takes the stand-in's place in its class)
                for owner in type(args_[0]).__mro__:
                    if vars(owner).get(name) is method:
                        setattr(owner, name, compiled)
                        break
        return compiled(*args_, **kwargs)

    method.__name__ = name
    return method


def _dataclass(cls: type | None = None, /, **options: Any) -> Any:
    if _create_fn is None:
        return dataclasses.dataclass(cls, **options)

    def wrap(cls: type) -> type:
        with _swapping:
            dataclasses._create_fn = _compiled_on_first_call  # type: ignore[attr-defined]
            try:
                return dataclasses.dataclass(**options)(cls)
            finally:
                dataclasses._create_fn = _create_fn  # type: ignore[attr-defined]

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    dataclass = _dataclass
