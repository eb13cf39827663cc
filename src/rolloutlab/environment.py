"""Every environment variable rolloutlab reads, declared once: its name, its default and one line of help.

The package reads a variable only through `get` (or `is_set`), which takes a declared `Variable`, never a name:
whatever it reads is listed here, and so in the docs (docs/<lang>/environment.md, written from this table by
`rolloutlab environment --write-docs`). tests/test_environment.py fails when a page differs from this table, or
when another module reads `os.environ` itself. Handing the whole environment on to a program
(`{**os.environ, ...}`) copies it, and reads nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PAGE = "environment.md"  # in docs/en and docs/fr


def N_(message: str, /) -> str:
    """Marks a help line for the catalogue, as `rolloutlab.i18n.N_` does: i18n reads this module, so this one
    cannot import it."""
    return message


@dataclass(frozen=True, kw_only=True)
class Variable:
    """One variable. `default` is what `get` gives when it is unset or empty ("": nothing); `shown` says in the
    docs what the code does instead when the default is worked out (a path, another variable)."""

    name: str
    help: str
    default: str = ""
    shown: str = ""
    ours: bool = True  # False: a standard variable (KUBECONFIG, TERM...) that rolloutlab obeys too


VARIABLES: dict[str, Variable] = {}


def _declare(name: str, /, *, help: str, default: str = "", shown: str = "", ours: bool = True) -> Variable:
    if name in VARIABLES:
        raise ValueError(f"{name} is declared twice")
    VARIABLES[name] = Variable(name=name, help=help, default=default, shown=shown, ours=ours)
    return VARIABLES[name]


# fmt: off
LAB_REGISTRY = _declare("LAB_REGISTRY", default="localhost:5001",
                        help=N_("registry (`host:port`) the images are pushed to"))
LAB_NAMESPACE = _declare("LAB_NAMESPACE", default="default", help=N_("namespace of the lab's objects"))
LAB_CONTEXT = _declare("LAB_CONTEXT", shown=N_("the current context"),
                       help=N_("kube context the labs use (never switched in your kubeconfig)"))
LAB_KUBECONFIG = _declare("LAB_KUBECONFIG", shown="`$KUBECONFIG`", help=N_("kubeconfig file the labs use"))
LAB_REPOSITORY = _declare("LAB_REPOSITORY", default="first-app-k8s",
                          help=N_("repository of the lesson's app in the registry"))
LAB_LIVE_VIEW = _declare("LAB_LIVE_VIEW", default="on",
                         help=N_("`off`: nothing live: a recording's figure is drawn once, at its end, and "
                                 "`lab.view()` shows nothing (validate sets it for its kernels)"))
LAB_LANG = _declare("LAB_LANG", shown=N_("the lab folder's, else the locale's"),
                    help=N_("language of the checks, hints and errors: `en` or `fr`"))
LAB_ARTIFACTS = _declare("LAB_ARTIFACTS", shown=N_("the clone's `build/labs/artifacts`"),
                         help=N_("folder for a lab's pictures and recordings"))
LAB_REGISTRY_USER = _declare("LAB_REGISTRY_USER", shown=N_("the sandbox's login, else `docker login`'s"),
                             help=N_("user of the registry's login (`rolloutlab sandbox env` exports it), for "
                                     "LAB_REGISTRY or, when that is unset, any registry"))
LAB_REGISTRY_PASSWORD = _declare("LAB_REGISTRY_PASSWORD", shown=N_("the sandbox's login, else `docker login`'s"),
                                 help=N_("password of that login, given with LAB_REGISTRY_USER"))
ROLLOUTLAB_HOME = _declare("ROLLOUTLAB_HOME", shown="`$XDG_CACHE_HOME/rolloutlab`",
                           help=N_("where binaries, images and the sandbox live"))
ROLLOUTLAB_REPO = _declare("ROLLOUTLAB_REPO", shown=N_("the clone holding the package, else the working folder's"),
                           help=N_("the clone of rollout labs whose labs/, app/ and docs/ are used"))
ROLLOUTLAB_DAEMON_LOG = _declare("ROLLOUTLAB_DAEMON_LOG", help=N_("set by rolloutlab, not by you: the log file of "
                                                                  "a daemon it starts (sandbox up)"))

KUBECONFIG = _declare("KUBECONFIG", shown="`~/.kube/config`", ours=False,
                      help=N_("kubeconfig files, as kubectl reads them: the labs' cluster without LAB_KUBECONFIG"))
DOCKER_HOST = _declare("DOCKER_HOST", default="unix:///var/run/docker.sock", ours=False,
                       help=N_("the Docker engine that builds and pushes the images"))
DOCKER_CONFIG = _declare("DOCKER_CONFIG", shown="`~/.docker`", ours=False,
                         help=N_("Docker's folder, where `docker login` keeps the logins"))
XDG_CACHE_HOME = _declare("XDG_CACHE_HOME", shown="`~/.cache`", ours=False,
                          help=N_("the cache folder that holds rolloutlab's home"))
CI = _declare("CI", ours=False, help=N_("set: plain progress lines instead of bars"))
TERM = _declare("TERM", ours=False, help=N_("`dumb`: plain progress lines instead of bars"))
JPY_SESSION_NAME = _declare("JPY_SESSION_NAME", ours=False,
                            help=N_("the notebook a lab's kernel runs, as JupyterLab gives it (named when the lab "
                                    "is not open yet)"))
PATH = _declare("PATH", ours=False, help=N_("where programs (go, containerd, kubectl...) are looked for"))
_LOCALE = N_("the locale: the first set of LANGUAGE, LC_ALL, LC_MESSAGES, LANG is the language without LAB_LANG")
LANGUAGE, LC_ALL, LC_MESSAGES, LANG = [_declare(name, ours=False, help=_LOCALE)
                                       for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
# fmt: on


def _value(variable: Variable, /, *, env: Mapping[str, str] | None) -> str:
    if VARIABLES.get(variable.name) is not variable:
        raise KeyError(f"{variable.name} is not declared in rolloutlab.environment")
    return (os.environ if env is None else env).get(variable.name, "")


def get(variable: Variable, /, *, env: Mapping[str, str] | None = None) -> str:
    """The value of `variable` in `env` (default: this process's environment); its default when unset or empty."""
    return _value(variable, env=env) or variable.default


def is_set(variable: Variable, /, *, env: Mapping[str, str] | None = None) -> bool:
    """Whether `variable` holds a value in `env` (default: this process's environment), not just its default."""
    return bool(_value(variable, env=env))


def page(lang: str) -> str:
    """docs/<lang>/environment.md: this table as a page in `lang`."""
    from rolloutlab.i18n import _, speaking  # here, not on top: i18n reads its language through this module

    with speaking(lang):
        made = _("Made by `rolloutlab environment --write-docs` from src/rolloutlab/environment.py: change that file.")
        title, intro = (
            _("Environment variables"),
            _("Every variable rolloutlab reads; unset or empty, it takes its default."),
        )
        header = " | ".join((_("variable"), _("default"), _("meaning")))
        lines = [f"<!-- {made} -->", "", f"# {title}", "", intro]
        for ours, part in ((True, _("rolloutlab's own")), (False, _("Standard variables rolloutlab obeys too"))):
            lines += ["", f"## {part}", "", f"| {header} |", "| --- | --- | --- |"]
            for v in VARIABLES.values():
                default = f"`{v.default}`" if v.default else _(v.shown) if v.shown else ""
                lines += [f"| `{v.name}` | {default} | {_(v.help)} |"] if v.ours == ours else []
    return "\n".join(lines) + "\n"
