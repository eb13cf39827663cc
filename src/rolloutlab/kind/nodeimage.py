"""kind's node image, assembled here the way kind assembles it, from parts this machine can have.

`kind build node-image` cannot run offline: it fetches every image but four from registries, and kind's base
image clones and builds containerd, runc and the CNI plugins from GitHub. So:

1. the node's userland: a debootstrapped Debian bookworm with systemd and Debian's containerd, runc and CNI
   plugins, plus kind's own entrypoint, units and scripts (from the kind module, `images/base/files/`), and
   kubeadm, kubelet, kubectl and kube-proxy built from the Go module proxy;
2. the images kubeadm asks for, as Docker images: the control plane, etcd, CoreDNS and pause are one binary each
   on an empty image; kube-proxy and our CNI daemon run on the node's userland (they need iptables and ip);
3. those images go into the userland's containerd store with a containerd of this machine (the same Debian
   containerd), not unpacked, as kind does; the result is imported into Docker with kind's entrypoint.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import environment, process, versions
from rolloutlab.environment import PATH
from rolloutlab.errors import LabError
from rolloutlab.i18n import _, ngettext
from rolloutlab.images import baseimage, engine
from rolloutlab.kind import cni
from rolloutlab.kind.binaries import KindBinaries

REGISTRY = "registry.k8s.io"
# What kind's base image installs that the node uses (kind's `images/base/Dockerfile`), from Debian.
PACKAGES = (
    "systemd", "containerd", "runc", "containernetworking-plugins", "conntrack", "iptables", "nftables",
    "iproute2", "ethtool", "util-linux", "mount", "kmod", "libseccomp2", "bash", "ca-certificates", "procps",
    "socat", "findutils", "jq",
)  # fmt: skip
PRUNE = ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale")
# kind's image settings (the last lines of its base Dockerfile). `docker import` takes no STOPSIGNAL, so that one
# is set by a build from the imported image.
NODE_CHANGES = ("ENV container=docker", 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]')
NODE_STOPSIGNAL = "SIGRTMIN+3"


def node_image() -> str:
    return f"rolloutlab/kind-node:v{versions.KUBERNETES}"


def userland_image() -> str:
    return f"rolloutlab/kind-userland:v{versions.KUBERNETES}"


def cni_image() -> str:
    return f"rolloutlab/kind-cni:v{versions.KUBERNETES}"


@dataclass(frozen=True)
class OneBinary:
    """An image holding one program on an empty filesystem."""

    name: str
    binary: Path
    path: str
    entrypoint: tuple[str, ...] = ()


def one_binary_images(found: KindBinaries) -> list[OneBinary]:
    """The images kubeadm 1.33 asks for (`kubeadm config images list`) that need nothing but their program."""
    tag = f"v{versions.KUBERNETES}"
    return [
        OneBinary(f"{REGISTRY}/kube-apiserver:{tag}", found.kube_apiserver, "/usr/local/bin/kube-apiserver"),
        OneBinary(f"{REGISTRY}/kube-controller-manager:{tag}", found.kube_controller_manager,
                  "/usr/local/bin/kube-controller-manager"),
        OneBinary(f"{REGISTRY}/kube-scheduler:{tag}", found.kube_scheduler, "/usr/local/bin/kube-scheduler"),
        OneBinary(f"{REGISTRY}/etcd:{versions.ETCD}-0", found.etcd, "/usr/local/bin/etcd"),
        OneBinary(f"{REGISTRY}/coredns/coredns:v{versions.COREDNS}", found.coredns, "/coredns", ("/coredns",)),
        OneBinary(f"{REGISTRY}/pause:{versions.PAUSE_FOR_KUBEADM}", found.pause, "/pause", ("/pause",)),
    ]  # fmt: skip


def kind_files() -> Path:
    """kind's node files (entrypoint, units, scripts) inside the kind module that built the `kind` command."""
    gomodcache = process.run(
        ["go", "env", "GOMODCACHE"],
        timeout=60,
        env={**os.environ, PATH.name: f"{environment.get(PATH)}:/usr/local/go/bin"},
        check=True,
    ).stdout
    folder = Path(gomodcache.strip()) / f"sigs.k8s.io/kind@v{versions.KIND}" / "images" / "base" / "files"
    if not folder.is_dir():
        raise LabError(
            _("kind's node files are not in Go's module cache ({folder})", folder=folder),
            fix=_("run `rolloutlab cluster kind` again: it downloads the kind module first"),
        )
    return folder


