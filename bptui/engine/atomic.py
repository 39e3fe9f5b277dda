"""Writing a file atomically: saved sessions (`bptui.engine.session`) and the app's exports.

A temporary file in the target's directory (`.NAME.<pid>.<random>.tmp`) is written, flushed,
fsynced and `os.replace`d over the target, so a failure at any point leaves the old file
byte-identical and no temporary file behind; a symbolic link is written through, to the file
it names. A write killed halfway (kill -9) leaves its
temporary; the next write to that target removes those whose process is gone, never a running
one's. The file gets mode 0666 less the umask, as any file the user writes. Every failure (a
name too long, a directory that cannot be searched or written, a full disk) is a one-line
`BptuiError` naming the file: "NAME: cannot be written: REASON".
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

from bptui.engine.errors import BptuiError, one_line


def write_atomic(path: str | Path, text: str, check: Callable[[Path, str], None]) -> Path:
    """Write `text` (UTF-8) to `path` atomically. `check(target, shown)` runs first and raises
    a BptuiError to refuse the target (an existing file of the wrong kind); an OSError or
    ValueError it raises becomes the one-line "cannot be written" error."""
    target = Path(path)
    shown = path_text(target)
    if "\x00" in str(target):
        raise BptuiError(f"{shown}: cannot be written: a file name cannot hold a NUL byte")
    try:
        check(target, shown)
    except (OSError, ValueError) as error:
        raise write_error(shown, error) from None
    # (a link is written through, as a shell's `>` does: replacing it left the file it
    # named as it was and the link a copy, the hostile trial)
    with contextlib.suppress(OSError, ValueError):
        if target.is_symlink():
            target = Path(os.path.realpath(target))
    directory = target.parent  # Path("x").parent is Path(".")
    _remove_stale_temporaries(directory, target.name)
    try:
        handle, temporary = _new_temporary(directory, target.name)
    except (OSError, ValueError) as error:
        raise write_error(shown, error) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except (OSError, ValueError) as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise write_error(shown, error) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def regular_file_or_none(target: Path, shown: str) -> None:
    """A `check` for `write_atomic` that lets a new file be made or a regular file (or a link
    to one) be replaced, and refuses a directory or any other kind of file (a FIFO, a
    device)."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise BptuiError(f"{shown}: is a directory; nothing written")
    if not stat.S_ISREG(info.st_mode):
        raise BptuiError(f"{shown}: exists and is not a regular file; not replaced")


# A temporary file is `.NAME.<pid>.<8 hex digits>.tmp`; earlier versions wrote
# `.NAME.<8 of [a-z0-9_]>.tmp` (tempfile.mkstemp), without the pid.
_TEMPORARY = re.compile(r"([1-9][0-9]{0,9})\.[0-9a-f]{8}")
_OLD_TEMPORARY = re.compile(r"[a-z0-9_]{8}")
OLD_TEMPORARY_AGE = 3600.0  # seconds after which an old-format temporary is stale


def _new_temporary(directory: Path, name: str) -> tuple[int, str]:
    """Create `.NAME.<pid>.<random>.tmp` in `directory`, mode 0666 less the umask (as any file
    the user writes): the descriptor and the path."""
    for _ in range(100):
        import secrets  # (here: its hashing modules are start-up time the app need not pay)

        path = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOCTTY
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name")


def _remove_stale_temporaries(directory: Path, name: str) -> None:
    """Remove what writes of this target killed halfway left behind: temporaries whose writer
    is no longer running, and old-format ones (no pid) over an hour old. A live process's
    temporary is never touched; a directory that cannot be listed is left alone."""
    prefix, suffix = f".{name}.", ".tmp"
    now = time.time()
    with contextlib.suppress(OSError, ValueError), os.scandir(directory) as entries:
        for entry in entries:
            if not (entry.name.startswith(prefix) and entry.name.endswith(suffix)):
                continue
            middle = entry.name[len(prefix) : -len(suffix)]
            match = _TEMPORARY.fullmatch(middle)
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    continue
                if match is not None:
                    stale = not _running(int(match.group(1)))
                else:
                    stale = (
                        _OLD_TEMPORARY.fullmatch(middle) is not None
                        and now - info.st_mtime > OLD_TEMPORARY_AGE
                    )
                if stale:
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user's counts: it may be writing)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # (EPERM: it exists; anything else: assume it does)
    return True


def path_text(path: Path) -> str:
    """A path as a message shows it: one line, the middle of a very long one left out."""
    text = one_line(str(path))
    return text if len(text) <= 200 else f"{text[:100]}...{text[-97:]}"


def write_error(shown: str, error: OSError | ValueError) -> BptuiError:
    if isinstance(error, OSError):
        reason = error.strerror or (os.strerror(error.errno) if error.errno else "error")
    elif isinstance(error, UnicodeError):
        reason = "the name cannot be encoded"
    else:
        reason = "invalid name"
    return BptuiError(f"{shown}: cannot be written: {one_line(reason)}")
