"""Where rolloutlab keeps what it builds and runs, all under one folder of the user's cache."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The folders of one rolloutlab home (default `~/.cache/rolloutlab`, or `$ROLLOUTLAB_HOME`)."""

    cache: Path

    @classmethod
    def from_env(cls) -> "Paths":
        home = os.environ.get("ROLLOUTLAB_HOME")
        if home:
            return cls(cache=Path(home).expanduser())
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(cache=Path(xdg) / "rolloutlab")

    @property
    def bin(self) -> Path:
        return self.cache / "bin"

    @property
    def sandbox(self) -> Path:
        return self.cache / "sandbox"

    @property
    def kwok_workdir(self) -> Path:
        return self.sandbox / "kwok"

    @property
    def registry_storage(self) -> Path:
        # Kept apart from the cluster's state so that images survive `sandbox down` and a new cluster.
        return self.cache / "registry"

    @property
    def run(self) -> Path:
        return self.sandbox / "run"

    @property
    def logs(self) -> Path:
        return self.sandbox / "logs"

    @property
    def kubeconfig(self) -> Path:
        return self.sandbox / "kubeconfig"
