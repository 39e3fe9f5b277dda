"""A network file's bytes parsed into a document (a table of keys): UTF-8 text, as TOML or
JSON chosen by the file's suffix or by sniffing; a TOML file over the limits refused before
tomllib reads it; every syntax error one `NetworkFileError` line naming the line and column.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from bptui.engine.errors import NetworkFileError, one_line
from bptui.engine.filecheck import MAX_PARAMS, MAX_SAMPLES, _type_name


def toml_reader() -> Any:
    """tomllib (tomli before Python 3.11), imported when a TOML text is first read: the
    default start reads a preset, whose parsed document is in the package (`bptui.engine.
    loader.preset_document`), and saves the 5 ms of its import."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def decode_text(data: bytes, source: str, expected: str) -> str:
    """A file's bytes as text: UTF-8 (a byte-order mark dropped), not empty; else one line
    naming the file (`expected`: what an empty file should have held)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            source,
            "",
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start:,})",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise NetworkFileError(source, "", f"the file is empty; expected {expected}")
    return text


def parse_bytes(data: bytes, source: str, suffix: str) -> dict[str, Any]:
    """Decode and parse file contents as TOML or JSON, chosen by suffix (or by sniffing)."""
    text = decode_text(data, source, "a network (see README)")
    looks_json = text.lstrip().startswith(("{", "["))
    if suffix == ".json":
        document = _parse_json(text, source, named_json=True)
    elif suffix == ".toml":
        document = _parse_toml(text, source, named_toml=True, looks_json=looks_json)
    elif looks_json and not _is_toml_table_first(text):
        document = _parse_json(text, source, named_json=False)
    else:
        document = _parse_toml(text, source, named_toml=False, looks_json=looks_json)
    if not isinstance(document, dict):
        raise NetworkFileError(
            source, "", f"expected a table of keys at the top, found {_type_name(document)}"
        )
    return document


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (TOML refuses it too; JSON keeps the last)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _parse_json(text: str, source: str, named_json: bool) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        quoted = json.dumps(error.key)
        places = [m.start() for m in re.finditer(re.escape(quoted) + r"\s*:", text)]
        line = text.count("\n", 0, places[-1]) + 1 if places else 1
        raise NetworkFileError(
            source,
            "",
            f"JSON key {one_line(quoted)} given twice in one object (again at line {line})",
        ) from None
    except json.JSONDecodeError as error:
        hint = ""
        if named_json and _is_toml(text):
            hint = " (this file holds TOML, but its name ends in .json)"
        raise NetworkFileError(
            source,
            "",
            f"JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}{hint}",
        ) from None
    except RecursionError:
        raise NetworkFileError(source, "", "JSON nested too deeply") from None
    except ValueError:
        # Not a JSONDecodeError: int() refusing a number of over 4,300 digits.
        too_long = _too_many_digits(text, source, "JSON")
        if too_long is None:
            raise
        raise too_long from None


# A key of more dotted parts than this is refused before tomllib sees it (tomllib takes time
# that grows faster than the square of the parts: 30 s for 100,000).
MAX_KEY_PARTS = 32
_HEADER = re.compile(r"\[\[?([^\[\],]*)\]\]?")  # [table] or [[array]], used with match
_SAMPLE_HEADER = re.compile(r"(?m)^[ \t]*\[\[[ \t]*samples[ \t]*\]\]")
_INPUTS_KEY = re.compile(r"(?m)(?:^|[{,])[ \t]*inputs[ \t]*=")
_WEIGHTS_KEY = re.compile(r"(?m)(?:^|[{,])[ \t]*weights[ \t]*=[ \t]*\[")
_BRACKET = re.compile(r"[\[\]]")
_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]+)?")


def _prescan_toml(text: str, source: str) -> None:
    """Refuse, before parsing, a TOML file over the limits (tomllib parses about 2 MB a
    second, so a file of 100,001 samples would take seconds to be refused after parsing)."""
    check_toml_keys(text, source)
    samples = max(len(_SAMPLE_HEADER.findall(text)), len(_INPUTS_KEY.findall(text)))
    if samples > MAX_SAMPLES:
        raise NetworkFileError(
            source, "samples", f"{samples:,} entries is over the limit of {MAX_SAMPLES:,}"
        )
    weights = 0
    for match in _WEIGHTS_KEY.finditer(text):
        depth, end = 0, len(text)
        for bracket in _BRACKET.finditer(text, match.end() - 1):
            depth += 1 if bracket.group() == "[" else -1
            if depth == 0:
                end = bracket.end()
                break
        # a list of n numbers holds at least n - 1 commas: count them exactly only when the
        # commas allow more numbers than the limit
        most = text.count(",", match.end(), end) + 1
        weights += (
            most if weights + most <= MAX_PARAMS else len(_NUMBER.findall(text, match.end(), end))
        )
        if weights > MAX_PARAMS:
            raise NetworkFileError(
                source, "layers", f"the network has over {MAX_PARAMS:,} parameters, the limit"
            )


def check_toml_keys(text: str, source: str) -> None:
    """Refuse, before tomllib sees it, a TOML key of over MAX_KEY_PARTS dotted parts."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count(".") < MAX_KEY_PARTS:
            continue
        header = _HEADER.match(line.strip())
        keys = [header.group(1)] if header else _keys(line)
        if any(key.count(".") >= MAX_KEY_PARTS for key in keys):
            raise NetworkFileError(
                source, "", f"TOML key at line {number} has over {MAX_KEY_PARTS} dotted parts"
            )


