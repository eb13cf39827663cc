"""The one way rolloutlab runs another program (after kind's `pkg/exec`): `run` for a command that ends, `spawn` for
one that keeps running (a server, a port-forward, a build whose output is followed line by line). Every call has a
timeout; every failure is one `ProcessError` carrying the command, its exit code and the tail of its output, which
the CLI and the labs show as one line."""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from rolloutlab.errors import LabError
from rolloutlab.i18n import _

PIPE = subprocess.PIPE
STDOUT = subprocess.STDOUT
Running = subprocess.Popen  # what `spawn` returns


Reason = Literal["failed", "timeout", "missing"]


class ProcessError(LabError):
    """A program failed, did not answer in time, or is not installed: `reason` is "failed", "timeout" or
    "missing"; `command`, `returncode` (None unless it failed) and `output` say the rest."""

    def __init__(
        self, *, command: Sequence[str], returncode: int | None, output: str, problem: str, fix: str, reason: Reason
    ) -> None:
        self.reason = reason
        self.command = [str(part) for part in command]
        self.returncode = returncode
        self.output = output.strip()
        super().__init__(problem, fix=fix)


@dataclass(frozen=True)
class Result:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 3) -> str:
        """The last non-empty lines of what it said (stderr, else stdout), joined on one line."""
        said = [line.strip() for line in (self.stderr.strip() or self.stdout.strip()).splitlines() if line.strip()]
        return " | ".join(said[-lines:])


def shown(command: Sequence[str]) -> str:
    """The command as a user would type it."""
    return shlex.join(str(part) for part in command)


def _missing(command: Sequence[str], *, fix: str | None) -> ProcessError:
    return ProcessError(
        command=command,
        returncode=None,
        output="",
        problem=_("{program} is not installed (not found on PATH)", program=Path(str(command[0])).name),
        fix=fix or _("run ./scripts/setup, which installs what rolloutlab needs"),
        reason="missing",
    )


def _timed_out(command: Sequence[str], *, output: str, seconds: float, fix: str | None) -> ProcessError:
    return ProcessError(
        command=command,
        returncode=None,
        output=output,
        problem=_("`{command}` did not answer within {seconds:.0f} s", command=shown(command), seconds=seconds),
        fix=fix or _("check what it waits for, then try again"),
        reason="timeout",
    )


def failed(result: Result, *, fix: str | None = None) -> ProcessError:
    """The error for a command that ended with a non-zero exit."""
    return ProcessError(
        command=result.command,
        returncode=result.returncode,
        output=result.stderr or result.stdout,
        problem=_(
            "`{command}` failed: {said}",
            command=shown(result.command),
            said=result.tail() or _("exit {code}", code=result.returncode),
        ),
        fix=fix or _("fix what its message says, then try again"),
        reason="failed",
    )


def run(
    command: Sequence[str | Path],
    *,
    timeout: float,
    check: bool,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    new_session: bool = False,
    fix: str | None = None,
    missing_fix: str | None = None,
) -> Result:
    """Run `command` to its end, its output captured. A missing program and a timeout raise ProcessError; so does
    a non-zero exit with `check` (else the Result says it, for callers that read a refusal as an answer)."""
    argv = [str(part) for part in command]
    try:
        proc = subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=timeout, check=False,
                              env=dict(env) if env is not None else None, cwd=cwd,
                              start_new_session=new_session)  # fmt: skip
    except FileNotFoundError as exc:
        raise _missing(argv, fix=missing_fix) from exc
    except subprocess.TimeoutExpired as exc:
        raise _timed_out(argv, output=str(exc.output or ""), seconds=timeout, fix=fix) from exc
    result = Result(command=argv, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)
    if check and not result.ok:
        raise failed(result, fix=fix)
    return result


def spawn(
    command: Sequence[str | Path],
    *,
    stdout: int | IO[Any] | None = PIPE,
    stderr: int | IO[Any] | None = STDOUT,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    new_session: bool = False,
    missing_fix: str | None = None,
) -> subprocess.Popen[str]:
    """Start `command` and leave it running: for servers and for output followed as it comes. The caller waits for
    it with a deadline (`first_line`, `Popen.wait(timeout=...)`) and stops it."""
    argv = [str(part) for part in command]
    try:
        return subprocess.Popen(argv, stdout=stdout, stderr=stderr, text=True, cwd=cwd, start_new_session=new_session,
                                env=dict(env) if env is not None else None)  # fmt: skip
    except FileNotFoundError as exc:
        raise _missing(argv, fix=missing_fix) from exc


def wait(proc: subprocess.Popen[str], *, timeout: float, fix: str | None = None) -> int:
    """Wait for a spawned program to end and return its exit code; past `timeout` seconds it is stopped and the
    wait raises ProcessError ("timeout"), like `run`."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        stop(proc)
        raise _timed_out([str(a) for a in proc.args], output="", seconds=timeout, fix=fix) from exc  # type: ignore[union-attr]


def first_line(proc: subprocess.Popen[str], *, timeout: float) -> str:
    """The first line `proc` prints (what it printed of it, when it stops or `timeout` seconds pass first; "" for
    nothing): a stuck program never blocks the caller. What it prints afterwards is read and dropped in the
    background, so a long-lived program (a port-forward logs every connection) never stalls on a full pipe."""
    assert proc.stdout is not None
    fd, deadline, got = proc.stdout.fileno(), time.monotonic() + timeout, b""
    while b"\n" not in got:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        got += chunk
    threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
    return got.split(b"\n", 1)[0].decode(errors="replace")


def _drain(stream: IO[str]) -> None:
    """Read until the program closes its end, then close ours: only this thread touches the pipe from now on."""
    with contextlib.suppress(OSError, ValueError):
        while os.read(stream.fileno(), 65536):
            pass
    with contextlib.suppress(OSError):
        stream.close()


def stop(proc: subprocess.Popen[str], *, grace: float = 10.0) -> None:
    """Terminate `proc`, kill it if it lingers past `grace` seconds, and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)
