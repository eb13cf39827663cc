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
from rolloutlab.course import gradebook
from rolloutlab.course.classread import ClassReading
from rolloutlab.course.gradebook import STUCK_MINUTES, Progress
from rolloutlab.course.standing import DONE, FAIL, NOT_YET, PASS, UNSEEN, Standing, class_standings
from rolloutlab.errors import LabError
from rolloutlab.i18n import _, ngettext
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


def as_json(reading: ClassReading, *, now: float | None = None, stuck_minutes: float = STUCK_MINUTES) -> str:
    at = time.time() if now is None else now
    book = gradebook.of_class(reading, now=at, stuck_minutes=stuck_minutes)
    students = [{**s.to_dict(), "progress": book[s.student].to_dict(now=at)} for s in class_standings(reading)]
    mistakes = [{"step": m.step, "kind": m.kind, "students": m.students, "what": m.what}
                for m in gradebook.common_mistakes(book.values())]  # fmt: skip
    return json.dumps({"class": reading.record.class_id, "seconds": round(reading.seconds, 3),
                       "kubectl_calls": reading.calls, "cluster_wide": reading.cluster_wide,
                       "stuck_minutes": stuck_minutes, "students": students, "common_mistakes": mistakes},
                      indent=1)  # fmt: skip


def minutes(p: Progress, *, now: float) -> str:
    return "-" if p.since is None else _("{minutes:.0f} min", minutes=(now - p.since) / 60)


def helped(p: Progress) -> str:
    used = p.helped
    return _("hints {hints}, solutions {solutions}, solves {solves}", **used) if any(used.values()) else "-"


def table(reading: ClassReading, *, now: float | None = None, stuck_minutes: float = STUCK_MINUTES) -> Table:
    at = time.time() if now is None else now
    book = gradebook.of_class(reading, now=at, stuck_minutes=stuck_minutes)
    grid = Table(title=ngettext("class {id}: {count} student, read in {seconds:.1f} s",
                                "class {id}: {count} students, read in {seconds:.1f} s", len(reading.found),
                                id=reading.record.class_id, seconds=reading.seconds))  # fmt: skip
    for column in (_("student"), _("where"), _("what its check says now"), _("tries"), _("help used"),
                   _("on this step"), _("score"), _("recorded histories")):  # fmt: skip
        grid.add_column(column, overflow="fold")
    for s in class_standings(reading):
        p = book[s.student]
        style = "red" if s.problem or p.stuck or (s.at and s.steps.get(s.at) == FAIL) else None
        place = where(s) + (" " + _("STUCK") if p.stuck else "")
        tries = str(p.steps[s.at].tries) if s.at in p.steps else "-"
        grid.add_row(s.student, place, s.message, tries, helped(p), minutes(p, now=at),
                     f"{p.score}/{gradebook.most_points()}", histories(s), style=style)  # fmt: skip
    captions = [gradebook.said(m) for m in gradebook.common_mistakes(book.values())[:5]]
    if not reading.cluster_wide:
        captions.append(_("read namespace by namespace: you may not list across namespaces"))
    grid.caption = "\n".join(captions) or None
    return grid


def show(read: Callable[[], ClassReading], *, stream: TextIO, watch: float | None,
         stuck_minutes: float = STUCK_MINUTES) -> None:  # fmt: skip
    console = Console(file=stream)

    def drawn() -> Table:
        return table(read(), stuck_minutes=stuck_minutes)

    if watch is None:
        console.print(drawn())
        return
    if not progress.interactive(stream):  # a file or a pipe: a new table each time, one after the other
        while True:
            console.print(drawn())
            stream.flush()
            time.sleep(watch)
    with Live(drawn(), console=console, refresh_per_second=1) as live:
        while True:
            time.sleep(watch)
            live.update(drawn())


# Sorting the summary by a column (a click on its head) and showing only the stuck students: the page's only script.
_SCRIPT = """
function sortBy(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),b=t.tBodies[0];
const up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';
[...b.rows].sort((x,y)=>{const a=x.cells[i].dataset.v??x.cells[i].textContent,
c=y.cells[i].dataset.v??y.cells[i].textContent;
const n=parseFloat(a)-parseFloat(c);return (isNaN(n)?a.localeCompare(c):n)*(up?1:-1)}).forEach(r=>b.appendChild(r))}
function onlyStuck(box){document.querySelectorAll('#summary tbody tr').forEach(r=>{
r.hidden=box.checked&&r.dataset.stuck!=='1'})}
"""


