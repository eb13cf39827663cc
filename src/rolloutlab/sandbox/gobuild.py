"""Build the sandbox's binaries from the Go module proxy, once per version, into the cache.

Nothing here downloads a prebuilt binary: a classroom or CI machine may reach package registries only. Each
component is built from a small wrapper module of our own, because `go install k8s.io/kubernetes/cmd/...@v`
refuses modules with `replace` lines, and Kubernetes (like etcd) points its staging modules at local folders.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rolloutlab import environment, process, progress, versions
from rolloutlab.environment import PATH
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths

MIN_GO = (1, 24)
BUILD_SECONDS = 3600.0  # one component's compile, at most (the slowest takes minutes on 2 cores)
# Marks a finished build: a folder without it is a build that was interrupted and is redone.
DONE_MARK = ".complete"


@dataclass(frozen=True)
class Component:
    """A group of binaries built together from one wrapper module, cached under one versioned folder."""

    name: str
    version: str
    requires: dict[str, str]
    commands: dict[str, str]  # output file name -> Go main package
    replaces: dict[str, str] = field(default_factory=dict)
    ldflags: tuple[str, ...] = ()
    go_directive: str = "1.24.0"
    godebug: str | None = None

    @property
    def folder(self) -> str:
        return f"{self.name}-v{self.version.removeprefix('v')}"


def staging_modules(go_mod: str) -> list[str]:
    """The staging module paths a Kubernetes release's go.mod points at `./staging/...`."""
    found = re.findall(r"^\s*(k8s\.io/[\w.-]+)\s*=>\s*\./staging/", go_mod, flags=re.MULTILINE)
    return sorted(set(found))


def kubernetes_component(*, release: versions.Release, go_mod: str) -> Component:
    """The control-plane and node binaries of `release`, with staging modules replaced by their published twins."""
    stamp = [
        f"-X k8s.io/component-base/version.gitVersion={release.tag}",
        f"-X k8s.io/component-base/version.gitMajor={release.major}",
        f"-X k8s.io/component-base/version.gitMinor={release.minor}",
        "-X k8s.io/component-base/version.gitTreeState=clean",
        f"-X k8s.io/client-go/pkg/version.gitVersion={release.tag}",
        f"-X k8s.io/client-go/pkg/version.gitMajor={release.major}",
        f"-X k8s.io/client-go/pkg/version.gitMinor={release.minor}",
    ]
    commands = {
        "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
        "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
        "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
        # The sandbox's real nodes: a kubelet per node over containerd, and kube-proxy for Services.
        "kubelet": "k8s.io/kubernetes/cmd/kubelet",
        "kube-proxy": "k8s.io/kubernetes/cmd/kube-proxy",
    }
    staging = staging_modules(go_mod)
    if not staging:
        raise LabError(
            _("the go.mod of Kubernetes {tag} lists no staging modules", tag=release.tag),
            fix=_("check the pinned version in rolloutlab/versions.py"),
        )
    godebug = re.search(r"^godebug\s+(\S+)", go_mod, flags=re.MULTILINE)
    return Component(
        name="kubernetes",
        version=release.tag,
        requires={"k8s.io/kubernetes": release.tag},
        replaces={m: f"{m} {release.staging}" for m in staging},
        commands=commands,
        ldflags=tuple(stamp),
        godebug=godebug.group(1) if godebug else None,
    )


def kubectl_component(kubernetes: Component) -> Component:
    """kubectl of the same release, from the same wrapper, in a folder of its own: `sandbox env` puts that folder
    first on PATH. A kubectl found on PATH may be a version dispatcher (Google Cloud SDK's starts a second kubectl
    for every command, twice the processor time), and the sandbox's own is its cluster's version exactly."""
    return dataclasses.replace(kubernetes, name="kubectl", commands={"kubectl": "k8s.io/kubernetes/cmd/kubectl"})


def etcd_component(*, version: str) -> Component:
    return Component(
        name="etcd",
        version=f"v{version}",
        requires={"go.etcd.io/etcd/server/v3": f"v{version}"},
        commands={"etcd": "go.etcd.io/etcd/server/v3"},
    )


