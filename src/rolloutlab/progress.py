"""Progress for long work, the same way everywhere: a rich bar on a terminal, a plain line now and then when the
output is a file or a CI log (which keeps every line, so a bar's redraws would flood it)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rolloutlab import environment
from rolloutlab.environment import CI, TERM
from rolloutlab.i18n import _

# How often a plain line repeats while nothing else is said.
PLAIN_EVERY = 30.0


def interactive(stream: TextIO | None = None) -> bool:
    """Whether to draw: a terminal, and not CI (some CI runners allocate a TTY that nobody watches)."""
    stream = stream or sys.stderr
    return stream.isatty() and not environment.is_set(CI) and environment.get(TERM) != "dumb"


def _notebook_display() -> Any:
    """A display handle in a Jupyter kernel (a line the task redraws in place), else None."""
    if "ipykernel" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return display({"text/plain": ""}, raw=True, display_id=True)


class Task:
    """One piece of long work: `advance()` or `update(done=…)`; `total` may be learnt late."""

    def __init__(self, *, description: str, total: float | None, bar: Progress | None, stream: TextIO,
                 handle: Any = None) -> None:  # fmt: skip
        self.description = description
        self.total = total
        self.done = 0.0
        self._bar = bar
        self._id = bar.add_task(description, total=total) if bar is not None else None
        self._stream = stream
        self._handle = handle
        self._started = self._said = time.monotonic()

    def update(self, *, done: float | None = None, total: float | None = None, note: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if self._bar is not None and self._id is not None:
            text = f"{self.description} {note}" if note else self.description
            self._bar.update(self._id, completed=self.done, total=self.total, description=text)
        elif self._handle is not None:
            self._handle.update({"text/plain": self.line(note)}, raw=True)
        elif time.monotonic() - self._said >= PLAIN_EVERY:
            self._plain(note)

    def advance(self, step: float = 1.0) -> None:
        self.update(done=self.done + step)

    def line(self, note: str | None = None) -> str:
        """The task as one line of text: a bar of 20 cells when the total is known."""
        seconds = time.monotonic() - self._started
        drawn = ""
        if self.total:
            filled = round(20 * min(self.done, self.total) / self.total)
            drawn = f"{'█' * filled}{'░' * (20 - filled)} {self.done:.0f}/{self.total:.0f} "
        extra = f" {note}" if note else ""
        return f"{self.description}{_(': ')}{drawn}({seconds:.0f} s){extra}"  # French: a no-break space before :

    def _plain(self, note: str | None) -> None:
        self._said = time.monotonic()
        print(f"  ... {self.line(note)}", file=self._stream, flush=True)


@contextmanager
def task(description: str, *, total: float | None, stream: TextIO | None = None) -> Iterator[Task]:
    """A bar (with an estimate once the total is known) while the block runs."""
    stream = stream or sys.stderr
    handle = _notebook_display()
    if handle is not None or not interactive(stream):
        yield Task(description=description, total=total, bar=None, stream=stream, handle=handle)
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn()]  # fmt: skip
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        yield Task(description=description, total=total, bar=bar, stream=stream)