def summary(standings: list[Standing], book: dict[str, Progress], *, now: float) -> str:
    """One row per student: where, tries on the current step, help used, time on the step, score, stuck."""
    e = html.escape
    heads = [_("student"), _("where"), _("tries"), _("first tries"), _("hints"), _("solutions"), _("solves"),
             _("on this step"), _("score"), _("stuck")]  # fmt: skip
    rows = []
    for s in standings:
        p = book[s.student]
        on_step = None if p.since is None else round(now - p.since)
        cells = [
            (s.student, s.student),
            (where(s), f"{s.lab or ''} {s.at or ''}"),
            (str(p.steps[s.at].tries) if s.at in p.steps else "-", p.steps[s.at].tries if s.at in p.steps else 0),
            (str(p.first_tries), p.first_tries),
            *((str(v), v) for v in p.helped.values()),
            (minutes(p, now=now), -1 if on_step is None else on_step),
            (f"{p.score}/{gradebook.most_points()}", p.score),
            (_("STUCK") if p.stuck else "", int(p.stuck)),
        ]
        tds = "".join(f"<td data-v='{e(str(v))}'>{e(text)}</td>" for text, v in cells)
        rows.append(f"<tr data-who='{e(s.student)}' data-stuck='{int(p.stuck)}'"
                    f"{' class=stuck' if p.stuck else ''}>{tds}</tr>")  # fmt: skip
    head = "".join(f"<th onclick='sortBy(this)'>{e(h)}</th>" for h in heads)
    filter_box = e(_("only the stuck students"))
    return (
        f"<p><label><input type='checkbox' onchange='onlyStuck(this)'> {filter_box}</label></p>"
        f"<table id='summary'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def page(reading: ClassReading, *, refresh: int = 5, now: float | None = None,
         stuck_minutes: float = STUCK_MINUTES) -> str:  # fmt: skip
    """The live page: who is stuck and the class's common mistakes, a sortable summary, then a students-by-steps
    grid, each cell coloured and holding its check's message."""
    e = html.escape
    at = time.time() if now is None else now
    book = gradebook.of_class(reading, now=at, stuck_minutes=stuck_minutes)
    mistakes = "".join(f"<li data-step='{e(m.step)}'>{e(gradebook.said(m))}</li>"
                       for m in gradebook.common_mistakes(book.values()))  # fmt: skip
    common_head, no_common, steps_head = _("Common mistakes"), _("none met by two students yet"), _("Steps")
    common = f"<h2>{e(common_head)}</h2><ul id='mistakes'>{mistakes or '<li>' + e(no_common) + '</li>'}</ul>"
    names = status_names()
    steps = list(exercises.STEPS)
    head = "".join(f"<th>{e(step)}</th>" for step in steps)
    rows = []
    standings = class_standings(reading)  # judging every student's steps: once per page
    for s in standings:
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
        f"span{{padding:2px 6px;margin-right:4px}}{colours}#summary th{{cursor:pointer}}"
        f"tr.stuck td{{background:#ffebee;font-weight:bold}}</style><script>{_SCRIPT}</script></head><body>"
        f"<h1>{e(title)}</h1><p>{e(read_in)}</p><p>{e(note)}</p>{common}{summary(standings, book, now=at)}"
        f"<h2>{e(steps_head)}</h2><p>{legend}</p>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table></body></html>"
    )  # fmt: skip


def serve(read: Callable[[], ClassReading], *, port: int, ready: Callable[[str], None],
          stuck_minutes: float = STUCK_MINUTES) -> None:  # fmt: skip
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
                if self.path.startswith("/status.json"):
                    body, kind = as_json(reading, stuck_minutes=stuck_minutes), "application/json"
                else:
                    body, kind = page(reading, stuck_minutes=stuck_minutes), "text/html; charset=utf-8"
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
