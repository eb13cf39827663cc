"""`rolloutlab class status`: the class's standings as a table, as JSON, redrawn (`--watch`), or as a live page
on 127.0.0.1 (`--serve`): a grid of students by steps, coloured pass / fail / not yet, in the instructor's
language."""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from rolloutlab import progress
from rolloutlab.course.classread import ClassReading
from rolloutlab.course.standing import DONE, FAIL, NOT_YET, PASS, UNSEEN, Standing, class_standings
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import exercises

COLOURS = {PASS: "#2e7d32", DONE: "#81c784", FAIL: "#c62828", UNSEEN: "#9e9e9e", NOT_YET: "#eeeeee"}


def status_names() -> dict[str, str]:
    return {PASS: _("pass"), DONE: _("done"), FAIL: _("fail"), UNSEEN: _("checked in the notebook"),
            NOT_YET: _("not yet")}  # fmt: skip


def where(s: Standing) -> str:
    """The student's place in one short phrase."""
    if s.problem:
        return _("unknown")
    if s.lab is None:
        return _("at the start")
    if s.at is None:
        return _("lab {lab} done (step {step})", lab=s.lab, step=s.reached)
    return _("lab {lab}, at step {step}", lab=s.lab, step=s.at)


def histories(s: Standing) -> str:
    if not s.histories:
        return "-"
    good = sum(v.ok for v in s.histories)
    return _("{good} of {count} as the lesson says", good=good, count=len(s.histories))


def as_json(reading: ClassReading) -> str:
    return json.dumps({"class": reading.record.class_id, "seconds": round(reading.seconds, 3),
                       "kubectl_calls": reading.calls, "cluster_wide": reading.cluster_wide,
                       "students": [s.to_dict() for s in class_standings(reading)]}, indent=1)  # fmt: skip


def table(reading: ClassReading) -> Table:
    grid = Table(title=_("class {id}: {count} students, read in {seconds:.1f} s", id=reading.record.class_id,
                         count=len(reading.found), seconds=reading.seconds))  # fmt: skip
    for column in (_("student"), _("where"), _("what its check says now"), _("recorded histories")):
        grid.add_column(column, overflow="fold")
    for s in class_standings(reading):
        style = "red" if s.problem or (s.at and s.steps.get(s.at) == FAIL) else None
        grid.add_row(s.student, where(s), s.message, histories(s), style=style)
    if not reading.cluster_wide:
        grid.caption = _("read namespace by namespace: you may not list across namespaces")
    return grid


def show(read: Callable[[], ClassReading], *, stream: TextIO, watch: float | None) -> None:
    console = Console(file=stream)
    if watch is None:
        console.print(table(read()))
        return
    if not progress.interactive(stream):  # a file or a pipe: a new table each time, one after the other
        while True:
            console.print(table(read()))
            stream.flush()
            time.sleep(watch)
    with Live(table(read()), console=console, refresh_per_second=1) as live:
        while True:
            time.sleep(watch)
            live.update(table(read()))


def page(reading: ClassReading, *, refresh: int = 5) -> str:
    """The live page: a students-by-steps grid, each cell coloured and holding its check's message."""
    e = html.escape
    names = status_names()
    steps = list(exercises.STEPS)
    head = "".join(f"<th>{e(step)}</th>" for step in steps)
    rows = []
    for s in class_standings(reading):
        cells = []
        for step in steps:
            status = s.steps.get(step, NOT_YET)
            # A step left behind passed once; what its check says of the cluster now is no news.
            told = s.messages.get(step, "") if status in (PASS, FAIL) else ""
            said = told or names[status]
            mark = " here" if step == s.at else ""
            cells.append(f"<td class='{status}{mark}' data-step='{e(step)}' data-status='{status}' "
                         f"title='{e(said)}'><div>{e(names[status])}</div><small>{e(told)}"
                         f"</small></td>")  # fmt: skip
        verdicts = "".join(f"<li class='{'ok' if v.ok else 'bad'}'>{e(str(v))}</li>" for v in s.histories)
        rows.append(
            f"<tr data-student='{e(s.student)}'><th class='who'>{e(s.student)}<br><small>{e(where(s))}"
            f"</small></th>{''.join(cells)}</tr>"
            f"<tr class='detail'><td colspan='{len(steps) + 1}'>{e(s.message)}<ul>{verdicts}</ul></td></tr>"
        )
    legend = "".join(f"<span class='{k}'>{e(v)}</span>" for k, v in names.items())
    colours = "".join(f"td.{k},span.{k}{{background:{c}}}" for k, c in COLOURS.items())
    title = _("class {id}: where each student is", id=reading.record.class_id)
    note = "" if reading.cluster_wide else _("read namespace by namespace: you may not list across namespaces")
    read_in = _("read in {seconds:.1f} s with {calls} kubectl calls", seconds=reading.seconds, calls=reading.calls)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='{refresh}'>"
        f"<title>{e(title)}</title><style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse}}"
        f"td,th{{border:1px solid #ccc;padding:2px 4px;vertical-align:top;font-size:12px}}"
        f"td small{{display:block;max-width:9em;max-height:6em;overflow:hidden;font-size:10px}}"
        f"td.fail,td.pass,span.fail,span.pass{{color:#fff}}td.here{{outline:3px solid #1565c0}}"
        f"tr.detail td{{font-size:12px;background:#fafafa}}li.bad{{color:#c62828}}li.ok{{color:#2e7d32}}"
        f"span{{padding:2px 6px;margin-right:4px}}{colours}</style></head><body><h1>{e(title)}</h1>"
        f"<p>{legend}</p><p>{e(read_in)}</p><p>{e(note)}</p>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table></body></html>"
    )  # fmt: skip


def serve(read: Callable[[], ClassReading], *, port: int, ready: Callable[[str], None]) -> None:
    """Serve the page on 127.0.0.1 until interrupted; each load reads the class again (at most every 2 s)."""
    lock = threading.Lock()
    last: dict[str, Any] = {}

    def fresh() -> ClassReading:
        with lock:
            if "at" not in last or time.monotonic() - last["at"] > 2:
                last["reading"], last["at"] = read(), time.monotonic()
            found: ClassReading = last["reading"]
            return found

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                reading = fresh()
                body, kind = ((as_json(reading), "application/json") if self.path.startswith("/status.json")
                              else (page(reading), "text/html; charset=utf-8"))  # fmt: skip
                code = 200
            except LabError as exc:
                body, kind, code = str(exc), "text/plain; charset=utf-8", 503
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        raise LabError(_("port {port} on 127.0.0.1 is taken ({error})", port=port, error=exc.strerror),
                       fix=_("pass another --port, or stop what uses it")) from exc  # fmt: skip
    ready(f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()
