"""The one process runner: every failure is one ProcessError with the command and what it said, every call has a
deadline, and nothing else in the package starts a program; nor do the tests, which never sleep to wait either."""

import ast
import sys
import time
from pathlib import Path

import pytest

import rolloutlab
from rolloutlab import process

PACKAGE = Path(rolloutlab.__file__).parent


def test_a_failing_command_is_one_line_with_the_command_and_its_last_words():
    """A non-zero exit raises with the command as typed and its last line; without `check` it is returned."""
    command = [sys.executable, "-c", "import sys; print('first'); sys.exit('no such tag: 1.0')"]
    with pytest.raises(process.ProcessError) as failed:
        process.run(command, timeout=30, check=True)
    assert failed.value.reason == "failed"
    assert failed.value.returncode == 1
    assert str(failed.value).startswith(f"`{process.shown(command)}` failed: no such tag: 1.0. ")
    assert "\n" not in str(failed.value)
    assert not process.run(command, timeout=30, check=False).ok


def test_a_command_that_hangs_is_stopped_at_its_deadline(monkeypatch):
    """No call waits forever: past its timeout the command is killed and the error says so, in French too."""
    monkeypatch.setenv("LAB_LANG", "fr")
    started = time.monotonic()
    with pytest.raises(process.ProcessError) as late:
        process.run(["sleep", "30"], timeout=0.5, check=True)
    assert time.monotonic() - started < 10
    assert late.value.reason == "timeout"
    assert str(late.value).startswith("`sleep 30` n'a pas répondu en 0 s")


def test_a_missing_program_says_what_to_install():
    """A program that is not there is one line naming it, with the fix given by the caller."""
    with pytest.raises(process.ProcessError) as missing:
        process.run(["no-such-program-here"], timeout=5, missing_fix="install it", check=True)
    assert missing.value.reason == "missing"
    assert str(missing.value) == "no-such-program-here is not installed (not found on PATH). Install it."


def test_first_line_never_blocks_and_keeps_the_pipe_drained():
    """A silent program gives "" at the deadline; a chatty one gives its first line and can go on writing
    megabytes without stalling on a full pipe."""
    silent = process.spawn(["sleep", "30"])
    started = time.monotonic()
    assert process.first_line(silent, timeout=0.5) == ""
    assert time.monotonic() - started < 5
    process.stop(silent, grace=2)
    chatty = process.spawn([sys.executable, "-c", "print('Forwarding from 127.0.0.1:4321', flush=True); "
                            "import sys; sys.stdout.write('x' * 2_000_000); sys.stdout.flush()"])  # fmt: skip
    assert process.first_line(chatty, timeout=30) == "Forwarding from 127.0.0.1:4321"
    assert chatty.wait(timeout=30) == 0


def test_no_module_starts_a_program_but_the_runner():
    """`subprocess.run/Popen/call/check_*` and `os.system` appear in process.py alone."""
    starters = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "system", "popen", "spawnv"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "process.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if named and node.value.id in ("subprocess", "os") and node.attr in starters:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == []


def test_a_spawned_program_past_its_deadline_is_stopped_and_said_in_one_line():
    """`process.wait` on a program that outlives its timeout stops it and raises ProcessError ("timeout"), as `run`
    does, never subprocess's TimeoutExpired."""
    proc = process.spawn(["sleep", "30"], stdout=None, stderr=None)
    with pytest.raises(process.ProcessError, match="did not answer within 0 s") as raised:
        process.wait(proc, timeout=0.2)
    assert raised.value.reason == "timeout"
    assert proc.poll() is not None


TESTS = Path(__file__).parent
# Where the tests may still start a program or sleep, and why; every other place uses the runner and waits for the
# thing itself (helpers.wait_for, process.first_line, helpers.Output).
ALLOWED = {
    # The runner's own tests: they may set it beside the subprocess behaviour it wraps.
    ("test_process.py", "*"),
    # Sleeps that simulate a delay, not wait for one: a pod stuck in back-off fed every 0.1 s, and a page that
    # comes up 1.5 s late.
    ("test_timeline.py", "stuck"),
    ("test_traffic.py", "late"),
    # The kernel's language_info arrives after the kernel shows idle, and nothing on the page says when: JupyterLab
    # is run as students run it, without exposing its app object to read the notebook's metadata.
    ("test_jupyterlab.py", "test_a_lab_opened_and_saved_unchanged_leaves_git_clean_and_each_language_keeps_its_tabs"),
}


def _starts_or_sleeps(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, enclosing function or "", what) for every reference to subprocess's program starters, os.system or
    os.popen, and time.sleep, by attribute or imported by name."""
    starters = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}
    forbidden = {("subprocess", name) for name in starters} | {("os", "system"), ("os", "popen"), ("time", "sleep")}
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if named and (node.value.id, node.attr) in forbidden:
            found.append((node.lineno, function, f"{node.value.id}.{node.attr}"))
        if isinstance(node, ast.ImportFrom):
            found.extend((node.lineno, function, f"from {node.module} import {alias.name}") for alias in node.names
                         if (node.module, alias.name) in forbidden)  # fmt: skip
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def test_no_test_starts_a_program_or_sleeps_but_through_the_runner():
    """Outside ALLOWED, tests start programs through process or kubectl, with a deadline, and never sleep to wait."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for line, function, what in _starts_or_sleeps(ast.parse(path.read_text())):
            if not {(path.name, "*"), (path.name, function)} & ALLOWED:
                found.append(f"{path.relative_to(TESTS)}:{line} {what}")
    assert found == []


def test_the_scan_of_the_tests_sees_every_way_of_writing_it():
    """The scan finds a starter or a sleep by attribute, imported by name, and inside a nested function."""
    code = (
        "import subprocess, time\nfrom subprocess import check_output\n"
        "def test_x():\n    subprocess.Popen(['true'])\n    def inner():\n        time.sleep(1)\n"
    )
    assert _starts_or_sleeps(ast.parse(code)) == [
        (2, "", "from subprocess import check_output"),
        (4, "test_x", "subprocess.Popen"),
        (6, "inner", "time.sleep"),
    ]
