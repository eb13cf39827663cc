"""Progress is drawn on a terminal, said in plain lines elsewhere, and validate's board shows each lab's cell."""

import io
import os
import sys

from rolloutlab import process, progress
from rolloutlab.course.board import Board


def test_plain_lines_when_the_output_is_not_a_terminal(monkeypatch):
    """Not a TTY: no bar, but a line with the count, the total and the time, at most every PLAIN_EVERY seconds."""
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    out = io.StringIO()
    with progress.task("compiling kubelet", total=4, stream=out) as bar:
        bar.advance()
        bar.update(done=3, note="almost")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  ... compiling kubelet: ")
    assert "1/4" in lines[0]
    assert "3/4" in lines[1]
    assert lines[1].endswith("almost")
    assert "\x1b[" not in out.getvalue()


def test_a_terminal_gets_a_bar_and_ci_does_not():
    """On a pseudo-terminal the bar is drawn (rich's bar characters); with CI=true the same run draws none."""
    code = ("from rolloutlab import progress\nimport time\nwith progress.task('work', total=3) as t:\n"
            "    for _ in range(3):\n        time.sleep(0.2); t.advance()\n")  # fmt: skip
    runs = {}
    for ci in ("", "true"):
        env = {**os.environ, "TERM": "xterm", "CI": ci}
        proc = process.run(["script", "-qec", f"{sys.executable} -c \"{code}\"", "/dev/null"], env=env, timeout=60,
                           check=False)  # fmt: skip
        runs[ci] = proc.stdout
    assert "━" in runs[""]
    assert "3/3" in runs[""]
    assert "━" not in runs["true"]


def test_the_notebook_line_is_a_bar_of_twenty_cells():
    """The text drawn in a notebook shows the share done as 20 cells, the counts and the note."""
    task = progress.Task(description="rollout of first-app", total=4, bar=None, stream=io.StringIO())
    task.update(done=2, note="2 updated, 2 available")
    line = task.line("2 updated, 2 available")
    assert line.startswith("rollout of first-app: " + "█" * 10 + "░" * 10 + " 2/4 (")
    assert line.endswith("2 updated, 2 available")


def test_board_says_when_labs_start_and_tracks_cells_and_results():
    """Plain mode prints one line as a lab starts; the table holds the cell, the expected time and the result."""
    out = io.StringIO()
    board = Board(labs={"00-setup": 5.0, "03-failed-rollout": 85.0}, stream=out)
    with board:
        board.cell("03-failed-rollout", 1, 30)
        board.cell("03-failed-rollout", 7, 30)
        board.finished("00-setup", ok=False, seconds=4.0)
    assert out.getvalue() == "03-failed-rollout: started (30 cells, expected about 85 s)\n"
    rows = {r.lab: r for r in board.rows.values()}
    assert (rows["03-failed-rollout"].cell, rows["03-failed-rollout"].result) == (7, "running")
    assert rows["00-setup"].result == "FAIL"
    assert board.table().row_count == 2
