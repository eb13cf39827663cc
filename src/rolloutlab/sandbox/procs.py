"""Background processes the sandbox starts itself: started detached, found again by pid file, stopped cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rolloutlab import process, waiting
from rolloutlab.environment import ROLLOUTLAB_DAEMON_LOG


def port_open(*, port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return False


class Daemon:
    """One background process known by name; its pid file lives in `run_dir`, its log in `log_dir`."""

    def __init__(self, *, name: str, run_dir: Path, log_dir: Path) -> None:
        self.name = name
        self.pid_file = run_dir / f"{name}.pid"
        self.log_file = log_dir / f"{name}.log"
        # Where this object's last start began writing in the (appended) log: a failed start's tail must not
        # show what the previous run of the same daemon said.
        self._log_offset = 0

    def pid(self) -> int | None:
        """The pid of the running process, or None. A pid reused by another program does not count."""
        try:
            recorded = self.pid_file.read_text().split()
        except OSError:
            return None
        if len(recorded) < 2 or not recorded[0].isdigit():
            return None
        pid, program = int(recorded[0]), recorded[1]
        cmdline = _cmdline(pid)
        if not cmdline or program not in cmdline[:3]:
            return None
        return None if _zombie(pid) else pid

    def start(self, *, argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
        """Start `argv` in a session of its own, orphaned at once, so it outlives the command that started it
        and never lingers as our zombie."""
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        launch = f'exec "$@" </dev/null >>"${ROLLOUTLAB_DAEMON_LOG.name}" 2>&1 & echo $!'
        child_env = dict(env if env is not None else os.environ)
        child_env[ROLLOUTLAB_DAEMON_LOG.name] = str(self.log_file)
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        proc = process.run(
            ["/bin/sh", "-c", launch, "sh", *argv], env=child_env, timeout=30, new_session=True, check=True
        )
        pid = int(proc.stdout.strip())
        self.pid_file.write_text(f"{pid} {argv[0]}\n")
        self._wait_for_exec(pid, program=argv[0])
        return pid

    @staticmethod
    def _wait_for_exec(pid: int, *, program: str, timeout: float = 10.0) -> None:
        """Until the shell's child has become `program` (or died): before its exec it is still `sh`, and `pid()`
        would take it for dead. On a busy machine that window is long enough to be seen."""
        # An empty cmdline is also what a process shows in the middle of its exec: only a gone pid is dead.
        waiting.until(lambda: program in _cmdline(pid)[:3] or not Path(f"/proc/{pid}").exists() or _zombie(pid),
                      seconds=timeout, every=0.02)  # fmt: skip

    def exited_early(self, *, seconds: float) -> bool:
        """Wait up to `seconds` and tell whether the process died in that time (a bad start)."""
        return waiting.until(lambda: self.pid() is None, seconds=seconds, every=0.1)

    def wait_for(self, ready: Callable[[], bool], *, seconds: float, every: float) -> bool:
        """Poll `ready` every `every` seconds: True once it holds; False when the process died or time ran out."""
        state = waiting.until(lambda: "ready" if ready() else "dead" if self.pid() is None else "", seconds=seconds,
                              every=every)  # fmt: skip
        return state == "ready"

    def stop(self, *, grace: float = 10.0) -> bool:
        """Stop the process if it runs; True when there was one to stop."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not waiting.until(lambda: self.pid() is None, seconds=grace, every=0.1):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, *, lines: int = 3) -> str:
        """The last lines written since this object last started the daemon (the whole log if it did not)."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:]) if text else "it wrote nothing"
