"""Every pinned version of the sandbox, in one place.

Kubernetes 1.33 keeps the machine's kubectl (1.32) within the one-minor skew kubectl supports. etcd is the
release kubeadm 1.33 deploys (its DefaultEtcdVersion), for the sandbox and kind alike; kwok 0.7.0 is the newest
release built against the 1.33 libraries whose go.mod the installed Go accepts without fetching a newer toolchain.
"""

from dataclasses import dataclass

KUBERNETES = "1.33.13"
ETCD = "3.5.24"
KWOK = "0.7.0"
# kind's last release whose node entrypoint still runs on cgroup v1 hosts (later ones move to Debian trixie);
# CoreDNS and pause are the versions kubeadm 1.33 names (`kubeadm config images list`).
KIND = "0.30.0"
COREDNS = "1.12.0"
PAUSE_FOR_KUBEADM = "3.10"

# kubectl is supported within one minor version of the apiserver.
KUBECTL_MINOR_SKEW = 1


@dataclass(frozen=True)
class Release:
    """A Kubernetes release number split into the parts the build needs."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Release":
        """Read `1.33.13` or `v1.33.13`; anything else is a ValueError naming the expected form."""
        parts = text.removeprefix("v").split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValueError(f"{text!r} is not a Kubernetes release like 1.33.13")
        major, minor, patch = (int(p) for p in parts)
        return cls(major=major, minor=minor, patch=patch)

    @property
    def tag(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

    @property
    def staging(self) -> str:
        """The version the staging modules (k8s.io/api, client-go, ...) are published at for this release."""
        return f"v0.{self.minor}.{self.patch}"


def kubernetes_release() -> Release:
    return Release.parse(KUBERNETES)


def kubectl_skew_ok(*, client_minor: int, server_minor: int) -> bool:
    """Whether a kubectl of `client_minor` is supported against an apiserver of `server_minor`."""
    return abs(client_minor - server_minor) <= KUBECTL_MINOR_SKEW
