"""Executing one lab notebook with nbclient: its cells in order, each check first run where it must fail (a
proof), a student's mistake played at each step (a detour), then the step's solution; and what the executed
notebook says (its first error, the structured results its checks published). `validate` runs labs with it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbclient.util import ensure_async

from rolloutlab.course import proof
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import registry
from rolloutlab.lab import checks, exercises
from rolloutlab.lab.step import Mistake


@dataclass
class Proof:
    """A check run where it must fail: before its step (or, for a set-up check, with its environment broken)."""

    step: str
    seen_failing: bool
    message: str


@dataclass
class Detour:
    """A student's mistake played at a step, then the step's solution: the check must fail after the mistake
    (when it changed or tried to change something) and pass after the solution."""

    step: str
    mistake: str  # a kind of step.MISTAKES
    said: str  # the check's line after the mistake, "" when the mistake has no code (a check run twice)
    said_ok: bool = False  # the check passed after the mistake: it cannot see it
    passed: bool | None = None  # the check after the solution; None until it ran
    message: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.passed) and not self.said_ok


@dataclass
class Taken:
    """Another way to a step's state, played in place of its solution: the step's check must pass after it, and so
    must every later check of the lab (the lab's own verdict, which `validate` adds)."""

    step: str
    way: str  # a kind of step.WAYS
    passed: bool | None = None  # the step's check after the way; None until it ran
    message: str = ""


def step_of(cell: nbformat.NotebookNode) -> str | None:
    return (cell.get("metadata", {}).get("rolloutlab") or {}).get("step")


def check_of(cell: nbformat.NotebookNode) -> str | None:
    return (cell.get("metadata", {}).get("rolloutlab") or {}).get("check")


def expected_seconds(nb: nbformat.NotebookNode) -> float | None:
    return (nb.metadata.get("rolloutlab") or {}).get("expected_seconds")


def ignore_progress(cell: int, cells: int) -> None:
    pass


_running: set[int] = set()  # the kernels' process groups of the labs running now
_running_lock = threading.Lock()
stopping = threading.Event()  # set when the run is interrupted: no lab goes on to its next cell


def kill_running_kernels() -> None:
    """Kill the kernels of the labs still running (and what they started: `kubectl`, port-forwards), so that
    their threads end at once on a DeadKernelError."""
    stopping.set()
    with _running_lock:
        groups = list(_running)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


@dataclass
class Played:
    """What a lab run plays beyond the stored cells, and what it saw: the student's own `answers` by step (their
    steps get no detour), the lab's language (which picks each step's mistake and the other ways played), the
    proofs, the detours and the ways taken."""

    lab: str  # "03"
    answers: Mapping[str, str]
    lang: str | None
    proofs: list[Proof]
    detours: list[Detour]
    taken: list[Taken]
    login_asked: bool = True  # the lab's registry asks for a login (kind's does not: no-login is no mistake there)
    prove: bool = True  # False: each step's solution straight away, no proof, no detour
    # Restart the kernel before each check no recording is running through, and after each drawn recording, then
    # open the lab again as a student would (and run the step's answer cell again): the lab must go on.
    restart_kernels: bool = False
    restarts: list[int] = field(default_factory=list)  # the cells before which the kernel was restarted


def login_asked(registry_address: str) -> bool:
    """Whether the registry refuses a request without a login (401); one that does not answer counts as asking."""
    return registry.accepts(address=registry_address, login=None) is not True


async def execute(
    client: NotebookClient,
    nb: nbformat.NotebookNode,
    *,
    env: Mapping[str, str],
    played: Played,
    on_cell: Callable[[int, int], None],
) -> None:
    """nbclient's execute, cell by cell, with each step's proof run just before the step is done."""
    client.reset_execution_trackers()
    cells = list(nb.cells)
    group = None
    try:
        async with client.async_setup_kernel(env=env):
            group = getattr(client.km.provisioner, "pgid", None) if client.km is not None else None
            if group:
                with _running_lock:
                    _running.add(group)
                if stopping.is_set():
                    kill_running_kernels()
            await _execute_cells(client, nb, cells, played=played, on_cell=on_cell)
    finally:
        nb.cells = cells  # the proofs' cells go: they were appended only so that late outputs had a home
        if group:
            with _running_lock:
                _running.discard(group)


async def _execute_cells(
    client: NotebookClient,
    nb: nbformat.NotebookNode,
    cells: list[Any],
    *,
    played: Played,
    on_cell: Callable[[int, int], None],
) -> None:
    """Every cell in order. At a step: the stored cell (an exercise as the student finds it), the proof that its
    check fails, a detour (one of the step's mistakes, which the check must catch), then the solution or another
    way to the same state; at the step's check cell, the detour's verdict and the way's."""
    detours: dict[str, Detour] = {}
    ways = exercises.ways_played(played.lab, played.lang)
    taken: dict[str, Taken] = {}
    recording: set[str] = set()  # the recordings running now: a restart would lose them
    drawn = False  # a recording was drawn (stored in the namespace) since the last restart
    for index, cell in enumerate(cells):
        if stopping.is_set():
            raise DeadKernelError("validate was stopped")
        on_cell(index + 1, len(cells))
        step_id, checked = step_of(cell), check_of(cell)
        if played.restart_kernels and not recording and (checked or drawn):
            await _restart(client, nb, cells=cells, checked=checked)
            played.restarts.append(index)
            drawn = False
        recording |= set(RECORD.findall(cell.source))
        for name in DRAW.findall(cell.source):
            recording.discard(name)
            drawn = True
        if step_id and cell.cell_type == "code":
            step = exercises.STEPS[step_id]
            if step_id in played.answers:
                cell.source = played.answers[step_id]
            elif not played.prove:
                cell.source = step.solution
            else:
                if step.exercise:
                    await _run(client, cell, index)
                played.proofs.append(await _prove(client, nb, step_id))
                mistake = step.mistake_for(played.lang, login_asked=played.login_asked)
                detours[step_id] = await _play(client, nb, step_id, mistake)
                played.detours.append(detours[step_id])
                cell.source = step.solution
                if step_id in ways:
                    cell.source = ways[step_id].code
                    taken[step_id] = Taken(step=step_id, way=ways[step_id].kind)
                    played.taken.append(taken[step_id])
                if mistake.kind == "step-twice":
                    await _run(client, cell, index)
        if checked in detours and detours[checked].mistake == "check-twice":
            await _run(client, cell, index)
        try:
            await _run(client, cell, index)
        finally:
            result = _result_in(cell) if checked else None
            said = result["shown"] if result else _("the check published no result")
            for seen in (detours.get(checked or ""), taken.get(checked or "")):
                if seen is not None:
                    seen.passed, seen.message = bool(result and result["ok"]), said


RECORD, DRAW = re.compile(r"""lab\.record\(["']([^"']+)"""), re.compile(r"""lab\.(?:draw|stop)\(["']([^"']+)""")


async def _restart(client: NotebookClient, nb: nbformat.NotebookNode, *, cells: list[Any], checked: str | None) -> None:
    """Restart the kernel as JupyterLab's menu does, then what a student runs again: the cell that opens the lab,
    and the answer cell of the step about to be checked (its names died with the kernel)."""
    if client.km is None or client.kc is None:
        return
    await ensure_async(client.km.restart_kernel(now=True))
    # jupyter_client defines wait_for_ready on its blocking and async clients, not on their common base.
    await ensure_async(client.kc.wait_for_ready(timeout=client.startup_timeout))  # type: ignore[attr-defined]
    again = [c for c in cells if c.cell_type == "code" and "open_lab(" in c.source][:1]
    if checked and exercises.STEPS[checked].answers:
        again += [c for c in cells if step_of(c) == checked]
    for cell in again:
        await _probe(client, nb, cell.source)


async def _run(client: NotebookClient, cell: nbformat.NotebookNode, index: int) -> None:
    await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)