def _keys(line: str) -> list[str]:
    """The keys of a TOML line's `key = value` pairs (inline tables' too), roughly: the text
    before each `=` back to the line's start, a `{` or a `,`."""
    keys = []
    equals = line.find("=")
    while equals >= 0:
        start = max(line.rfind("{", 0, equals), line.rfind(",", 0, equals)) + 1
        keys.append(line[start:equals])
        equals = line.find("=", equals + 1)
    return keys


def _parse_toml(text: str, source: str, named_toml: bool, looks_json: bool) -> Any:
    _prescan_toml(text, source)
    tomllib = toml_reader()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        if named_toml and looks_json and _is_json(text):
            message += " (this file holds JSON, but its name ends in .toml)"
        where = _toml_where(message, text)
        raise NetworkFileError(source, "", f"TOML syntax error {where}") from None
    except RecursionError:
        raise NetworkFileError(source, "", "TOML nested too deeply") from None
    except ValueError:
        # Not a TOMLDecodeError: int() refusing a number of over 4,300 digits.
        too_long = _too_many_digits(text, source, "TOML")
        if too_long is None:
            raise
        raise too_long from None


def _toml_where(message: str, text: str) -> str:
    """tomllib says 'Invalid value (at line 3, column 9)'; put the line first."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        what = " ".join(message.replace(match.group(0), "").split())
        line = int(match.group(1))
        if "overwrite" in what or "declare" in what:  # (a key given twice: name it)
            lines = text.split("\n")
            # (the line's key or table, without its comment: the second hostile trial's
            # message quoted `[[layers]]   # the output layer` as the key)
            head = lines[line - 1].split("#")[0].strip() if line <= len(lines) else ""
            if head.startswith("[[") and head.endswith("]]"):
                name = head[2:-2].strip()[:80]
                what += (
                    f" ([[{name}]] after a [{name}] table or a {name} = …: a list of tables "
                    f"is written [[{name}]] each time)"
                )
            elif head.startswith("[") and head.endswith("]"):
                what += f" (the table {head[:80]} is given twice)"
            elif head:
                what += f" (the key {head.split('=')[0].strip()[:80]} is given twice)"
        immutable = re.fullmatch(r"Cannot mutate immutable namespace \('([^']*)',?.*\)", what)
        if immutable:  # (tomllib's words for `samples = {…}` then `[[samples]]`)
            name = immutable.group(1)
            what = f"{name} is given twice (as {name} = {{…}}, then as a [[{name}]] or [{name}])"
        return f"at line {line}, column {match.group(2)}: {what}"
    if "(at end of document)" in message:
        what = " ".join(message.replace("(at end of document)", "").split())
        # tomllib's line of a position: the newlines before it, plus one
        return f"at line {text.count(chr(10)) + 1}, the end of the file: {what}"
    return f"at line 1: {message}"


def _too_many_digits(text: str, source: str, language: str) -> NetworkFileError | None:
    """The error for a number too long for int() (sys.get_int_max_str_digits), or None."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    match = re.search(rf"[0-9][0-9_]{{{limit},}}", text) if limit else None
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return NetworkFileError(
        source,
        "",
        f"{language} number at line {line} has over {limit:,} digits, too many for a network file",
    )


def _is_toml_table_first(text: str) -> bool:
    """Whether text that starts with "[" is TOML (a [table] or [[array]] header), not JSON."""
    return text.lstrip().startswith("[") and not _is_json(text) and _is_toml(text)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _is_toml(text: str) -> bool:
    try:
        toml_reader().loads(text)
    except (ValueError, RecursionError):
        return False
    return True
