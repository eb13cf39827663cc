"""How a lab notebook's kernel shows things: a lab's errors in one line, a cell run before the lab is open, and the
output of `!` commands with the line ends JupyterLab expects."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rolloutlab import environment, i18n
from rolloutlab.environment import JPY_SESSION_NAME
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import checks
from rolloutlab.lab.checks import CheckFailed


def show_lab_errors_in_one_line() -> None:
    """In a notebook, a check that fails or a LabError shows its message, not a Python traceback. The output
    stays an error (the cell stops, `validate` reads the exception's name)."""
    shell = checks.notebook_shell()
    if shell is not None:
        shell.set_custom_exc((LabError, CheckFailed), _one_line)
        _transform(shell, hold_shell_without_bang)


def _transform(shell: Any, transformer: Callable[[list[str]], list[str]]) -> None:
    if transformer not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(transformer)


# A line that starts as a shell command of the lesson, typed without IPython's `!`.
BARE_SHELL = re.compile(r"^[ \t]*(kubectl|docker)[ \t]+\S.*$", re.MULTILINE)


def hold_shell_without_bang(lines: list[str]) -> list[str]:
    """A cell with a `kubectl ...` or `docker ...` line that Python cannot read (the `!` forgotten) is replaced by
    one that says so: a SyntaxError pointing at the line says nothing of the `!`. A cell magic (`%%bash`, whose
    lines are shell) and a cell with a triple-quoted text (a line of it is no line of Python) are left as they are."""
    source = "".join(lines)
    if source.lstrip().startswith("%%") or '"""' in source or "'''" in source:
        return lines
    for found in BARE_SHELL.finditer(source):
        try:
            compile(found.group(0).strip(), "<cell>", "exec")
        except SyntaxError:
            return [f"raise __import__('rolloutlab.lab.notebook', fromlist=['_']).without_bang("
                    f"{found.group(0).strip()!r}, {found.group(1)!r})\n"]  # fmt: skip
    return lines


def without_bang(line: str, command: str) -> LabError:
    return LabError(_("`{line}` is a shell command, and a notebook cell runs one only after a `!`", line=line),
                    fix=_("put a `!` before {command} (`!{command} ...`), then run the cell again",
                          command=command))  # fmt: skip


class KubectlBeforeOpen(Exception):
    """A `!kubectl` cell run before the lab is open in this kernel: it is not run."""


# A cell's `!kubectl` line (`!kubectl ...`, `out = !kubectl ...`), and the call that opens the lab.
KUBECTL_LINE = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?!{1,2}\s*kubectl\b", re.MULTILINE)
OPENS_LAB = re.compile(r"\bopen_lab\s*\(")
HOLD = "raise __import__('rolloutlab.lab.notebook', fromlist=['_']).KubectlBeforeOpen()\n"


def before_open_lab() -> None:
    """Installed by `rolloutlab lab` in each kernel's IPython start-up: a lab cell run before the lab's first cell
    (`lab` not defined yet) says so in one line instead of a NameError traceback, and a `!kubectl` cell is held
    with one line: kubectl would run on the kernel's own kubeconfig, not in the lab's namespace (after a kernel
    restart, `No resources found in default namespace` reads as if the lab's Deployment were gone). `open_lab`
    then installs its own handler in place of this one, and lets kubectl run."""
    shell = checks.notebook_shell()
    if shell is not None:
        shell.set_custom_exc((NameError, KubectlBeforeOpen, LabError), _lab_not_open)
        _transform(shell, hold_kubectl)
        _transform(shell, hold_shell_without_bang)


def lab_is_open() -> None:
    """`open_lab` has pointed kubectl at the lab: `!kubectl` cells run from now on."""
    shell = checks.notebook_shell()
    if shell is not None and hold_kubectl in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(hold_kubectl)


def hold_kubectl(lines: list[str]) -> list[str]:
    """A cell with a `!kubectl` line, and no `open_lab(...)` that would open the lab first, is replaced by one
    that says why it does not run (IPython's cleanup transformer: it sees the lines as typed)."""
    source = "".join(lines)
    return [HOLD] if KUBECTL_LINE.search(source) and not OPENS_LAB.search(source) else lines


def _lab_not_open(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> Any:
    if isinstance(value, LabError):
        return _one_line(shell, etype, value, tb, tb_offset)
    if not isinstance(value, KubectlBeforeOpen) and getattr(value, "name", None) != "lab":
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)  # any other NameError, as IPython shows it
    i18n.use_lab_language(i18n.folder_language(Path.cwd()))
    number = re.match(r"(\d\d)-", _notebook_name(shell) or "")
    first = f'lab = open_lab("{number.group(1)}")' if number else "lab = open_lab(...)"
    if isinstance(value, KubectlBeforeOpen):
        text = _("kubectl did not run: the lab is not open in this kernel yet (a restarted kernel starts afresh), "
                 "and kubectl would use your own kubeconfig's namespace, not the lab's. Run the lab's first cell "
                 "(`{first}`), then this one again.", first=first)  # fmt: skip
    else:
        text = _("the lab is not open yet: run its first cell (`{first}`), then this one again.", first=first)
    shown = [f"\x1b[31m{text}\x1b[0m"]
    shell._showtraceback(etype, value, shown)
    return shown


def _notebook_name(shell: Any) -> str | None:
    """The notebook's file name where the kernel knows it (JupyterLab passes it to the kernel), else None."""
    name = (getattr(shell, "user_ns", {}) or {}).get("__session__") or environment.get(JPY_SESSION_NAME)
    return Path(str(name)).name if name else None


def _one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
    text = str(value) if isinstance(value, CheckFailed) else _("rolloutlab: {error}", error=value)
    shown = [f"\x1b[31m{text}\x1b[0m"]
    shell._showtraceback(etype, value, shown)  # IPython leaves showing a custom traceback to its handler
    return shown


class TerminalLines:
    """sys.stdout while a `!` command runs. IPython reads the command through a pty, so each line ends in "\\r\\n",
    and it sends what it read every 50 ms as a stream message: a "\\r" ending one message and its "\\n" starting
    the next. JupyterLab treats a lone "\\r" as a return to the start of the line, and a line was seen lost that
    way (the last one of `rollout status`). Here lines end in "\\n", and a command whose output does not end its
    line has one ended for it, as a terminal's prompt would (the jsonpath of step 02.2 ran into the next line)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.held = ""
        self.last = "\n"

    def write(self, text: str) -> int:
        text = (self.held + text).replace("\r\n", "\n")
        self.held = "\r" if text.endswith("\r") else ""
        text = text[: len(text) - len(self.held)]
        if text:
            self.last = text[-1]
            self.out.write(text)
        return len(text)

    def end(self) -> None:
        """After the command: its last line ended (a "\\r" held back at the very end is dropped)."""
        if self.last != "\n":
            self.out.write("\n")
        self.held = ""
        self.out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def end_lines_as_a_terminal_does() -> None:
    """`!` commands in this kernel write whole lines ending in "\\n" (see TerminalLines). IPython's `system_piped`
    expands a command's `{name}` from its caller's frame, so the wrapper goes below it, around the function it
    calls once the command is expanded: the student's own `{name}` in a `!` line still means theirs."""
    shell = checks.notebook_shell()
    # The module whose `system` the shell's `system_piped` calls: ipykernel's own in a notebook, IPython's elsewhere.
    module = sys.modules.get(type(shell).system_piped.__module__) if shell is not None else None
    system: Callable[[str], Any] | None = getattr(module, "system", None)
    if system is None or getattr(system, "rolloutlab", False):
        return

    def system_with_lines(cmd: str) -> Any:
        saved = sys.stdout
        lines = TerminalLines(saved)
        sys.stdout = lines
        try:
            return system(cmd)
        finally:
            sys.stdout = saved
            lines.end()

    system_with_lines.rolloutlab = True  # type: ignore[attr-defined]
    module.system = system_with_lines  # type: ignore[union-attr]
