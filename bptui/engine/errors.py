"""The project's own error: one line for the user, never a traceback."""

from __future__ import annotations


def one_line(text: str) -> str:
    """`text` with every character that is not printable (a newline, a tab, U+2028...)
    written as its Python escape, so that a message stays on one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class BptuiError(Exception):
    """An error the user can fix: a bad file, a bad argument, a limit exceeded.

    str(error) is the whole one-line message the CLI prints (after "bptui: ").
    """


class NetworkFileError(BptuiError):
    """A network file that cannot be loaded, with the file and the key path at fault.

    The message is one line whatever the file holds: anything unprintable in the path, the
    key or the detail (a string value or a key with a newline) is escaped.
    """

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(one_line(where + message))