def containerd_config(text: str, *, sandbox_image: str) -> str:
    """kind's containerd configuration, adjusted for Debian's containerd 1.6 on this kind of machine: pods may not
    lower their OOM score here (runc then fails every pod sandbox), so the CRI keeps it at its own."""
    text = text.replace("restrict_oom_score_adj = false", "restrict_oom_score_adj = true")
    return text.replace('sandbox_image = "registry.k8s.io/pause:3.10"', f'sandbox_image = "{sandbox_image}"')


def cri_base_spec(spec: dict) -> dict:
    """kind's `cri-base.json`: containerd's default OCI spec with kind's product-uuid hook and no rlimits."""
    spec = json.loads(json.dumps(spec))
    hooks = spec.setdefault("hooks", {})
    hooks.setdefault("createContainer", []).append({"path": "/kind/bin/mount-product-files.sh"})
    spec.get("process", {}).pop("rlimits", None)
    return spec


class NodeImageBuilder:
    """Builds `node_image()` unless Docker has it. `work` holds the root filesystem while it is made."""

    def __init__(self, *, work: Path, say: Callable[[str], None]) -> None:
        self.work = work
        self.say = say

    def build(self, found: KindBinaries) -> str:
        if baseimage.has_image(node_image()):
            self.say(_("{image}: already built", image=node_image()))
            return node_image()
        started = time.monotonic()
        shutil.rmtree(self.work, ignore_errors=True)
        root = self.work / "rootfs"
        self._userland(root, found)
        self._import(root, image=userland_image(), changes=())
        self._tag(userland_image(), f"{REGISTRY}/kube-proxy:v{versions.KUBERNETES}")
        self._tag(userland_image(), cni_image())
        archives = [self._save(userland_image(), "userland")]
        for one in one_binary_images(found):
            self._one_binary_image(one)
            archives.append(self._save(one.name, Path(one.path).name))
        self._preload(root, archives=archives,
                      tags={f"{REGISTRY}/kube-proxy:v{versions.KUBERNETES}": userland_image(),
                            cni_image(): userland_image()})  # fmt: skip
        imported = f"{node_image()}-imported"
        self._import(root, image=imported, changes=NODE_CHANGES)
        build_files_image(image=node_image(), base=imported, files={}, entrypoint=[],
                          extra=[f"STOPSIGNAL {NODE_STOPSIGNAL}"])  # fmt: skip
        self._untag(imported)
        shutil.rmtree(self.work, ignore_errors=True)
        self.say(_("built {image} in {seconds:.0f} s", image=node_image(), seconds=time.monotonic() - started))
        return node_image()

    # -- 1. the node's userland ---------------------------------------------------------------------------
    def _userland(self, root: Path, found: KindBinaries) -> None:
        debootstrap = shutil.which("debootstrap")
        if debootstrap is None or os.geteuid() != 0:
            raise LabError(
                _("the kind node image is built with debootstrap, as root"),
                fix=_("run ./scripts/setup as root (it installs debootstrap), then ./scripts/setup-kind"),
            )
        mirror = baseimage.apt_mirror()
        self.say(_("node userland: debootstrap of Debian {suite} from {mirror} (a few minutes, once)",
                   suite=baseimage.SUITE, mirror=mirror))  # fmt: skip
        proc = process.run([debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", baseimage.SUITE,
                            str(root), mirror], timeout=2400, check=False)  # fmt: skip
        if not proc.ok:
            raise LabError(_("debootstrap failed: {tail}", tail=proc.tail()),
                           fix=_("check that the Debian mirror is reachable"))  # fmt: skip
        for relative in PRUNE:
            shutil.rmtree(root / relative, ignore_errors=True)
        self._kind_files(root)
        self._systemd(root)
        for binary, where in (
            (found.kubeadm, "usr/bin/kubeadm"),
            (found.kubelet, "usr/bin/kubelet"),
            (found.kubectl, "usr/bin/kubectl"),
            (found.kube_proxy, "usr/local/bin/kube-proxy"),
        ):
            _install(binary, root / where)  # fmt: skip
        (root / "kind" / "version").write_text(f"v{versions.KUBERNETES}\n")
        manifests = root / "kind" / "manifests"
        manifests.mkdir(parents=True, exist_ok=True)
        (manifests / "default-cni.yaml").write_text(cni.manifest(image=cni_image()))
        (root / "etc" / "kubernetes" / "manifests").mkdir(parents=True, exist_ok=True)
        # Debian installs the CNI plugins in /usr/lib/cni; kind's containerd looks in /opt/cni/bin.
        (root / "opt" / "cni").mkdir(parents=True, exist_ok=True)
        (root / "opt" / "cni" / "bin").symlink_to("/usr/lib/cni")
        # kind's unit starts /usr/local/bin/containerd (its own build); Debian's is in /usr/bin.
        (root / "usr" / "local" / "bin" / "containerd").symlink_to("/usr/bin/containerd")
        spec = json.loads(process.run(["ctr", "oci", "spec"], timeout=60, check=True).stdout)
        (root / "etc" / "containerd" / "cri-base.json").write_text(json.dumps(cri_base_spec(spec), indent=2))

    def _kind_files(self, root: Path) -> None:
        """kind's Dockerfile's COPY lines: scripts executable, the rest read-only data."""
        files = kind_files()
        for source in files.rglob("*"):
            if source.is_dir() or source.parts[len(files.parts)] == "LICENSES":
                continue
            relative = source.relative_to(files)
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            executable = relative.parts[0] == "usr" or relative.parts[:2] == ("kind", "bin")
            shutil.copyfile(source, target)
            target.chmod(0o755 if executable else 0o644)
        config = root / "etc" / "containerd" / "config.toml"
        pause = f"{REGISTRY}/pause:{versions.PAUSE_FOR_KUBEADM}"
        config.write_text(containerd_config(config.read_text(), sandbox_image=pause))

    def _systemd(self, root: Path) -> None:
        """kind's systemd trimming: no units a container cannot run, containerd and the kubelet enabled."""
        for pattern in (
            "lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service",
            "lib/systemd/system/multi-user.target.wants/*",
            "etc/systemd/system/*.wants/*",
            "lib/systemd/system/local-fs.target.wants/*",
            "lib/systemd/system/sockets.target.wants/*udev*",
            "lib/systemd/system/sockets.target.wants/*initctl*",
            "lib/systemd/system/basic.target.wants/*",
        ):
            for path in root.glob(pattern):
                path.unlink()  # fmt: skip
        with (root / "etc" / "systemd" / "journald.conf").open("a") as conf:
            conf.write("ReadKMsg=no\n")
        init = root / "sbin" / "init"
        if init.is_symlink() or init.exists():
            init.unlink()
        init.symlink_to("/lib/systemd/systemd")
        for unit in ("kubelet.service", "containerd.service", "undo-mount-hacks.service"):
            process.run(["chroot", str(root), "systemctl", "enable", unit], timeout=120, check=True)
        process.run(["chroot", str(root), "systemctl", "mask", "systemd-binfmt.service"], timeout=120, check=True)

    # -- 2. images ------------------------------------------------------------------------------------------
    def _import(self, root: Path, *, image: str, changes: tuple[str, ...]) -> None:
        self.say(_("importing {image} into Docker", image=image))
        archive = self.work / "rootfs.tar"
        process.run(
            ["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(archive), "."], timeout=1800, check=True
        )
        api = engine.client(timeout=1800)
        try:
            repository, tag = image.rsplit(":", 1)
            api.api.import_image_from_file(str(archive), repository=repository, tag=tag, changes=list(changes))
        finally:
            api.close()
            archive.unlink(missing_ok=True)

    def _tag(self, image: str, target: str) -> None:
        api = engine.client()
        try:
            repository, tag = target.rsplit(":", 1)
            api.images.get(image).tag(repository, tag=tag)
        finally:
            api.close()

    def _untag(self, image: str) -> None:
        api = engine.client()
        try:
            api.images.remove(image, noprune=True)
        finally:
            api.close()

    def _one_binary_image(self, one: OneBinary) -> None:
        files = {one.path.lstrip("/"): (one.binary.read_bytes(), 0o755)}
        build_files_image(image=one.name, base="scratch", files=files, entrypoint=list(one.entrypoint))

    def _save(self, image: str, name: str) -> Path:
        path = self.work / "images" / f"{name}.tar"
        path.parent.mkdir(parents=True, exist_ok=True)
        api = engine.client(timeout=1800)
        try:
            with path.open("wb") as out:
                for chunk in api.images.get(image).save(named=image):
                    out.write(chunk)
        finally:
            api.close()
        return path

    # -- 3. into the node's containerd --------------------------------------------------------------------
    def _preload(self, root: Path, *, archives: list[Path], tags: dict[str, str]) -> None:
        """Import `archives` into `root`'s containerd store with a containerd of this machine's own."""
        self.say(
            ngettext(
                "preloading {count} image into the node's containerd",
                "preloading {count} images into the node's containerd",
                len(archives),
            )
        )
        state = Path(tempfile.mkdtemp(prefix="rolloutlab-ctrd-"))
        address = state / "containerd.sock"
        config = state / "config.toml"
        config.write_text(
            "version = 2\n"
            f'root = "{root / "var" / "lib" / "containerd"}"\n'
            f'state = "{state / "state"}"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            f'[grpc]\n  address = "{address}"\n'
        )
        log = (self.work / "containerd.log").open("w")
        daemon = process.spawn(["containerd", "--config", str(config)], stdout=log, stderr=process.STDOUT)
        try:
            ctr = ["ctr", "--address", str(address), "--namespace", "k8s.io"]
            for _attempt in range(100):
                if address.exists() and process.run([*ctr, "version"], timeout=10, check=False).ok:
                    break
                time.sleep(0.2)
            for archive in archives:
                process.run([*ctr, "images", "import", "--label=io.cri-containerd.pinned=pinned", "--all-platforms",
                             "--no-unpack", "--digests", str(archive)], timeout=1800, check=True)  # fmt: skip
                archive.unlink()
            for target, source in tags.items():
                process.run([*ctr, "images", "tag", "--force", _full(source), _full(target)], timeout=60, check=True)
        finally:
            process.stop(daemon)
            log.close()
            shutil.rmtree(state, ignore_errors=True)


def build_files_image(*, image: str, base: str, files: dict[str, tuple[bytes, int]], entrypoint: list[str],
                      extra: list[str] | None = None) -> None:  # fmt: skip
    """An image of `base` plus `files` (path in the image -> content, mode), built by Docker with no RUN step."""
    lines = [f"FROM {base}", *(extra or [])]
    if files:
        lines.append("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin")
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for index, (path, (data, mode)) in enumerate(files.items()):
            _add_bytes(tar, f"file{index}", data, mode=mode)
            lines.append(f"COPY file{index} /{path}")
        if entrypoint:
            lines.append(f"ENTRYPOINT {json.dumps(entrypoint)}")
        _add_bytes(tar, "Dockerfile", ("\n".join(lines) + "\n").encode(), mode=0o644)
    context.seek(0)
    api = engine.client(timeout=1800)
    try:
        api.images.build(fileobj=context, custom_context=True, tag=image, rm=True)
    finally:
        api.close()


def _full(image: str) -> str:
    """containerd's name for a Docker short name (rolloutlab/x:t is docker.io/rolloutlab/x:t)."""
    first = image.split("/", 1)[0]
    return image if "." in first or ":" in first else f"docker.io/{image}"


def _install(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o755)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, *, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))