def kwok_component(*, version: str) -> Component:
    return Component(
        name="kwok",
        version=f"v{version}",
        requires={"sigs.k8s.io/kwok": f"v{version}"},
        # kwokctl alone: it runs the control plane's binaries; kwok's node simulator is not used (real kubelets).
        commands={"kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl"},
        ldflags=(f"-X sigs.k8s.io/kwok/pkg/consts.Version={version}",),
    )


def wrapper_go_mod(component: Component) -> str:
    lines = [f"module rolloutlab.local/build/{component.name}", "", f"go {component.go_directive}", ""]
    if component.godebug:
        lines += [f"godebug {component.godebug}", ""]
    lines += ["require ("] + [f"\t{m} {v}" for m, v in component.requires.items()] + [")", ""]
    if component.replaces:
        lines += ["replace ("] + [f"\t{m} => {t}" for m, t in sorted(component.replaces.items())] + [")", ""]
    return "\n".join(lines)


def wrapper_tools_go(component: Component) -> str:
    imports = "\n".join(f'\t_ "{pkg}"' for pkg in component.commands.values())
    return f"//go:build tools\n\npackage tools\n\nimport (\n{imports}\n)\n"


def go_version(*, go: str) -> tuple[int, int]:
    out = process.run([go, "env", "GOVERSION"], timeout=60, check=True).stdout
    match = re.match(r"go(\d+)\.(\d+)", out.strip())
    if not match:
        raise LabError(
            _("cannot read the Go version from {strip!r}", strip=out.strip()), fix=_("install Go 1.24 or newer")
        )
    return int(match.group(1)), int(match.group(2))


def find_go(*, search_path: str | None = None) -> str:
    """The `go` to build with: on PATH (or `search_path`), else where the official tarball puts it."""
    if search_path is None:
        search_path = os.pathsep.join((environment.get(PATH), "/usr/local/go/bin"))
    go = shutil.which("go", path=search_path)
    if go is None:
        raise LabError(
            _("Go is not installed, and the sandbox's Kubernetes binaries are not in the cache yet"),
            fix=_("install Go 1.24 or newer (https://go.dev/doc/install) and run the command again"),
        )
    found = go_version(go=go)
    if found < MIN_GO:
        raise LabError(
            _(
                "Go {found}.{found2} is too old to build Kubernetes {KUBERNETES}",
                found=found[0],
                found2=found[1],
                KUBERNETES=versions.KUBERNETES,
            ),
            fix=_(
                "install Go {MIN_GO}.{MIN_GO2} or newer and run the command again", MIN_GO=MIN_GO[0], MIN_GO2=MIN_GO[1]
            ),
        )
    return go


