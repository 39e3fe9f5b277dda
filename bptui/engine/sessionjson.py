"""A saved session's JSON parsed so that nothing costly or ambiguous gets through
(`bptui.engine.sessioncheck` checks what it holds).

A key given twice, a NaN or Infinity literal (the writer writes non-finite numbers as the
strings "nan", "inf", "-inf") and a whole number of over 20 digits (never given to int()) are
each kept as a marker that the check refuses at its key path; nesting too deep for the parser
is refused with the path where it goes too deep.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.filecheck import DuplicatedKeys, UnreadValue, _Checker

MAX_DIGITS = 20  # a whole number of more digits is refused without calling int()
MAX_DEPTH = 64  # how deep a too deeply nested file is followed to name the place
MAX_PATH = 120  # characters of a key path in a message


# ---------------------------------------------------------------------------------------------
# Parsing


def _whole(text: str) -> int | UnreadValue:
    digits = len(text) - text.startswith("-")
    if digits > MAX_DIGITS:
        return UnreadValue(f"a whole number of {digits:,} digits")
    return int(text)


def _constant(text: str) -> UnreadValue:
    return UnreadValue(f"the JSON literal {text}")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    marked = DuplicatedKeys(result)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def parse_session(data: bytes, name: str) -> Any:
    """The JSON document in a session's bytes (see the module's docstring)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            name,
            "",
            f"not a readable bptui session: not UTF-8 text (byte 0x{data[error.start]:02x} "
            f"at offset {error.start:,}; corrupt?)",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(
            text, parse_int=_whole, parse_constant=_constant, object_pairs_hook=_pairs
        )
    except json.JSONDecodeError as error:
        raise NetworkFileError(
            name,
            "",
            f"not a readable bptui session: JSON syntax error at line {error.lineno:,}, "
            f"column {error.colno:,}: {error.msg} (corrupt or truncated?)",
        ) from None
    except RecursionError:
        raise NetworkFileError(
            name, _deep_path(text), f"nested over {MAX_DEPTH} levels deep"
        ) from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{},]', re.S)


def _deep_path(text: str) -> str:
    """The key path of the first place nested over MAX_DEPTH levels (called only when the
    parser gave up on the nesting: a slow walk, but never of a valid file)."""
    stack: list[list[Any]] = []  # per open container: its bracket, and the key or index in it
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            if token.endswith(":") and stack and stack[-1][0] == "{":
                stack[-1][1] = token[1 : token.rindex('"')]
        elif first in "[{":
            if len(stack) >= MAX_DEPTH:
                break
            stack.append([first, 0 if first == "[" else None])
        elif first in "]}":
            if stack:
                stack.pop()
        elif stack and stack[-1][0] == "[":
            stack[-1][1] += 1
    path = ""
    for bracket, where in stack:
        if bracket == "[":
            path += f"[{where}]"
        elif path == "history.checkpoints":
            path += f".{_quoted(where)}"
        elif where is not None:
            path = _Checker.key_path(path, where)
        if len(path) > MAX_PATH:
            return path[: MAX_PATH - 3] + "..."
    return path


def _quoted(text: str) -> str:
    """A checkpoint's key as a key path shows it: always quoted (`"21"`), shortened."""
    shortened = text if len(text) <= 40 else text[:37] + "..."
    return one_line(json.dumps(shortened, ensure_ascii=False))
