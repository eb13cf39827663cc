"""What the sandbox's state is (`Status`), and how it is said: `sandbox status`'s lines and the short summary that
errors quote, in the user's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import versions
from rolloutlab.i18n import _, ngettext
from rolloutlab.paths import Paths
from rolloutlab.sandbox.engine import EngineState
from rolloutlab.sandbox.localregistry import RegistryState


@dataclass(frozen=True)
class Status:
    built: bool
    components: dict[str, bool]
    apiserver_ready: bool
    nodes: dict[str, bool]
    nodes_ready: int
    nodes_expected: int
    registry: RegistryState
    engine: EngineState
    kubeconfig: Path

    @property
    def up(self) -> bool:
        return (
            all(self.components.values())
            and all(self.nodes.values())
            and self.apiserver_ready
            and self.nodes_ready == self.nodes_expected
            and self.registry.running
        )


def describe(status: Status) -> str:
    """What is missing, in one line (or that everything runs)."""
    down = [name for name, running in {**status.components, **status.nodes}.items() if not running]
    parts = []
    if down:
        parts.append(_("not running: {names}", names=", ".join(down)))
    if not status.apiserver_ready:
        parts.append(_("apiserver not ready"))
    if status.nodes_ready != status.nodes_expected:
        parts.append(ngettext("{ready} of {count} node ready", "{ready} of {count} nodes ready", status.nodes_expected,
                              ready=status.nodes_ready))  # fmt: skip
    if not status.registry.running:
        parts.append(_("registry not running"))
    return _("; ").join(parts) or _("everything runs")


def report(status: Status, *, paths: Paths, node_names: Sequence[str]) -> list[str]:
    """`sandbox status` as lines: what runs, where, which versions."""
    mark = {True: _("running"), False: _("stopped")}
    summary = "" if status.up or not any(status.components.values()) else f" ({describe(status)})"
    lines = [
        _("sandbox: {state}", state=_("up") if status.up else _("down")) + summary,
        _(
            "versions: Kubernetes {kubernetes}, etcd {etcd}, kwok {kwok} (binaries {built}, in {folder})",
            kubernetes=versions.KUBERNETES,
            etcd=versions.ETCD,
            kwok=versions.KWOK,
            built=_("built") if status.built else _("not built"),
            folder=paths.bin,
        ),
    ]
    colon = _(": ")  # French sets a no-break space before it
    lines += [f"  {name}{colon}{mark[running]}" for name, running in {**status.components, **status.nodes}.items()]
    lines += [
        "  " + _("apiserver: {state}", state=_("ready") if status.apiserver_ready else _("not answering")),
        "  "
        + _(
            "nodes ready: {ready} of {expected} ({names})",
            ready=status.nodes_ready,
            expected=status.nodes_expected,
            names=", ".join(node_names),
        ),
        "  " + _("logs: {folder}", folder=paths.logs),
        _("registry: {registry_line}", registry_line=registry_line(status.registry, storage=paths.registry_storage)),
        _("docker engine: {engine_line}", engine_line=engine_line(status.engine)),
        _("kubeconfig: {path}", path=status.kubeconfig),
    ]
    return lines


def registry_line(state: RegistryState, *, storage: Path) -> str:
    where = {
        "process": _("docker-registry process, storage {storage}", storage=storage),
        "container": _("container rolloutlab-registry, storage {storage}", storage=storage),
        "other": _("a registry not started by rolloutlab; using it"),
        "none": _("not running"),
    }[state.owner]
    return f"{state.address} ({where})"


def engine_line(state: EngineState) -> str:
    if state.running:
        return _("Docker {version}", version=state.version) + (
            _(" (dockerd started by rolloutlab)") if state.started_by_us else ""
        )
    return _("not available: {problem}", problem=state.problem)
