"""The embedded default cluster: a real control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler) run by kwokctl with its binary runtime, three real nodes (a kubelet and a containerd each, one
kube-proxy), and a registry on localhost that the nodes pull from.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from pathlib import Path

from rolloutlab import progress, versions
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import credentials
from rolloutlab.paths import Paths
from rolloutlab.sandbox import gobuild, hostnet, nodeconfig, pause, pki
from rolloutlab.sandbox import status as status_text
from rolloutlab.sandbox.controlplane import Binaries, ControlPlane
from rolloutlab.sandbox.engine import Engine, EngineState
from rolloutlab.sandbox.localregistry import LocalRegistry
from rolloutlab.sandbox.nodes import NodeBinaries, RealNodes
from rolloutlab.sandbox.status import Status
from rolloutlab.settings import LabSettings


class Sandbox:
    def __init__(
        self,
        *,
        paths: Paths,
        settings: LabSettings,
        say: Callable[[str], None] = gobuild.say_to_stderr,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.say = say
        self.builder = gobuild.Builder(paths=paths, say=say)
        self.registry = LocalRegistry(paths=paths, port=self._registry_port())
        self.engine = Engine(paths=paths)
        self.nodes = RealNodes(paths=paths, registry=self.registry.address)
        self.control = ControlPlane(paths=paths, say=say)

    def _registry_port(self) -> int:
        host = self.settings.registry.rpartition(":")[0]
        if host not in ("localhost", "127.0.0.1"):
            raise LabError(
                _(
                    "LAB_REGISTRY={registry} is not on localhost, but the sandbox serves its registry on localhost",
                    registry=self.settings.registry,
                ),
                fix=_("unset LAB_REGISTRY (the sandbox uses localhost:5001) or set it to localhost:<port>"),
            )
        return self.settings.registry_port

    # -- binaries ---------------------------------------------------------------------------------------
    def components(self) -> list[gobuild.Component]:
        release = versions.kubernetes_release()
        go_mod = self._kubernetes_go_mod(release)
        kubernetes = gobuild.kubernetes_component(release=release, go_mod=go_mod)
        return [
            kubernetes,
            gobuild.kubectl_component(kubernetes),
            gobuild.etcd_component(version=versions.ETCD),
            gobuild.kwok_component(version=versions.KWOK),
        ]

    def _kubernetes_go_mod(self, release: versions.Release) -> str:
        # The go.mod is kept beside the build so that a warm start needs neither Go nor the module proxy.
        saved = self.paths.bin / f"kubernetes-{release.tag}.go.mod"
        if saved.exists():
            return saved.read_text()
        text = self.builder.module_go_mod(module="k8s.io/kubernetes", version=release.tag)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(text)
        return text

    def binaries(self, *, build: bool) -> Binaries:
        """The cached binaries; with `build`, build what is missing (minutes, once per version)."""
        kube_dir = self._cached("kubernetes", f"v{versions.KUBERNETES}")
        etcd_dir = self._cached("etcd", f"v{versions.ETCD}")
        kwok_dir = self._cached("kwok", f"v{versions.KWOK}")
        kubectl_dir = self._cached("kubectl", f"v{versions.KUBERNETES}")
        pause_bin = self._pause_dir() / "pause"
        if not (kube_dir and etcd_dir and kwok_dir and kubectl_dir and pause_bin.exists()):
            if not build:
                raise LabError(
                    _("the sandbox's binaries are not built yet"),
                    fix=_("run `rolloutlab sandbox build` (it takes 15 to 30 minutes once, then is cached)"),
                )
            self.build()
            return self.binaries(build=False)
        return Binaries(
            kube_apiserver=kube_dir / "kube-apiserver",
            kube_controller_manager=kube_dir / "kube-controller-manager",
            kube_scheduler=kube_dir / "kube-scheduler",
            etcd=etcd_dir / "etcd",
            kwokctl=kwok_dir / "kwokctl",
            kubectl=str(kubectl_dir / "kubectl"),
            nodes=NodeBinaries(kubelet=kube_dir / "kubelet", kube_proxy=kube_dir / "kube-proxy", pause=pause_bin),
        )

    def _cached(self, name: str, version: str) -> Path | None:
        folder = self.paths.bin / f"{name}-{version}"
        return folder if (folder / gobuild.DONE_MARK).exists() else None

    def build(self) -> None:
        for component in self.components():
            if self.builder.installed(component):
                self.say(
                    _(
                        "{name} {version}: cached in {bin}",
                        name=component.name,
                        version=component.version,
                        bin=self.paths.bin,
                    )
                )
                continue
            self.builder.build(component)
        if not (self._pause_dir() / "pause").exists():
            source = pause.module_dir(go=self.builder.go, version=versions.kubernetes_release().tag)
            self.say(_("building pause from {source}/build/pause", source=source))
            pause.build(source=source, out_dir=self._pause_dir())

    def _pause_dir(self) -> Path:
        return pause.cached_binary(bin_dir=self.paths.bin, kubernetes=versions.KUBERNETES).parent

    # -- up / down ------------------------------------------------------------------------------------------
    def up(self, *, build: bool = True) -> Status:
        started = time.monotonic()
        if self.control.made_with_another_config():
            self.say(_("cluster: made with an earlier configuration of the sandbox; making it again (images are "
                       "kept, what ran in it is not)"))  # fmt: skip
            self.down(delete=True)
        running = self.status()
        if running.up and running.engine.running and self.registry.is_current():
            # Everything answers already: a second `up` (./scripts/lab, ./scripts/test) only says so, after putting
            # back what a restarted kube-proxy or dockerd may have pushed down: the boundary first in FORWARD.
            hostnet.keep_ranges_local()
            hostnet.ensure_boundary()
            self.engine.keep_wrapper(running.engine)
            self.say(_("sandbox already up ({describe}); kubeconfig: {kubeconfig}", describe=self.describe(running),
                       kubeconfig=self.paths.kubeconfig))  # fmt: skip
            return running
        with progress.task(_("sandbox up"), total=6) as bar:
            bins = self.binaries(build=build)
            bar.update(done=1, note="registry")
            self.say(
                _(
                    "registry: {registry_line}",
                    registry_line=status_text.registry_line(self.registry.up(), storage=self.paths.registry_storage),
                )
            )
            bar.update(done=2, note="control plane")
            self.nodes.forget_dead_proxy(kube_proxy=bins.nodes.kube_proxy)
            self.control.up(bins, identities=self._identities())
            bar.update(done=3, note="docker engine")
            # Before the nodes: dockerd puts its iptables hooks first when it starts, the nodes' boundary goes above.
            engine = self._engine_up()
            self.say(_("docker engine: {engine_line}", engine_line=status_text.engine_line(engine)))
            bar.update(done=4, note="nodes")
            self.say(
                _(
                    "nodes: starting {items} (kubelet and containerd each) and kube-proxy",
                    items=", ".join(self.nodes.names),
                )
            )
            self.nodes.up(
                bins=bins.nodes, pki=self.control.pki_dir, server=self.control.apiserver_url(),
                admin_kubeconfig=self.paths.kubeconfig, kubectl_path=bins.kubectl,
            )  # fmt: skip
            bar.update(done=5, note="status")
            status = self.status()
            bar.update(done=6)
        if not status.up:
            raise LabError(
                _("the sandbox is only half up ({describe})", describe=self.describe(status)),
                fix=self.control.half_up_fix(),
            )
        self.say(
            _(
                "sandbox up in {value:.1f} s; kubeconfig: {kubeconfig}",
                value=time.monotonic() - started,
                kubeconfig=self.paths.kubeconfig,
            )
        )
        return status

    def _identities(self) -> list[pki.Identity]:
        addresses = {node.name: node.address for node in self.nodes.nodes}
        return pki.cluster_identities(nodes=addresses, service_ip=nodeconfig.SERVICE_IP)

    def _engine_up(self) -> EngineState:
        try:
            return self.engine.up()
        except LabError as exc:
            # The cluster works without Docker; only building images needs it, and the labs say so there.
            return EngineState(running=False, version=None, started_by_us=False, problem=str(exc))

    def down(self, *, delete: bool = False) -> list[str]:
        """Stop what `up` started (and, with `delete`, the cluster's state); images in the registry stay."""
        kube_dir = self._cached("kubernetes", f"v{versions.KUBERNETES}")
        stopped = self.nodes.down(kube_proxy=kube_dir / "kube-proxy" if kube_dir else None, delete=delete)
        if self.control.exists():
            bins = self.binaries(build=False)
            if delete:
                self.control.delete(bins)
                stopped.append("cluster (deleted)")
            elif self.control.stop(bins):
                stopped.append("cluster")
        if self.registry.state().owner in ("process", "container"):
            self.registry.down()
            stopped.append("registry")
        if self.engine.down():
            stopped.append("dockerd")
        return stopped

    # -- status -------------------------------------------------------------------------------------------
    def status(self) -> Status:
        kubernetes = f"v{versions.KUBERNETES}"
        bins_ok = all(
            self._cached(n, v) for n, v in (("kubernetes", kubernetes), ("kubectl", kubernetes),
                                            ("etcd", f"v{versions.ETCD}"), ("kwok", f"v{versions.KWOK}"))
        )  # fmt: skip
        components = self.control.component_running()
        ready = False
        nodes = 0
        if bins_ok and components.get("kube-apiserver") and self.paths.kubeconfig.exists():
            bins = self.binaries(build=False)
            ready = self.control.served(bins)
            if ready:
                nodes = len(self.nodes.ready_nodes(admin_kubeconfig=self.paths.kubeconfig, kubectl_path=bins.kubectl))
        return Status(
            built=bins_ok,
            components=components,
            apiserver_ready=ready,
            nodes=self.nodes.running(),
            nodes_ready=nodes,
            nodes_expected=len(self.nodes.nodes),
            registry=self.registry.state(),
            engine=self.engine.state(),
            kubeconfig=self.paths.kubeconfig,
        )

    def describe(self, status: Status) -> str:
        return status_text.describe(status)

    def report(self, status: Status) -> list[str]:
        """`sandbox status` as lines: what runs, where, which versions."""
        return status_text.report(status, paths=self.paths, node_names=self.nodes.names)

    def env_lines(self) -> list[str]:
        lines = [
            f"export KUBECONFIG={self.paths.kubeconfig}",
            f"export LAB_REGISTRY={self.registry.address}",
        ]
        kubectl_dir = self._cached("kubectl", f"v{versions.KUBERNETES}")
        if kubectl_dir:  # the cluster's own kubectl before any other: one process per command, its exact version
            lines.append(f'export PATH={shlex.quote(str(kubectl_dir))}:"$PATH"')
        login = credentials.sandbox_login()
        if login:  # what scripts need to log in: `docker login -u "$LAB_REGISTRY_USER" --password-stdin`
            lines += [f"export LAB_REGISTRY_USER={login.username}", f"export LAB_REGISTRY_PASSWORD={login.password}"]
        return lines