async def _probe(client: NotebookClient, nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """Run `source` in a cell of its own, errors allowed, and return it. Appended, not run in a lab cell's place:
    a live figure's display updates arriving later are routed by cell index, and must find that cell's outputs
    there until the lab ends; the appended cells go when it ends."""
    probe = nbformat.v4.new_code_cell(source)
    nb.cells.append(probe)
    with contextlib.suppress(CellExecutionError):
        await client.async_execute_cell(probe, len(nb.cells) - 1, store_history=False)
    return probe


async def _prove(client: NotebookClient, nb: nbformat.NotebookNode, step_id: str) -> Proof:
    """Run the step's check now, where it must fail; the proof is the failed result it publishes."""
    if not any(check_of(c) == step_id for c in nb.cells):
        return Proof(step=step_id, seen_failing=False, message=_("no check cell for this step"))
    probe = await _probe(client, nb, proof.CELL.format(step=step_id))
    result = _result_in(probe)
    if result is not None:
        return Proof(step=step_id, seen_failing=not result["ok"], message=result["shown"] if not result["ok"] else
                     _("the check passed where it must fail"))  # fmt: skip
    errors = [o for o in probe.outputs if o.get("output_type") == "error"]
    said = _error_line(errors[0]) if errors else _("no result")
    return Proof(step=step_id, seen_failing=False, message=_("the check broke instead of failing: {said}", said=said))


async def _play(client: NotebookClient, nb: nbformat.NotebookNode, step_id: str, mistake: Mistake) -> Detour:
    """Play `mistake` and read what the check says of it (nothing to read for a check or a step run twice)."""
    if not mistake.code:
        return Detour(step=step_id, mistake=mistake.kind, said="")
    await _probe(client, nb, mistake.code)
    result = _result_in(await _probe(client, nb, proof.CELL.format(step=step_id)))
    if result is None:
        return Detour(step=step_id, mistake=mistake.kind, said=_("the check published no result"), said_ok=True)
    return Detour(step=step_id, mistake=mistake.kind, said=result["shown"], said_ok=bool(result["ok"]))


def _result_in(cell: nbformat.NotebookNode) -> dict[str, Any] | None:
    """The last check result a cell published."""
    found = [o["data"][checks.MIME] for o in cell.get("outputs", []) if checks.MIME in (o.get("data") or {})]
    return dict(found[-1]) if found else None


def _error_line(output: nbformat.NotebookNode) -> str:
    """A cell's error in one line. The course's own errors already are a sentence for the user: their class name
    is left out; any other error (a bug in the lab, or the student's Python) keeps it."""
    own = {"CheckFailed", *(c.__name__ for c in _subclasses(LabError))}
    ename, evalue = output.get("ename") or "", output.get("evalue") or ""
    return evalue if ename in own else f"{ename}: {evalue}"


def _subclasses(base: type[Exception]) -> list[type[Exception]]:
    found: list[type[Exception]] = [base]
    for child in base.__subclasses__():
        found += _subclasses(child)
    return found


def failure(nb: nbformat.NotebookNode, exc: Exception) -> tuple[int | None, str]:
    """The index of the first cell with an error output, and the error's last line."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, _error_line(output)
    text = str(exc).strip()
    return None, text.splitlines()[-1] if text else type(exc).__name__


def published_checks(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The checks the lab ran, as each published its result: name, verdict and message in the lab's language."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            result = (output.get("data") or {}).get(checks.MIME)
            if result:
                found.append({"cell": index, "step": result["step"], "ok": result["ok"], "name": result["name"],
                              "message": result["message"], "shown": result["shown"]})  # fmt: skip
    return found
