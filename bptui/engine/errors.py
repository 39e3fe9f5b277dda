"""The project's own error: one line for the user, never a traceback."""

from __future__ import annotations


class BptuiError(Exception):
    """An error the user can fix: a bad file, a bad argument, a limit exceeded.

    str(error) is the whole one-line message the CLI prints (after "bptui: ").
    """


class NetworkFileError(BptuiError):
    """A network file that cannot be loaded, with the file and the key path at fault."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + message)
