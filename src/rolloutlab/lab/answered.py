"""The student's answers as the notebook holds them (`container = "..."`), and the cells that failed to set them.

A cell that stops on an error (`container = 'l'app'`, a SyntaxError; `container = first-app-k8s`, a NameError)
leaves the name as it was: a check then judged the earlier answer, and the student believed the new one was graded.
An IPython hook remembers, per name, whether the latest cell that assigns it failed."""

from __future__ import annotations

import re
from typing import Any

from rolloutlab.i18n import _
from rolloutlab.lab import checks
from rolloutlab.lab.checks import Check

# `name = ...` at the start of a line: what an answer cell writes.
ASSIGNED = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)", re.MULTILINE)

# Answer name -> the error that stopped the latest cell assigning it (absent: that cell ran, or none did).
_FAILED: dict[str, str] = {}
_WATCHED: set[int] = set()


def after_cell(result: Any) -> None:
    """IPython's post_run_cell: note which answer names the cell tried to set, and whether it failed."""
    error = result.error_before_exec or result.error_in_exec
    for name in ASSIGNED.findall(result.info.raw_cell or ""):
        if error is not None:
            _FAILED[name] = type(error).__name__
        else:
            _FAILED.pop(name, None)


def watch() -> None:
    """Follow the notebook's cells from now on (once per kernel; nothing outside a notebook)."""
    shell = checks.notebook_shell()
    hooks = getattr(shell, "events", None)  # None outside IPython
    if hooks is None or id(shell) in _WATCHED:
        return
    hooks.register("post_run_cell", after_cell)
    _WATCHED.add(id(shell))


def given(names: tuple[str, ...]) -> dict[str, Any]:
    """The answers as the notebook holds them now; a name not defined yet is simply absent."""
    shell = checks.notebook_shell()
    held = shell.user_ns if shell is not None else {}
    return {n: held[n] for n in names if n in held}


def broken(names: tuple[str, ...]) -> dict[str, str]:
    """The answer names whose latest cell stopped on an error, with that error's name."""
    return {n: _FAILED[n] for n in names if n in _FAILED}


def unanswered(step: str, names: list[str]) -> Check:
    """The check's line when the student's answer cell was not run: what to write, before any cluster is read."""
    return Check(_("{step} answer", step=step), False,
                 _("your answer is not in this notebook's kernel yet (a restarted kernel forgets it): write `{name} = "
                   "...` in this step's answer cell (under the step's text, before this check) and run it, then run "
                   "this check again.", name=names[0]))  # fmt: skip


def failed_cell(step: str, name: str, error: str) -> Check:
    """The check's line when the cell that sets the answer stopped on an error: its earlier value is not judged."""
    return Check(_("{step} answer", step=step), False,
                 _("the cell that sets `{name}` stopped on an error ({error}), so `{name}` was not changed and this "
                   "check does not judge it. A text goes between double quotes, as in `{name} = \"...\"` (and so "
                   "can hold an apostrophe): fix that cell, run it, then run this check again.", name=name,
                   error=error))  # fmt: skip
