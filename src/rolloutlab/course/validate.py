"""Run the labs as a student would, top to bottom, with nbclient; keep the executed copies and a report.

Each lab runs in a fresh namespace (deleted afterwards, also when the lab fails or the run is interrupted),
several at once. The student's notebooks are only read: executed copies go to the output folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import platform
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

from rolloutlab import i18n, kubectl, versions
from rolloutlab.course.board import Board
from rolloutlab.course.classroom import ClassRecord
from rolloutlab.course.report import report_html
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import registry
from rolloutlab.lab import checks, cluster, exercises, images, state
from rolloutlab.paths import Paths, repository
from rolloutlab.recording import history
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import LabSettings, sweep_private_folders

CELL_TIMEOUT = 900


@dataclass
class LabResult:
    lab: str
    ok: bool
    seconds: float
    expected_seconds: float | None
    namespace: str
    failed_cell: int | None
    error: str | None
    executed: str
    checks: list[dict[str, Any]] = field(default_factory=list)
    proofs: list[dict[str, Any]] = field(default_factory=list)
    detours: list[dict[str, Any]] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    timelines: list[str] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)  # each recording's path, graded (history.py)


def find_lab_sets(*, languages: Sequence[str], chosen: Sequence[str] | None) -> list[Path]:
    """The labs of each language in `languages` (labs/en, labs/fr), each set in order."""
    unknown = [lang for lang in languages if lang not in i18n.LANGUAGES]
    if unknown:
        raise LabError(_("no labs in {unknown}", unknown=", ".join(unknown)),
                       fix=_("choose among {known}", known=", ".join(i18n.LANGUAGES)))  # fmt: skip
    return [p for lang in languages for p in find_labs(labs_dir=repository().labs_in(lang), chosen=chosen)]


def lab_key(path: Path) -> str:
    """How a lab is named in the report and on the board: `fr/02-deploy-and-set-image`, or its stem alone outside
    a language folder."""
    lang = i18n.folder_language(path.parent)
    return f"{lang}/{path.stem}" if lang else path.stem


def find_labs(*, labs_dir: Path, chosen: Sequence[str] | None) -> list[Path]:
    """The lab notebooks, in order; `chosen` picks by number prefix (`00`, `03`) or by file stem."""
    if not labs_dir.is_dir():
        raise LabError(
            _("no labs folder at {labs_dir}", labs_dir=labs_dir), fix=_("run from a clone of the repository")
        )
    labs = sorted(labs_dir.glob("[0-9][0-9]-*.ipynb"))
    if not chosen:
        return labs
    picked = []
    for key in chosen:
        match = [p for p in labs if key in (p.stem, p.stem.split("-", 1)[0])]
        if not match:
            known = ", ".join(p.stem for p in labs)
            raise LabError(_("no lab {key!r}", key=key), fix=_("choose among {known}", known=known))
        picked += match
    return picked


class Namespaces:
    """The namespaces this run made, so that every one of them is deleted whatever happens."""

    def __init__(self, *, settings: LabSettings, fixed: str | None = None) -> None:
        self.settings = settings
        self.fixed = fixed  # a student's own namespace: used as it is, never created or deleted
        self.made: set[str] = set()
        self.lock = threading.Lock()

    def create(self, prefix: str) -> str:
        if self.fixed:
            return self.fixed
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        proc = kubectl.run(["create", "namespace", name], kubeconfig=self.settings.kubeconfig,
                           context=self.settings.context, timeout=60)  # fmt: skip
        if proc.returncode != 0:
            raise LabError(
                _("cannot create namespace {name}: {strip}", name=name, strip=proc.stderr.strip()),
                fix=_("check that the cluster answers and that you may create namespaces (or use your own kubeconfig)"),
            )
        with self.lock:
            self.made.add(name)
        return name

    def delete(self, name: str) -> None:
        if name == self.fixed:
            return
        kubectl.run(["delete", "namespace", name, "--wait=false"], kubeconfig=self.settings.kubeconfig,
                    context=self.settings.context, timeout=60)  # fmt: skip
        with self.lock:
            self.made.discard(name)

    def delete_all(self) -> None:
        for name in list(self.made):
            self.delete(name)


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
    mistake: str  # a kind of exercises.MISTAKES
    said: str  # the check's line after the mistake, "" when the mistake has no code (a check run twice)
    said_ok: bool = False  # the check passed after the mistake: it cannot see it
    passed: bool | None = None  # the check after the solution; None until it ran
    message: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.passed) and not self.said_ok


def run_lab(
    path: Path,
    *,
    out_dir: Path,
    env: Mapping[str, str],
    namespaces: Namespaces,
    answers: Mapping[str, str] | None = None,
    on_cell: Callable[[str, int, int], None] | None = None,
    namespace: str | None = None,
    prove: bool = True,
) -> LabResult:
    """Execute one lab in a namespace of its own (or in `namespace`, which an earlier lab of a chain used and the
    caller deletes), exercises filled with their solutions (or with `answers`, as a student would type them), each
    check first run where it must fail and one mistake played at each step (not without `prove`). The executed copy
    is written even when the lab fails."""
    nb = nbformat.read(path, as_version=4)
    lang = i18n.folder_language(path.parent)
    lab_out = out_dir / lang if lang else out_dir  # the site reads each language's labs from its folder
    executed = lab_out / path.name
    artifacts = lab_out / path.stem
    artifacts.mkdir(parents=True, exist_ok=True)
    own = namespace is None
    namespace = namespace or namespaces.create(namespace_prefix(path))
    kernel_env = {**os.environ, **env, "LAB_NAMESPACE": namespace, "LAB_ARTIFACTS": str(artifacts.resolve())}
    # Nobody watches a validate run's figures redraw, and each live frame costs about a second of processor: with
    # three labs recording at once on 2 cores they took the cores from the app's pods. The final figures remain.
    kernel_env["LAB_LIVE_VIEW"] = "off"
    if lang:
        kernel_env["LAB_LANG"] = lang  # a French lab speaks French, whatever the instructor's own LAB_LANG
    started = time.monotonic()
    failed_cell = error = None
    proofs: list[Proof] = []
    detours: list[Detour] = []
    sockets = Path(tempfile.mkdtemp(prefix="rolloutlab-kernel-"))
    # Each lab's Docker logins of its own, as on a fresh machine: lab 01 logs in and out without touching another
    # lab's or the user's (the helpers push with the registry's login, not Docker's).
    (sockets / "docker").mkdir()
    kernel_env["DOCKER_CONFIG"] = str(sockets / "docker")
    try:
        # IPC sockets in a private folder: nothing listens on TCP, and the kernel has nothing to warn about.
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", config=config,
                                resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
        told = functools.partial(on_cell, lab_key(path)) if on_cell else _ignore
        address = LabSettings.from_env(kernel_env).registry
        played = Played(answers=answers or {}, lang=lang, proofs=proofs, detours=detours,
                        login_asked=login_asked(address), prove=prove)  # fmt: skip
        asyncio.run(_execute(client, nb, env=kernel_env, played=played, on_cell=told))
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed_cell, error = _failure(nb, exc)
    finally:
        nbformat.write(nb, executed)
        if own:
            namespaces.delete(namespace)
        shutil.rmtree(sockets, ignore_errors=True)
    expected = expected_seconds(nb)
    unproved = [p.step for p in proofs if not p.seen_failing]
    if error is None and unproved:
        error = _("checks never seen failing: {steps} (a check that cannot fail is a bug)", steps=", ".join(unproved))
    graded = [history.judge(p.stem, Timeline.load(p)) for p in sorted(artifacts.glob("*.json"))]
    off = [v for v in graded if not v.ok]
    if error is None and off:
        error = _("recorded histories not as the lesson says: {verdicts}", verdicts="; ".join(map(str, off)))
    lost = [d for d in detours if not d.ok]
    if error is None and lost:
        error = _("checks wrong after a student's detour: {steps} (a check that fails a student who fixed their "
                  "mistake is a bug)", steps=", ".join(f"{d.step} ({d.mistake})" for d in lost))  # fmt: skip
    return LabResult(
        lab=lab_key(path),
        ok=error is None,
        seconds=round(time.monotonic() - started, 1),
        expected_seconds=expected,
        namespace=namespace,
        failed_cell=failed_cell,
        error=error,
        executed=str(executed.relative_to(out_dir)),
        checks=_checks(nb),
        proofs=[asdict(p) for p in proofs],
        detours=[{**asdict(d), "ok": d.ok} for d in detours],
        plots=sorted(str(p.relative_to(out_dir)) for p in artifacts.glob("*.png")),
        timelines=sorted(str(p.relative_to(out_dir)) for p in artifacts.glob("*.json")),
        histories=[asdict(v) for v in graded],
    )


def namespace_prefix(path: Path) -> str:
    lang = i18n.folder_language(path.parent)
    return f"lab{path.stem[:2]}" + (f"-{lang}" if lang else "")


# Labs that run one after the other in one namespace, as a student runs them: lab 02 rolls out the version that
# lab 01 built, which it finds in the namespace's lab state.
CHAINED = (("01", "02"),)


def chains(labs: Sequence[Path]) -> list[list[Path]]:
    """`labs` grouped into what runs in one namespace: a lab alone, or a chain of CHAINED of the same language."""
    groups: list[list[Path]] = []
    for path in labs:
        previous = groups[-1][-1] if groups else None
        if previous is not None and previous.parent == path.parent and \
                any((previous.stem[:2], path.stem[:2]) == pair for pair in CHAINED):  # fmt: skip
            groups[-1].append(path)
        else:
            groups.append([path])
    return groups


def step_of(cell: nbformat.NotebookNode) -> str | None:
    return (cell.get("metadata", {}).get("rolloutlab") or {}).get("step")


def check_of(cell: nbformat.NotebookNode) -> str | None:
    return (cell.get("metadata", {}).get("rolloutlab") or {}).get("check")


def expected_seconds(nb: nbformat.NotebookNode) -> float | None:
    return (nb.metadata.get("rolloutlab") or {}).get("expected_seconds")


def _ignore(cell: int, cells: int) -> None:
    pass


_running: set[int] = set()  # the kernels' process groups of the labs running now
_running_lock = threading.Lock()
_stopping = threading.Event()  # set when the run is interrupted: no lab goes on to its next cell


def kill_running_kernels() -> None:
    """Kill the kernels of the labs still running (and what they started: `kubectl`, port-forwards), so that
    their threads end at once on a DeadKernelError."""
    _stopping.set()
    with _running_lock:
        groups = list(_running)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


@dataclass
class Played:
    """What a lab run plays beyond the stored cells, and what it saw: the student's own `answers` by step (their
    steps get no detour), the lab's language (which picks each step's mistake), the proofs and the detours."""

    answers: Mapping[str, str]
    lang: str | None
    proofs: list[Proof]
    detours: list[Detour]
    login_asked: bool = True  # the lab's registry asks for a login (kind's does not: no-login is no mistake there)
    prove: bool = True  # False: each step's solution straight away, no proof, no detour


def login_asked(registry_address: str) -> bool:
    """Whether the registry refuses a request without a login (401); one that does not answer counts as asking."""
    return registry.accepts(address=registry_address, login=None) is not True


async def _execute(
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
                if _stopping.is_set():
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
    check fails, a detour (one of the step's mistakes, which the check must catch), then the solution; at the
    step's check cell, the detour's verdict."""
    detours: dict[str, Detour] = {}
    for index, cell in enumerate(cells):
        if _stopping.is_set():
            raise DeadKernelError("validate was stopped")
        on_cell(index + 1, len(cells))
        step_id, checked = step_of(cell), check_of(cell)
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
                if mistake.kind == "step-twice":
                    await _run(client, cell, index)
        if checked in detours and detours[checked].mistake == "check-twice":
            await _run(client, cell, index)
        try:
            await _run(client, cell, index)
        finally:
            if checked in detours:
                result = _result_in(cell)
                detours[checked].passed = bool(result and result["ok"])
                detours[checked].message = result["shown"] if result else _("the check published no result")


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
    probe = await _probe(client, nb, f"lab.probe({step_id!r})")
    result = _result_in(probe)
    if result is not None:
        return Proof(step=step_id, seen_failing=not result["ok"], message=result["shown"] if not result["ok"] else
                     _("the check passed where it must fail"))  # fmt: skip
    errors = [o for o in probe.outputs if o.get("output_type") == "error"]
    said = _error_line(errors[0]) if errors else _("no result")
    return Proof(step=step_id, seen_failing=False, message=_("the check broke instead of failing: {said}", said=said))


