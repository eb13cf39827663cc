"""The two places rolloutlab knows: the course's folders in the repository (labs/, app/, docs/, build/) and what it
builds and runs, all under one folder of the user's cache. No other module works out a path on its own."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import environment
from rolloutlab.environment import ROLLOUTLAB_HOME, ROLLOUTLAB_REPO, XDG_CACHE_HOME
from rolloutlab.errors import LabError
from rolloutlab.i18n import _

# What makes a folder the course's repository: the labs and the app the labs build.
_MARKERS = ("labs", "app", "docs")


@dataclass(frozen=True)
class Repository:
    """A clone of rollout labs: the notebooks, the app, the site's pages, and build/ for what runs produce."""

    root: Path

    @property
    def labs(self) -> Path:
        return self.root / "labs"

    def labs_in(self, lang: str) -> Path:
        """The labs in one language: labs/en, labs/fr (the same code cells, their prose translated)."""
        return self.labs / lang

    @property
    def app(self) -> Path:
        return self.root / "app"

    @property
    def manifests(self) -> Path:
        return self.app / "k8s"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    def docs_in(self, lang: str) -> Path:
        """The site's pages in one language: docs/en, docs/fr."""
        return self.docs / lang

    def mkdocs_yml_for(self, lang: str) -> Path:
        """The site's configuration in one language: mkdocs.yml (English), mkdocs.fr.yml (inherits it)."""
        return self.root / ("mkdocs.yml" if lang == "en" else f"mkdocs.{lang}.yml")

    @property
    def build(self) -> Path:
        return self.root / "build"

    def workspaces(self, lang: str) -> Path:
        """JupyterLab's saved layouts (open tabs), one folder per language and per clone."""
        # Per language: the French labs never restore an English tab. Per clone: a tab saved in another clone
        # (a second checkout, a test's copy) would reopen here with that clone's paths and a kernel of its own.
        # The user's own JupyterLab workspaces are not touched.
        return self.build / "jupyter-workspaces" / lang


def _is_repository(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in _MARKERS) and (folder / "pyproject.toml").is_file()


@functools.cache
def repository() -> Repository:
    """The clone the package runs from: `$ROLLOUTLAB_REPO`, else the one holding this package (an editable
    install), else the working folder or one of its parents (a wheel installed next to a clone)."""
    chosen = environment.get(ROLLOUTLAB_REPO)
    if chosen:
        folder = Path(chosen).expanduser().resolve()
        if not _is_repository(folder):
            raise LabError(
                _(
                    "ROLLOUTLAB_REPO={chosen} is not a clone of rollout labs (no labs/, app/ and docs/ there)",
                    chosen=chosen,
                ),
                fix=_("point ROLLOUTLAB_REPO at your clone, or unset it"),
            )
        return Repository(root=folder)
    here, cwd = Path(__file__).resolve(), Path.cwd().resolve()
    for folder in [*here.parents, cwd, *cwd.parents]:
        if _is_repository(folder):
            return Repository(root=folder)
    raise LabError(
        _("rolloutlab cannot find the course's folders (labs/, app/, docs/): it runs from a clone of the repository"),
        fix=_("cd into your clone of rollout labs, or set ROLLOUTLAB_REPO=/path/to/the/clone"),
    )


@dataclass(frozen=True)
class Paths:
    """The folders of one rolloutlab home (default `~/.cache/rolloutlab`, or `$ROLLOUTLAB_HOME`)."""

    cache: Path

    @classmethod
    def from_env(cls) -> Paths:
        home = environment.get(ROLLOUTLAB_HOME)
        if home:
            return cls(cache=Path(home).expanduser())
        xdg = environment.get(XDG_CACHE_HOME) or str(Path.home() / ".cache")
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
    def registry_password(self) -> Path:
        # The sandbox registry's login (user `student`), made at its first start; 0600.
        return self.sandbox / "registry-password"

    @property
    def registry_htpasswd(self) -> Path:
        return self.sandbox / "registry.htpasswd"

    @property
    def run(self) -> Path:
        return self.sandbox / "run"

    @property
    def logs(self) -> Path:
        return self.sandbox / "logs"

    @property
    def kubeconfig(self) -> Path:
        return self.sandbox / "kubeconfig"

    @property
    def reserved_tags(self) -> Path:
        return self.cache / "reserved-tags.json"

    def lab_settings(self, lang: str) -> Path:
        # JupyterLab's user settings, one folder per language: the French course opens in
        # French (its language pack's locale set there), the English one in English.
        return self.cache / "jupyter" / "settings" / lang

    @property
    def kernels(self) -> Path:
        # One private folder per lab kernel (its flattened kubeconfig); see settings.private_folder.
        return self.cache / "kernels"
