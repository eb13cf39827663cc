"""Run the labs as a student would, top to bottom, with nbclient; keep the executed copies and a report.

Each lab runs in a fresh namespace (deleted afterwards, also when the lab fails or the run is interrupted),
several at once. The student's notebooks are only read: executed copies go to the output folder.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import platform
import shutil
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
from rolloutlab.course.execution import (
    Detour,
    Played,
    Proof,
    Taken,
    execute,
    expected_seconds,
    failure,
    ignore_progress,
    kill_running_kernels,
    login_asked,
    published_checks,
    stopping,
)
from rolloutlab.course.report import report_html
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import cluster, exercises, images, state
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
    ways: list[dict[str, Any]] = field(default_factory=list)  # other ways to a step's state, played (step.WAYS)
    restarts: list[int] = field(default_factory=list)  # the cells before which the kernel was restarted
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
                           context=self.settings.context, timeout=60, check=False)  # fmt: skip
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
                    context=self.settings.context, timeout=60, check=False)  # fmt: skip
        with self.lock:
            self.made.discard(name)

    def delete_all(self) -> None:
        for name in list(self.made):
            self.delete(name)


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
    restart_kernels: bool = False,
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
    restarts: list[int] = []
    proofs: list[Proof] = []
    detours: list[Detour] = []
    taken: list[Taken] = []
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
        told = functools.partial(on_cell, lab_key(path)) if on_cell else ignore_progress
        address = LabSettings.from_env(kernel_env).registry
        played = Played(lab=path.stem[:2], answers=answers or {}, lang=lang, proofs=proofs, detours=detours,
                        taken=taken, login_asked=login_asked(address), prove=prove,
                        restart_kernels=restart_kernels)  # fmt: skip
        asyncio.run(execute(client, nb, env=kernel_env, played=played, on_cell=told))
        restarts = played.restarts
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed_cell, error = failure(nb, exc)
    finally:
        nbformat.write(nb, executed)
        if own:
            namespaces.delete(namespace)
        shutil.rmtree(sockets, ignore_errors=True)
    expected = expected_seconds(nb)
    unproved = [p.step for p in proofs if not p.seen_failing]
    if error is None and unproved:
        error = _("checks never seen failing: {steps} (a check that cannot fail is a bug)", steps=", ".join(unproved))
    graded = [
        history.judge(p.stem, Timeline.load(p), expected=exercises.expected(p.stem))
        for p in sorted(artifacts.glob("*.json"))
    ]
    off = [v for v in graded if not v.ok]
    if error is None and off:
        error = _("recorded histories not as the lesson says: {verdicts}", verdicts="; ".join(map(str, off)))
    lost = [d for d in detours if not d.ok]
    if error is None and lost:
        error = _("checks wrong after a student's detour: {steps} (a check that fails a student who fixed their "
                  "mistake is a bug)", steps=", ".join(f"{d.step} ({d.mistake})" for d in lost))  # fmt: skip
    # A way is proven when its step's check passed after it and so did every later check of the lab; when a later
    # one failed, that failure is what the way's line says.
    ways = [{**asdict(t), "ok": bool(t.passed) and error is None,
             **({"message": error} if t.passed and error else {})} for t in taken]  # fmt: skip
    return LabResult(
        lab=lab_key(path),
        ok=error is None,
        seconds=round(time.monotonic() - started, 1),
        expected_seconds=expected,
        namespace=namespace,
        failed_cell=failed_cell,
        error=error,
        executed=str(executed.relative_to(out_dir)),
        checks=published_checks(nb),
        proofs=[asdict(p) for p in proofs],
        detours=[{**asdict(d), "ok": d.ok} for d in detours],
        ways=ways,
        restarts=restarts,
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


def environment(settings: LabSettings) -> dict[str, Any]:
    """Kubernetes and tool versions for the report."""
    proc = kubectl.run(
        ["version", "-o", "json"], kubeconfig=settings.kubeconfig, context=settings.context, timeout=30, check=False
    )
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
    restart_kernels: bool = False,
    answers: Mapping[str, str] | None = None,
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
    stopping.clear()
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
                                 namespace=shared, prove=prove, restart_kernels=restart_kernels,
                                 answers=answers)  # fmt: skip
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
