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
import re
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
from rolloutlab.course.report import report_html
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import cluster, exercises
from rolloutlab.paths import Paths, repository
from rolloutlab.settings import LabSettings, sweep_private_folders

CELL_TIMEOUT = 900
# A check's line as the lab printed it, in its language: "OK rollout: ...", "ÉCHEC 02.3 déploiement : ...".
_OK, _FAIL = i18n.in_every_language("OK"), i18n.in_every_language("FAIL")
CHECK_LINE = re.compile(rf"^({'|'.join(map(re.escape, {*_OK, *_FAIL}))}) ([^:]+?) ?: (.*)$", re.MULTILINE)


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
    plots: list[str] = field(default_factory=list)
    timelines: list[str] = field(default_factory=list)


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


def run_lab(
    path: Path,
    *,
    out_dir: Path,
    env: Mapping[str, str],
    namespaces: Namespaces,
    answers: Mapping[str, str] | None = None,
    on_cell: Callable[[str, int, int], None] | None = None,
) -> LabResult:
    """Execute one lab in a namespace of its own, exercises filled with their solutions (or with `answers`, as a
    student would type them), each check first run where it must fail. The executed copy is written even when
    the lab fails."""
    nb = nbformat.read(path, as_version=4)
    lang = i18n.folder_language(path.parent)
    lab_out = out_dir / lang if lang else out_dir  # the site reads each language's labs from its folder
    executed = lab_out / path.name
    artifacts = lab_out / path.stem
    artifacts.mkdir(parents=True, exist_ok=True)
    namespace = namespaces.create(f"lab{path.stem[:2]}" + (f"-{lang}" if lang else ""))
    kernel_env = {**os.environ, **env, "LAB_NAMESPACE": namespace, "LAB_ARTIFACTS": str(artifacts.resolve())}
    if lang:
        kernel_env["LAB_LANG"] = lang  # a French lab speaks French, whatever the instructor's own LAB_LANG
    started = time.monotonic()
    failed_cell = error = None
    proofs: list[Proof] = []
    sockets = Path(tempfile.mkdtemp(prefix="rolloutlab-kernel-"))
    try:
        # IPC sockets in a private folder: nothing listens on TCP, and the kernel has nothing to warn about.
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", config=config,
                                resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
        told = functools.partial(on_cell, lab_key(path)) if on_cell else _ignore
        asyncio.run(_execute(client, nb, env=kernel_env, answers=answers or {}, proofs=proofs, on_cell=told))
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed_cell, error = _failure(nb, exc)
    finally:
        nbformat.write(nb, executed)
        namespaces.delete(namespace)
        shutil.rmtree(sockets, ignore_errors=True)
    expected = expected_seconds(nb)
    unproved = [p.step for p in proofs if not p.seen_failing]
    if error is None and unproved:
        error = _("checks never seen failing: {steps} (a check that cannot fail is a bug)", steps=", ".join(unproved))
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
        plots=sorted(str(p.relative_to(out_dir)) for p in artifacts.glob("*.png")),
        timelines=sorted(str(p.relative_to(out_dir)) for p in artifacts.glob("*.json")),
    )


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


async def _execute(
    client: NotebookClient,
    nb: nbformat.NotebookNode,
    *,
    env: Mapping[str, str],
    answers: Mapping[str, str],
    proofs: list[Proof],
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
            await _execute_cells(client, nb, cells, answers=answers, proofs=proofs, on_cell=on_cell)
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
    answers: Mapping[str, str],
    proofs: list[Proof],
    on_cell: Callable[[int, int], None],
) -> None:
    for index, cell in enumerate(cells):
        if _stopping.is_set():
            raise DeadKernelError("validate was stopped")
        on_cell(index + 1, len(cells))
        step_id = step_of(cell)
        if step_id and cell.cell_type == "code":
            step = exercises.STEPS[step_id]
            if step_id in answers:
                cell.source = answers[step_id]
            elif step.exercise:
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                proofs.append(await _prove(client, nb, step_id))
                cell.source = step.solution
            else:
                proofs.append(await _prove(client, nb, step_id))
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)


async def _prove(client: NotebookClient, nb: nbformat.NotebookNode, step_id: str) -> Proof:
    """Run the step's check cell now, where it must fail; the proof is that it stops with CheckFailed."""
    found = [(i, c) for i, c in enumerate(nb.cells) if check_of(c) == step_id]
    if not found:
        return Proof(step=step_id, seen_failing=False, message=_("no check cell for this step"))
    _step_cell, check_cell = found[0]
    body = "\n".join("    " + line for line in check_cell.source.splitlines())
    probe = nbformat.v4.new_code_cell(f"with lab.probing({step_id!r}):\n{body}")
    # Appended, not run in the check cell's place: a live figure's display updates arriving later are routed by
    # cell index, and must find this cell's outputs there until the lab ends.
    nb.cells.append(probe)
    with contextlib.suppress(CellExecutionError):
        await client.async_execute_cell(probe, len(nb.cells) - 1, store_history=False)
    errors = [o for o in probe.outputs if o.get("output_type") == "error"]
    if errors and errors[0].get("ename") == "CheckFailed":
        return Proof(step=step_id, seen_failing=True, message=str(errors[0].get("evalue")))
    if errors:
        return Proof(
            step=step_id,
            seen_failing=False,
            message=_(
                "the check broke instead of failing: {name}: {value}",
                name=errors[0].get("ename"),
                value=errors[0].get("evalue"),
            ),
        )
    return Proof(step=step_id, seen_failing=False, message=_("the check passed where it must fail"))


def _failure(nb: nbformat.NotebookNode, exc: Exception) -> tuple[int | None, str]:
    """The index of the first cell with an error output, and the error's last line."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, f"{output.get('ename')}: {output.get('evalue')}"
    text = str(exc).strip()
    return None, text.splitlines()[-1] if text else type(exc).__name__


def _checks(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The check lines the lab printed (OK / FAIL), and a failed `require` as a failed check."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            if output.get("output_type") == "error" and output.get("ename") == "CheckFailed":
                text = str(output.get("evalue", ""))
            for match in CHECK_LINE.finditer(text):
                found.append({"cell": index, "ok": match.group(1) in _OK, "name": match.group(2),
                              "message": match.group(3)})  # fmt: skip
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


def validate(
    *, labs: Sequence[Path], out_dir: Path, env: Mapping[str, str], jobs: int, namespace: str | None = None
) -> list[LabResult]:
    """Run `labs` (`jobs` at a time, each in a fresh namespace; or one after another in `namespace`) and
    write `report.json` and `report.html` into `out_dir`. Interrupted (Ctrl-C, SIGTERM, SIGHUP): kernels
    killed, namespaces deleted, then the interruption goes on up."""
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
    board = Board(labs={lab_key(p): expected_seconds(nbformat.read(p, as_version=4)) for p in labs})
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))

    def one(path: Path) -> LabResult:
        result = run_lab(path, out_dir=out_dir, env=env, namespaces=namespaces, on_cell=board.cell)
        board.finished(result.lab, ok=result.ok, seconds=result.seconds)
        return result

    try:
        with board:
            futures = [pool.submit(one, p) for p in labs]
            results = [f.result() for f in futures]
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
    report = {
        "ok": all(r.ok for r in results),
        "wall_seconds": round(time.monotonic() - started, 1),
        "jobs": jobs,
        "environment": environment(settings),
        "labs": [asdict(r) for r in results],
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    (out_dir / "report.html").write_text(report_html(report))
    return results