class Builder:
    """Builds components into `paths.bin`, reporting progress through `say`."""

    def __init__(self, *, paths: Paths, say: Callable[[str], None]) -> None:
        self.paths = paths
        self.say = say
        self._go: str | None = None

    @property
    def go(self) -> str:
        if self._go is None:
            self._go = find_go()
        return self._go

    def installed(self, component: Component) -> Path | None:
        folder = self.paths.bin / component.folder
        if (folder / DONE_MARK).exists() and all((folder / c).exists() for c in component.commands):
            return folder
        return None

    def module_go_mod(self, *, module: str, version: str) -> str:
        """The go.mod text of `module@version`, fetched through the module proxy."""
        self.paths.cache.mkdir(parents=True, exist_ok=True)
        out = self._go_cmd(["mod", "download", "-json", f"{module}@{version}"], cwd=self.paths.cache)
        info = json.loads(out)
        if "Error" in info:
            raise LabError(
                _(
                    "the Go module proxy did not give {module}@{version}: {Error}",
                    module=module,
                    version=version,
                    Error=info["Error"],
                ),
                fix=_("check that the module proxy is reachable (GOPROXY) and the pinned version exists"),
            )
        return Path(info["GoMod"]).read_text()

    def build(self, component: Component) -> Path:
        """Build `component` unless another process did while we waited for the build lock."""
        self.paths.bin.mkdir(parents=True, exist_ok=True)
        with (self.paths.bin / ".build.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.say(_("another rolloutlab build is running; waiting for it to finish"))
                fcntl.flock(lock, fcntl.LOCK_EX)
            done = self.installed(component)
            if done is not None:
                return done
            return self._build(component)

    def _build(self, component: Component) -> Path:
        work = self.paths.cache / "src" / component.folder
        work.mkdir(parents=True, exist_ok=True)
        (work / "go.mod").write_text(wrapper_go_mod(component))
        (work / "tools.go").write_text(wrapper_tools_go(component))
        self.say(_("resolving Go modules for {name} {version}", name=component.name, version=component.version))
        self._go_cmd(["mod", "tidy"], cwd=work)
        staging = self.paths.bin / f".{component.folder}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        ldflags = " ".join(("-s", "-w", *component.ldflags))
        for index, (name, package) in enumerate(component.commands.items(), start=1):
            started = time.monotonic()
            self.say(
                _(
                    "building {name} {version} ({index} of {count})",
                    name=name,
                    version=component.version,
                    index=index,
                    count=len(component.commands),
                )
            )
            self._go_build(
                ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(staging / name), package],
                cwd=work,
                label=name,
            )
            seconds = time.monotonic() - started
            self.say(_("built {name} in {seconds:.0f} s", name=name, seconds=seconds))
            self._record_time(component=component, binary=name, seconds=seconds)
        (staging / DONE_MARK).write_text(wrapper_go_mod(component))
        final = self.paths.bin / component.folder
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        return final

    def _record_time(self, *, component: Component, binary: str, seconds: float) -> None:
        """Keep how long each build took, for the benchmark."""
        path = self.paths.bin / "build-times.json"
        times = json.loads(path.read_text()) if path.exists() else {}
        times.setdefault(component.folder, {})[binary] = round(seconds, 1)
        path.write_text(json.dumps(times, indent=2, sort_keys=True))

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Upstream builds these static; it also keeps them independent of the machine's C library.
        env["CGO_ENABLED"] = "0"
        return env

    def _go_cmd(self, args: Sequence[str], *, cwd: Path) -> str:
        proc = process.run([self.go, *args], cwd=cwd, env=self._env(), timeout=1800, check=False)
        if not proc.ok:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            raise LabError(
                _("`go {items}` failed in {cwd}: {tail}", items=" ".join(args), cwd=cwd, tail=tail),
                fix=_("check that the Go module proxy is reachable (GOPROXY) and retry"),
            )
        return proc.stdout

    def _go_build(self, args: Sequence[str], *, cwd: Path, label: str) -> None:
        """Run a long `go build -v` under a progress bar: packages compiled out of the package's dependencies
        (`go list -deps`; those already in Go's build cache are not compiled again, so the bar may end early)."""
        log_path = self.paths.logs / f"build-{label}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        total = len(self._go_cmd(["list", "-deps", args[-1]], cwd=cwd).split())
        with progress.task(_("compiling {label}", label=label), total=total or None) as bar, log_path.open("w") as log:
            proc = process.spawn([self.go, *args], cwd=cwd, env=self._env(), stdout=log, stderr=process.PIPE)
            assert proc.stderr is not None
            # A build that hangs is stopped at the deadline, which ends its output and so this loop.
            stopped = threading.Event()

            def stop() -> None:
                stopped.set()
                proc.kill()

            watchdog = threading.Timer(BUILD_SECONDS, stop)
            watchdog.start()
            try:
                for line in proc.stderr:
                    log.write(line)
                    bar.advance()
                code = process.wait(proc, timeout=60, fix=_("read {log_path}", log_path=log_path))
            finally:
                watchdog.cancel()
        if stopped.is_set():
            raise LabError(_("building {label} took over {minutes:.0f} minutes and was stopped", label=label,
                             minutes=BUILD_SECONDS / 60), fix=_("read {log_path}", log_path=log_path))  # fmt: skip
        if code != 0:
            tail = log_path.read_text().strip().splitlines()[-5:]
            raise LabError(
                _("building {label} failed: {items}", label=label, items=" | ".join(tail)),
                fix=_("read {log_path}; a build needs about 2 GiB of free memory", log_path=log_path),
            )


def say_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
