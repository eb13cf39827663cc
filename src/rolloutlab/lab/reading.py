"""A step's look at the cluster, taken once: `read(ctx)` gathers what its check judges into a `Reading`, and the
check itself (`judge(reading, answers)`) is a pure function of that reading and the student's answers.

A step says what it needs with `reads(...)`; anything it does not ask for is not read. The same readings can be
recorded and judged again in tests, or built for many namespaces at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rolloutlab import waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import checks, images, observe, state
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import DEPLOYMENT, LabSettings


@dataclass(frozen=True)
class Context:
    """Where a step reads, and what the lab recorded so far."""

    settings: LabSettings
    lab_context: str  # the context the lab set up in its private kubeconfig
    app: Callable[[], traffic.AppUrl]  # found on first use: off the sandbox it costs a port-forward
    timelines: Mapping[str, Timeline]  # the recordings of this lab's notebook, by name, still running or stopped


def lost_recording(name: str) -> LabError:
    """A recording that was still running when the notebook's kernel stopped: what it saw went with the kernel, and
    the rollout it watched has happened, so running the step's command again changes nothing."""
    return LabError(
        _("the recording {name} was lost: the notebook's kernel stopped while it ran", name=name),
        fix=_("if the step's command had not run yet, run the cell `lab.record(\"{name}\")` again, then the step; if "
              "it had, its rollout cannot be recorded again as the cluster stands: run the lab's start cell "
              "(`lab.start()`), then every cell after it, in order", name=name),
    )  # fmt: skip


class Recordings(Mapping[str, Timeline]):
    """The lab's recordings by name: those this kernel runs or ran, else those kept in the namespace, so that a
    restarted kernel's checks judge what was recorded before the restart."""

    def __init__(self, live: Mapping[str, Timeline]) -> None:
        self.live = live

    def __getitem__(self, name: str) -> Timeline:
        """The recording `name`; a KeyError when none was made, a LabError when one was lost with its kernel."""
        if name in self.live:
            return self.live[name]
        kept = state.kept_recording(name)
        if kept is not None:
            return kept
        if state.lost(name):
            raise lost_recording(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.live)

    def __len__(self) -> int:
        return len(self.live)


@dataclass(frozen=True)
class Reading:
    """What one step's check judges; every field that its `read` did not ask for keeps its empty default."""

    seen: observe.Seen | None = None
    state: Mapping[str, str] = field(default_factory=dict)
    timelines: Mapping[str, Timeline | None] = field(default_factory=dict)
    page: str | None = None  # the app's page, or None when it does not answer
    app: traffic.AppUrl | None = None
    tags: list[str] | None = None  # the registry's tags, when asked for; None too when it does not answer
    built: tuple[str, ...] = ()  # the tags Docker holds for the lesson's image
    line: str | None = None  # the line the page of the student's version shows (its APP_MESSAGE), None: not pushed
    pod: dict[str, Any] | None = None  # the pod that answered /error, as kubectl returns it
    service_left: bool = False
    probe: Mapping[str, Any] = field(default_factory=dict)  # a set-up check's raw answer (kubectl, Docker...)


Read = Callable[[Context], Reading]


@dataclass(frozen=True)
class Reads:
    """A step's `read`: one look at each thing asked for, in the lab's namespace. What it asks for is data, so that
    `class status` can build the same reading for many namespaces from a few list calls."""

    seen: bool = True
    timelines: tuple[str, ...] = ()
    app: bool = False
    page: bool = False
    registry: bool = False
    built: bool = False
    crashed_pod: bool = False
    service: bool = False
    with_state: bool = False
    own_version: bool = False
    login: bool = False

    @property
    def on_students_machine(self) -> bool:
        """Whether it reads what only the student's machine holds (Docker's images and login)."""
        return self.built or self.login

    def __call__(self, ctx: Context) -> Reading:
        lesson = state.read() if (self.with_state or self.crashed_pod or self.own_version) else {}
        own = lesson.get(state.NEW_TAG) if self.own_version else None
        found = lesson.get(state.CRASHED_POD)
        where = ctx.app() if (self.app or self.page) else None
        return Reading(
            seen=observe.seen(ctx.settings, lab_context=ctx.lab_context) if self.seen else None,
            state=lesson,
            timelines={name: ctx.timelines.get(name) for name in self.timelines},
            page=_page(where) if (self.page and where) else None,
            app=where,
            tags=observe.registry_tags(ctx.settings) if self.registry else None,
            built=tuple(images.local_tags(settings=ctx.settings)) if self.built else (),
            line=images.message_of(settings=ctx.settings, tag=own) if own else None,
            pod=observe.get("pod", found) if (found and self.crashed_pod) else None,
            service_left=observe.get("service", DEPLOYMENT) is not None if self.service else False,
            probe=checks.read_login(ctx.settings) if self.login else {},
        )


def reads(**asked: Any) -> Reads:
    """A step's `read`, asking for what its check judges (see `Reads`)."""
    return Reads(**asked)


# Right after a rollout the node port may refuse a moment, while kube-proxy moves it to the new pods: a student
# would load the page again.
PAGE_SECONDS = 5.0


def _page(app: traffic.AppUrl) -> str | None:
    """The app's page, or None when nothing answered for PAGE_SECONDS."""

    def read() -> str | None:
        try:
            return traffic.page_text(app.url)
        except LabError:
            return None

    return waiting.until(read, seconds=PAGE_SECONDS, every=1, done=lambda body: body is not None)


READERS: dict[str, Callable[[LabSettings], Mapping[str, Any]]] = {
    "kubectl": lambda settings: checks.read_kubectl(),
    "cluster": checks.read_cluster,
    "nodes": lambda settings: checks.read_nodes(),
    "registry": checks.read_registry,
    "docker": lambda settings: checks.read_docker(),
    "login": checks.read_login,
}


@dataclass(frozen=True)
class Probe:
    """A set-up step's `read`: the raw answer of kubectl, the cluster, the nodes, the registry or Docker, as the
    student's machine sees them."""

    name: str
    on_students_machine: bool = True

    def __call__(self, ctx: Context) -> Reading:
        return Reading(probe=READERS[self.name](ctx.settings))


def probe(name: str) -> Probe:
    if name not in READERS:
        raise ValueError(f"no probe {name!r}")
    return Probe(name)
