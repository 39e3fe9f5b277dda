"""The corpus of bad network files in tests/badfiles/: each gives one line naming the file,
the key path at fault and the problem, from the loader and from every command (exit status
2): each file through `bptui.cli.main`, a few of them also as real `python -m bptui` processes.

tests/badfiles/expected.toml lists, per file, the key path ("" for the whole file) and a
fragment of the message. A few cases are made at run time instead: a directory, an unreadable
file, and a file with over 100,000 samples (too big to commit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bptui.cli import main
from bptui.engine.errors import NetworkFileError
from bptui.engine.loader import MAX_SAMPLES, load_network

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BADFILES = Path(__file__).parent / "badfiles"
TABLE = BADFILES / "expected.toml"
EXPECTED: dict[str, dict[str, str]] = tomllib.loads(TABLE.read_text(encoding="utf-8"))
COMMANDS = ([], ["trace"], ["train"], ["check"])


def test_every_file_is_in_the_table_and_every_entry_has_a_file() -> None:
    on_disk = {path.name for path in BADFILES.iterdir()} - {TABLE.name}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 45
    for name, entry in EXPECTED.items():
        assert set(entry) == {"key", "message"}, name
        assert entry["message"], name
        assert (BADFILES / name).is_file(), name


def assert_load_fails(path: Path, key: str, fragment: str) -> NetworkFileError:
    with pytest.raises(NetworkFileError) as info:
        load_network(path)
    error = info.value
    message = str(error)
    assert "\n" not in message
    assert message.isprintable()
    assert error.key == key, message
    assert fragment in message, message
    assert str(path) in message
    assert message.startswith(f"{path}: {key}: " if key else f"{path}: ")
    return error


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_network_names_the_key_and_the_problem(name: str) -> None:
    entry = EXPECTED[name]
    assert_load_fails(BADFILES / name, entry["key"], entry["message"])


# ---------------------------------------------------------------------------------------------
# The commands: every file through `bptui.cli.main` (what `python -m bptui` runs), and a few
# files of each kind as real processes, where the exit status and stderr's bytes are the point.

# One file per way of failing: a syntax error, not UTF-8, a key at fault, no suffix, a limit.
AS_PROCESSES = [
    "syntax-unclosed.json",
    "not-utf8-latin1.toml",
    "nan-weight.toml",
    "no-suffix",
    "layers-65.toml",
]
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def bptui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bptui", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=ENV,
        timeout=120,
    )


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `bptui ARGS`, run by `bptui.cli.main` in this process
    (its standard input is no terminal, so the app command can never open a screen)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_failed(
    shown: str, code: int, stdout: str, stderr: str, path: Path, key: str, fragment: str
) -> None:
    """Exit status 2, one line on stderr naming the file (and key), nothing on stdout."""
    assert "Traceback" not in stderr, f"{shown}:\n{stderr}"
    assert code == 2, f"{shown}: status {code}\n{stderr}"
    assert stdout == "", shown
    assert stderr.endswith("\n"), shown
    lines = stderr.splitlines()
    assert len(lines) == 1, f"{shown}:\n{stderr}"
    (line,) = lines
    assert line.startswith(f"bptui: {path}: "), line
    if key:
        assert line.startswith(f"bptui: {path}: {key}: "), line
    assert fragment in line, line


def assert_every_command_fails(
    capsys: pytest.CaptureFixture[str], path: Path, key: str, fragment: str
) -> None:
    for command in COMMANDS:
        shown = " ".join(["bptui", *command, path.name])
        assert_failed(shown, *in_process(capsys, *command, str(path)), path, key, fragment)


def assert_every_process_fails(path: Path, key: str, fragment: str) -> None:
    with ThreadPoolExecutor(max_workers=len(COMMANDS)) as pool:
        runs = [pool.submit(bptui, *command, str(path)) for command in COMMANDS]
        for command, run in zip(COMMANDS, runs, strict=True):
            result = run.result()
            shown = " ".join(["bptui", *command, path.name])
            assert_failed(
                shown, result.returncode, result.stdout, result.stderr, path, key, fragment
            )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_command_exits_2_with_one_line(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    entry = EXPECTED[name]
    assert_every_command_fails(capsys, BADFILES / name, entry["key"], entry["message"])


@pytest.mark.parametrize("name", AS_PROCESSES)
def test_every_command_as_a_process_exits_2_with_one_line(name: str) -> None:
    entry = EXPECTED[name]
    assert_every_process_fails(BADFILES / name, entry["key"], entry["message"])


# ---------------------------------------------------------------------------------------------
# Made at run time


def test_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "net.toml"
    directory.mkdir()
    assert_load_fails(directory, "", "is a directory, not a network file")
    assert_every_command_fails(capsys, directory, "", "is a directory, not a network file")


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "net.toml"
    path.write_text((BADFILES / "nan-weight.toml").read_text(encoding="utf-8"), encoding="utf-8")

    real_open = os.open

    def refuse(name, *args, **kwargs) -> int:
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", refuse)
        assert_load_fails(path, "", "cannot be read: permission denied")


def test_an_unreadable_file_from_the_commands(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading the file")
    path = tmp_path / "net.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this file system lets a mode-000 file be read")
        assert_every_process_fails(path, "", "cannot be read: permission denied")
    finally:
        path.chmod(0o600)


def test_over_100000_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Too big to commit (~1.6 MB): a 1-1 network with MAX_SAMPLES + 1 samples, as JSON."""
    sample = '{"inputs": [0], "targets": [0]}'
    head = json.dumps({"layers": [{"activation": "linear", "weights": [[1.0]]}]})[:-1]
    text = head + ', "samples": [' + ", ".join([sample] * (MAX_SAMPLES + 1)) + "]}\n"
    path = tmp_path / "many-samples.json"
    path.write_text(text, encoding="utf-8")
    fragment = f"{MAX_SAMPLES + 1:,} entries is over the limit of {MAX_SAMPLES:,}"
    assert_load_fails(path, "samples", fragment)
    assert_every_command_fails(capsys, path, "samples", fragment)


def test_a_nul_byte_or_a_newline_in_the_path(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError) as info:
        load_network("net\x00.toml")
    assert str(info.value) == "net\\x00.toml: a file name cannot hold a NUL byte"
    with pytest.raises(NetworkFileError) as info:
        load_network(tmp_path / "two\nlines.toml")
    assert str(info.value).isprintable()
    assert str(info.value).endswith("two\\nlines.toml: no such file")


def test_another_suffix_is_sniffed_toml_even_starting_with_a_table_header(
    tmp_path: Path,
) -> None:
    """Only .json is always JSON: a file starting with [[layers]] under another suffix is TOML."""
    path = tmp_path / "net.txt"
    path.write_text(
        '[[layers]]\nactivation = "sigmoid"\nweights = [[nan]]\n'
        "[[samples]]\ninputs = [1.0]\ntargets = [0.5]\n",
        encoding="utf-8",
    )
    assert_load_fails(path, "layers[0].weights[0][0]", "expected a finite number, found nan")
