"""What the user names on the command line: a preset, a network file or a saved session.

A name of letters, digits, `-` and `_` only (`mazur`, `xor`) is a preset; anything else
(`net.toml`, `./mazur`, `/dev/stdin`) is a path, so that a directory or file called `mazur`
in the current folder never hides the preset.

A file is read once, at most `limit` bytes, and only if it is a regular file or a pipe (a
FIFO, `<(…)`, `/dev/stdin` fed by a pipe); a device such as `/dev/zero` or a terminal is
refused in one line, and a FIFO nobody writes to reads as empty instead of waiting forever.
Whether the bytes are a session or a network is decided by parsing them (`is_session`), never
by looking for a word in them, and the bytes read are the bytes parsed: nothing is consumed by
a first look.

A network's `samples = { file = "NAME.csv" }` is read from the network file's folder (a
preset's: the presets' package folder), through `read_limited` with the same rules and limit;
a network given on standard input (`/dev/stdin`, `/dev/fd/N`) or through a pipe has no folder,
and reads its CSV from the current directory.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
from pathlib import Path

from bptui.engine.errors import NetworkFileError
from bptui.records import dataclass

PRESET_NAME = re.compile(r"[A-Za-z0-9_-]+")  # fullmatch: a preset, never a path
MAX_NETWORK_BYTES = 64 * 1024 * 1024
MAX_SESSION_BYTES = 512 * 1024 * 1024
SESSION_FORMAT = "bptui-session"
SESSION_SUFFIX = ".bptui"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """The bytes of one named input, and how to speak of it in messages."""

    name: str  # as messages name it: the path as given, or "preset mazur"
    data: bytes
    suffix: str  # ".toml", ".json", ".bptui", "" (lower case)
    default_name: str  # a network's name when the file gives none: the file's stem
    preset: str | None = None
    # where a network's `samples = { file = ... }` is read from: the file's folder, the presets'
    # folder; None for standard input or a pipe, which have none (the current directory)
    folder: Path | None = None


def is_preset_name(spec: str) -> bool:
    return PRESET_NAME.fullmatch(spec) is not None


def _size(count: int) -> str:
    """A size as a message says it: in MB when whole ones, else in bytes (64 MB and a byte read
    "is 64 MB, over the limit of 64 MB": the hostile trial)."""
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024):,} MB"
    return f"{count:,} bytes"


PIPE_WAIT_SECONDS = 10.0


def read_limited(
    path: str | Path, limit: int, what: str = "network file", pipe_wait: float = PIPE_WAIT_SECONDS
) -> bytes:
    """The bytes of a regular file or a pipe, refusing more than `limit` of them (a pipe's
    writer waited for `pipe_wait` seconds at most).

    Every problem is a one-line `NetworkFileError` naming the path."""
    return read_file(path, limit, what, pipe_wait)[0]


def read_file(
    path: str | Path,
    limit: int,
    what: str = "network file",
    pipe_wait: float = PIPE_WAIT_SECONDS,
) -> tuple[bytes, bool]:
    """`read_limited`, and whether the bytes came from a pipe."""
    source = str(path)
    if "\x00" in source:
        raise NetworkFileError(source, "", "a file name cannot hold a NUL byte")
    try:
        # O_NONBLOCK: opening a FIFO that no one writes to must not wait.
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NetworkFileError(source, "", "no such file") from None
    except PermissionError:
        raise NetworkFileError(source, "", "cannot be read: permission denied") from None
    except OSError as error:
        if error.errno == errno.EISDIR:
            raise NetworkFileError(source, "", f"is a directory, not a {what}") from None
        raise NetworkFileError(source, "", f"cannot be read: {_reason(error)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NetworkFileError(source, "", f"is a directory, not a {what}")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            raise NetworkFileError(
                source, "", f"is not a regular file or a pipe (a {_kind(info.st_mode)})"
            )
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise NetworkFileError(
                source, "", f"is {_size(info.st_size)}, over the limit of {_size(limit)}"
            )
        if stat.S_ISFIFO(info.st_mode) and not _written_to(fd, pipe_wait):
            raise NetworkFileError(
                source,
                "",
                f"nothing came through this pipe in {pipe_wait:g} s (is a program writing to it?)",
            )
        # Reads block again: a pipe with a writer delivers all it writes.
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise NetworkFileError(source, "", f"holds over {_size(limit)}, the limit")
        return b"".join(chunks), stat.S_ISFIFO(info.st_mode)
    except OSError as error:
        raise NetworkFileError(source, "", f"cannot be read: {_reason(error)}") from None
    finally:
        os.close(fd)


def _written_to(fd: int, seconds: float) -> bool:
    """Has a pipe something to read, or been closed by its writer, within `seconds`?
    A named pipe no program has opened for writing reads as empty at once (it was taken for
    an empty file); one whose writer comes later, or writes slowly, is waited for a while."""
    import select

    watch = select.poll()
    watch.register(fd, select.POLLIN)
    return bool(watch.poll(int(seconds * 1000)))


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower().replace("errno", "").strip()


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def open_source(
    spec: str | Path, limit: int = MAX_NETWORK_BYTES, pipe_wait: float = PIPE_WAIT_SECONDS
) -> Source:
    """Read NET once: a preset by name, or a file (see the module's docstring); a pipe's
    writer is waited for `pipe_wait` seconds at most."""
    from bptui.engine.loader import preset_file_text, preset_names, presets_folder

    text = str(spec)
    if not text:  # (Path("") is ".": it was "is a directory")
        raise NetworkFileError("''", "", "an empty name; expected a network file or a preset")
    if isinstance(spec, str) and is_preset_name(text):
        names = preset_names()
        if text not in names:
            raise NetworkFileError(
                text,
                "",
                f"no such preset (presets: {', '.join(names)}); "
                f"a file of that name is read as ./{text}",
            )
        data = preset_file_text(text).encode("utf-8")
        return Source(f"preset {text}", data, ".toml", text, text, presets_folder())
    path = Path(text)
    try:
        data, piped = read_file(path, limit, pipe_wait=pipe_wait)
    except NetworkFileError as error:
        if error.detail == "no such file":
            # (a name with a dot or a slash is a path, never a preset: a preset's own name is
            # suggested when the path's stem is one)
            message = "no such file"
            if path.stem in preset_names() and path.name != path.stem:
                message += f" (the preset is named {path.stem}, without {path.suffix})"
            raise NetworkFileError(text, "", message) from None
        raise
    folder = None if piped or STANDARD_STREAM.fullmatch(text) else path.parent
    return Source(text, data, path.suffix.lower(), path.stem, folder=folder)


# Standard input and the descriptors' names: a file given so has no folder of its own.
STANDARD_STREAM = re.compile(r"/dev/(?:stdin|fd/[0-9]+)|/proc/(?:self|[0-9]+)/fd/[0-9]+")


_SESSION_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"format"\s*:\s*"bptui-session"\s*[,}]')


def is_session(source: Source) -> bool:
    """Is this a saved session? A session is a JSON object whose "format" is
    "bptui-session" (one with another "format", or in a .bptui file, is a damaged one):
    decided by parsing the document, not by finding the word in it."""
    if source.preset is not None:
        return False
    if _SESSION_HEAD.match(source.data):
        return True  # the way bptui writes them: its first key
    if source.suffix == ".toml" or not source.data.lstrip().startswith(b"{"):
        return False
    try:
        document = json.loads(source.data)
    except (ValueError, RecursionError):
        return source.suffix == SESSION_SUFFIX
    # (any "format", or the session's suffix: a network file has no "format", and a session
    # whose format was changed by hand was read as a network, its error naming network keys)
    return isinstance(document, dict) and ("format" in document or source.suffix == SESSION_SUFFIX)


def session_on_disk(path: str | Path) -> bool | None:
    """Whether an existing file is a saved session (by parsing its start as JSON), without
    reading more than its first bytes; None if there is no such file. A file that is not a
    regular file (a FIFO, a device) is never a session, and is never opened."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return False
    # O_NONBLOCK: should a FIFO take the file's place since the stat, opening it must not wait
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 4096)
    finally:
        os.close(fd)
    return bool(_SESSION_HEAD.match(head))