async def _play(client: NotebookClient, nb: nbformat.NotebookNode, step_id: str, mistake: exercises.Mistake) -> Detour:
    """Play `mistake` and read what the check says of it (nothing to read for a check or a step run twice)."""
    if not mistake.code:
        return Detour(step=step_id, mistake=mistake.kind, said="")
    await _probe(client, nb, mistake.code)
    result = _result_in(await _probe(client, nb, f"lab.probe({step_id!r})"))
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


def _failure(nb: nbformat.NotebookNode, exc: Exception) -> tuple[int | None, str]:
    """The index of the first cell with an error output, and the error's last line."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, _error_line(output)
    text = str(exc).strip()
    return None, text.splitlines()[-1] if text else type(exc).__name__


def _checks(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The checks the lab ran, as each published its result: name, verdict and message in the lab's language."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            result = (output.get("data") or {}).get(checks.MIME)
            if result:
                found.append({"cell": index, "step": result["step"], "ok": result["ok"], "name": result["name"],
                              "message": result["message"], "shown": result["shown"]})  # fmt: skip
    return found


def environment(settings: LabSettings) -> dict[str, Any]:
    """Kubernetes and tool versions for the report."""
    proc = kubectl.run(["version", "-o", "json"], kubeconfig=settings.kubeconfig, context=settings.context, timeout=30)
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        info = {}
    return {
        "kubernetes": (info.get("serverVersion") or {}).get("gitVersion"),
        "kubectl": (info.get("clientVersion") or {}).get("gitVersion"),
        "context": settings.context or "(current)",
        "registry": settings.registry,
        "python": platform.python_version(),
        "sandbox_pins": {"kubernetes": versions.KUBERNETES, "etcd": versions.ETCD, "kwok": versions.KWOK},
    }


@dataclass(frozen=True)
class Seat:
    """A student of a class (`class create`): their namespace, their kubeconfig, and the labs validate runs there,
    one after the other, as that student would, with that student's rights only."""

    namespace: str
    kubeconfig: Path
    labs: tuple[Path, ...]


