"""What `validate` shows while it runs: on a terminal, a live table (lab, cell n of m, time so far against the
expected time, result); elsewhere (CI, a file), one plain line when a lab starts and one when it ends."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rolloutlab import progress
from rolloutlab.i18n import _


@dataclass
class Row:
    lab: str
    expected: float | None
    cell: int = 0
    cells: int = 0
    started: float | None = None
    seconds: float | None = None
    result: str = "waiting"


class Board:
    """Thread-safe: the labs' worker threads report, the table redraws itself a few times a second."""

    def __init__(self, *, labs: dict[str, float | None], stream: TextIO | None = None) -> None:
        self.rows = {lab: Row(lab=lab, expected=expected) for lab, expected in labs.items()}
        self.stream = stream or sys.stdout
        self.lock = threading.Lock()
        self.live: Live | None = None
        if progress.interactive(self.stream):
            self.live = Live(get_renderable=self.table, console=Console(file=self.stream), refresh_per_second=4,
                             transient=False)  # fmt: skip

    def __enter__(self) -> Board:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.live is not None:
            self.live.stop()

    def cell(self, lab: str, cell: int, cells: int) -> None:
        with self.lock:
            row = self.rows[lab]
            first = row.started is None
            if first:
                row.started, row.result = time.monotonic(), "running"
            row.cell, row.cells = cell, cells
        if first and self.live is None:
            print(
                _(
                    "{lab}: started ({cells} cells, expected about {expected})",
                    lab=lab,
                    cells=cells,
                    expected=self._expected(row),
                ),
                file=self.stream,
                flush=True,
            )

    def finished(self, lab: str, *, ok: bool, seconds: float) -> None:
        with self.lock:
            row = self.rows[lab]
            row.result, row.seconds = ("PASS" if ok else "FAIL"), seconds

    @staticmethod
    def _expected(row: Row) -> str:
        return f"{row.expected:.0f} s" if row.expected else "?"

    def table(self) -> Table:
        table = Table(title="rolloutlab validate", title_justify="left")
        for column in ("lab", "cell", "time", "expected", "result"):
            table.add_column(column, justify="right" if column in ("cell", "time", "expected") else "left")
        with self.lock:
            rows = list(self.rows.values())
        now = time.monotonic()
        for row in rows:
            took = row.seconds if row.seconds is not None else (now - row.started if row.started else None)
            late = row.expected and took and took > 2 * row.expected and row.seconds is None
            style = {"PASS": "green", "FAIL": "red"}.get(row.result, "yellow" if late else "")
            table.add_row(row.lab, f"{row.cell}/{row.cells}" if row.cells else "", f"{took:.0f} s" if took else "",
                          self._expected(row), row.result, style=style)  # fmt: skip
        return table