def seats_of(folder: Path, *, labs: Sequence[Path]) -> list[Seat]:
    """The class's students, `labs` dealt to them in turn by chain (lab 02 stays with lab 01, whose version it
    rolls out). A student with no lab dealt keeps an empty seat."""
    names = ClassRecord.load(folder).namespaces
    if not names:
        raise LabError(_("the class has no students"), fix=_("make the class again with `class create`"))
    dealt: list[list[Path]] = [[] for _name in names]
    for index, chain in enumerate(chains(labs)):
        dealt[index % len(names)].extend(chain)
    return [
        Seat(namespace=n, kubeconfig=folder / n / "kubeconfig", labs=tuple(d))
        for n, d in zip(names, dealt, strict=True)
    ]


def validate(
    *,
    labs: Sequence[Path],
    out_dir: Path,
    env: Mapping[str, str],
    jobs: int,
    namespace: str | None = None,
    seats: Sequence[Seat] = (),
    prove: bool = True,
) -> list[LabResult]:
    """Run `labs` (`jobs` at a time, each in a fresh namespace; or one after another in `namespace`), and each
    seat's labs in its student's namespace with its student's kubeconfig, then write `report.json` and
    `report.html` into `out_dir`. Interrupted (Ctrl-C, SIGTERM, SIGHUP): kernels killed, namespaces deleted, then
    the interruption goes on up."""
    configured = LabSettings.from_env({**os.environ, **env})
    settings = cluster.choose(configured, say=print)
    if settings.kubeconfig != configured.kubeconfig:
        env = {**env, "LAB_KUBECONFIG": str(settings.kubeconfig)}
    namespaces = Namespaces(settings=settings, fixed=namespace)
    if namespace:
        jobs = 1  # the labs share the namespace: one at a time
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _stopping.clear()
    everything = [*(p for seat in seats for p in seat.labs), *labs]
    expected = {lab_key(p): expected_seconds(nbformat.read(p, as_version=4)) for p in everything}
    board = Board(labs=expected)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))

    pushed: set[str] = set()  # the tags the labs chose and pushed, read from their namespaces' lab state

    def one(chain: Sequence[Path], seat: Seat | None = None) -> list[LabResult]:
        shared = seat.namespace if seat else namespaces.create(namespace_prefix(chain[0]))
        config = str(seat.kubeconfig) if seat else settings.kubeconfig
        context = None if seat else settings.context
        lab_env = {**env, "KUBECONFIG": str(config), "LAB_KUBECONFIG": str(config)} if seat else env
        # A student's own namespace may hold tags of their own from before: only what this run chose goes.
        found = state.pushed_tags(state.read_in(shared, kubeconfig=config, context=context))
        try:
            results = []
            for path in chain:
                result = run_lab(path, out_dir=out_dir, env=lab_env, namespaces=namespaces, on_cell=board.cell,
                                 namespace=shared, prove=prove)  # fmt: skip
                board.finished(result.lab, ok=result.ok, seconds=result.seconds)
                results.append(result)
            return results
        finally:
            handed_on = state.read_in(shared, kubeconfig=config, context=context)
            pushed.update(set(state.pushed_tags(handed_on)) - set(found))
            if seat is None:
                namespaces.delete(shared)

    try:
        with board:
            tasks: list[tuple[Sequence[Path], Seat | None]] = [(seat.labs, seat) for seat in seats if seat.labs]
            tasks += [(chain, None) for chain in chains(labs)]
            # The longest first (by the labs' expected times): a long one started last is what everything waits for.
            tasks.sort(key=lambda task: -sum(expected[lab_key(p)] or 0 for p in task[0]))
            futures = [pool.submit(one, chain, seat) for chain, seat in tasks]
            results = sorted((r for f in futures for r in f.result()), key=lambda r: r.lab)
    except BaseException:
        # Interrupted: no new lab starts, the running kernels die, their namespaces go.
        pool.shutdown(wait=False, cancel_futures=True)
        kill_running_kernels()
        namespaces.delete_all()
        pool.shutdown(wait=True)
        namespaces.delete_all()
        raise
    finally:
        sweep_private_folders(Paths.from_env().kernels)
    pool.shutdown()
    namespaces.delete_all()
    removed: list[str] = []
    try:
        removed = images.remove_tags(settings=settings, chosen=sorted(pushed))
    except LabError as exc:  # the report matters more than the tidying: say it, and go on
        print(_("the tags the labs pushed stay in the registry: {error}", error=exc))
    else:
        if removed:
            print(_("validate removed the tags its labs pushed: {tags}", tags=", ".join(removed)))
    report = {
        "ok": all(r.ok for r in results),
        "wall_seconds": round(time.monotonic() - started, 1),
        "jobs": jobs,
        "proved": prove,  # False: the checks were not run where they must fail, no mistake was played
        "environment": environment(settings),
        "labs": [asdict(r) for r in results],
        "removed_tags": removed,
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    (out_dir / "report.html").write_text(report_html(report))
    return results
