"""Open the course: JupyterLab on `labs/`, on 127.0.0.1 with a token, its kernels pointed at the lab's cluster
and given a kubectl within the cluster's supported skew."""

from __future__ import annotations

import copy
import json
import os
import secrets
import shlex
import shutil
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rolloutlab import environment, process
from rolloutlab.environment import PATH
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths, repository
from rolloutlab.settings import LabSettings, sweep_private_folders

if TYPE_CHECKING:
    import nbformat

FIRST_PORT = 8888


def as_jupyterlab_saves(nb: nbformat.NotebookNode) -> str:
    """The notebook as JupyterLab writes it (nbformat's JSON, sources split in lines, a final newline), with the
    kernelspec and language_info this environment's kernel gives it on opening. Stored so, a lab that a student
    opens and closes without editing is not marked changed, so JupyterLab does not save it again and `git status`
    stays clean (on another Python version its language_info differs, and JupyterLab writes that one line)."""
    # Imported here: nbformat brings jsonschema, whose import alone takes seconds, and `rolloutlab lab` needs neither.
    import nbformat
    from ipykernel.ipkernel import IPythonKernel

    nb = copy.deepcopy(nb)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = dict(IPythonKernel.language_info)
    return nbformat.writes(nb) + "\n"


def format_labs() -> list[Path]:
    """Rewrite every stored lab as JupyterLab saves it; the ones changed."""
    import nbformat

    changed = []
    for path in sorted(repository().labs.glob("*/[0-9][0-9]-*.ipynb")):
        text = path.read_text()
        saved = as_jupyterlab_saves(nbformat.reads(text, as_version=4))
        if saved != text:
            path.write_text(saved)
            changed.append(path)
    return changed


def free_port(first: int, *, tries: int = 50) -> int:
    """`first` if nothing listens there on 127.0.0.1, else the next free port after it."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise LabError(
        _("ports {first} to {value} are all in use on 127.0.0.1", first=first, value=first + tries - 1),
        fix=_("stop an old JupyterLab (`jupyter server list`) or pass --port"),
    )


STARTUP = """# Written by `rolloutlab lab`: a lab cell run before the lab's first cell says so in one line.
try:
    from rolloutlab.lab.student import before_open_lab
except ImportError:
    pass
else:
    before_open_lab()
"""


def ipython_dir() -> Path:
    """The IPython folder of the labs' kernels (IPYTHONDIR), its start-up file written: the user's own stays as it
    is."""
    folder = Paths.from_env().cache / "jupyter" / "ipython"
    startup = folder / "profile_default" / "startup" / "00-rolloutlab.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    if not startup.is_file() or startup.read_text() != STARTUP:
        startup.write_text(STARTUP)
    return folder


def kernel_path(*, kubectl_path: str, path: str) -> str:
    """PATH with the chosen kubectl's folder first, so a notebook's `!kubectl` is that one."""
    folder = str(Path(kubectl_path).parent)
    return os.pathsep.join([folder, *[p for p in path.split(os.pathsep) if p and p != folder]])


TERMINAL_RC = """# Written by `rolloutlab lab`: JupyterLab's terminals see the cluster as the labs' kernels do.
[ -f ~/.bashrc ] && . ~/.bashrc
export PATH={folder}:"$PATH"
{kubeconfig}echo {greeting}
"""


def terminal_cluster(env: Mapping[str, str]) -> dict[str, str | None]:
    """The lab's kubeconfig for the terminals (in this process's private folder, gone when it stops) and its
    namespace; no kubeconfig when the lab's context cannot be read, and the terminals then say so."""
    settings = LabSettings.from_env(env)
    try:
        return {"kubeconfig": settings.private_kubeconfig(), "namespace": settings.namespace}
    except LabError as exc:
        return {"kubeconfig": None, "namespace": None, "problem": exc.problem}


def terminal_rc(*, kubectl_path: str, kubeconfig: str | None, namespace: str | None, problem: str | None = None
                ) -> Path:  # fmt: skip
    """The start-up file of JupyterLab's terminals: the labs' kubectl first on PATH and, when given, the lab's
    kubeconfig (its context and namespace), then one line saying so. Without it a terminal is a login shell, whose
    /etc/profile puts the machine's own kubectl first (another version), in the `default` namespace. The file holds
    a path, never a credential."""
    rc = Paths.from_env().cache / "jupyter" / "terminal.bashrc"
    rc.parent.mkdir(parents=True, exist_ok=True)
    if kubeconfig:
        greeting = _("kubectl here is the labs' own, in the namespace {namespace}", namespace=namespace)
    else:
        greeting = _("kubectl here is the labs' own, on your kubeconfig as it is ({problem})", problem=problem)
    rc.write_text(TERMINAL_RC.format(
        folder=shlex.quote(str(Path(kubectl_path).parent)),
        kubeconfig=f"export KUBECONFIG={shlex.quote(kubeconfig)}\n" if kubeconfig else "",
        greeting=shlex.quote(greeting),
    ))  # fmt: skip
    return rc


def command(*, labs_dir: Path, port: int, token: str, open_browser: bool, workspaces: Path,
            settings: Path | None = None, terminal: Path | None = None) -> list[str]:  # fmt: skip
    jupyter = Path(sys.executable).parent / "jupyter-lab"
    if not jupyter.exists():
        raise LabError(_("JupyterLab is not installed in this environment"), fix=_("run ./scripts/setup"))
    # The sandbox runs as root (its kubelets need it); JupyterLab refuses root unless told.
    as_root = ["--allow-root"] if os.geteuid() == 0 else []
    return [
        str(jupyter), *as_root, f"--ServerApp.root_dir={labs_dir}", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={open_browser}", f"--LabApp.workspaces_dir={workspaces}",
        *([f"--LabApp.user_settings_dir={settings}"] if settings is not None else []),
        # Nothing leaves the machine: no news feed, no update check (both fetch from the internet by default).
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *([f"--ServerApp.terminado_settings=shell_command={shlex.join(['bash', '--rcfile', str(terminal), '-i'])}"]
          if terminal is not None and shutil.which("bash") else []),
    ]  # fmt: skip


LOCALES = {"fr": "fr_FR"}  # the language packs installed with rolloutlab (pyproject.toml)


def lab_settings(lang: str) -> Path:
    """JupyterLab's user settings folder for the course in `lang`: a French course's interface is French (set once;
    a student's own choice in Settings > Language is kept after that)."""
    folder = Paths.from_env().lab_settings(lang)
    translation = folder / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    if lang in LOCALES and not translation.exists():
        translation.parent.mkdir(parents=True, exist_ok=True)
        translation.write_text(json.dumps({"locale": LOCALES[lang]}, indent=1))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def quiet_news() -> None:
    """Settle JupyterLab's "notified about news?" question with no: news are off on the server anyway."""
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    found = json.loads(overrides.read_text()) if overrides.exists() else {}
    found.setdefault("@jupyterlab/apputils-extension:notification", {})["fetchNews"] = "false"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(found, indent=1))


def launch(
    *, env: Mapping[str, str], kubectl_path: str, port: int | None, open_browser: bool, log: Path, lang: str
) -> int:
    """Run JupyterLab in the foreground until it is stopped; print the URL to open first (the labs of `lang`);
    its log goes to `log`."""
    labs_dir = repository().labs
    chosen = free_port(port or FIRST_PORT) if port is None else port
    if port is not None and free_port(port, tries=1) != port:
        raise LabError(
            _("port {port} is in use on 127.0.0.1", port=port), fix=_("pick another with --port, or leave it out")
        )
    if chosen != FIRST_PORT and port is None:
        print(_("port {port} is in use: using {chosen}", port=FIRST_PORT, chosen=chosen))
    quiet_news()
    token = secrets.token_urlsafe(24)
    server_env = {**env, PATH.name: kernel_path(kubectl_path=kubectl_path, path=environment.get(PATH, env=env)),
                  "IPYTHONDIR": str(ipython_dir())}  # fmt: skip
    terminal = terminal_rc(kubectl_path=kubectl_path, **terminal_cluster(env))
    url = f"http://127.0.0.1:{chosen}/lab/tree/{lang}?token={token}"
    print(_("the course: {url}", url=url), flush=True)
    print(_("(Ctrl-C stops JupyterLab; your notebooks are saved in labs/{lang}/ as you work)", lang=lang), flush=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        workspaces = repository().workspaces(lang)
        workspaces.mkdir(parents=True, exist_ok=True)
        proc = process.spawn(command(labs_dir=labs_dir, port=chosen, token=token, open_browser=open_browser,
                                     workspaces=workspaces, settings=lab_settings(lang), terminal=terminal),
                             env=server_env, stdout=out)  # fmt: skip
        try:
            proc.wait()  # the course runs until the student stops it: no deadline here
        except KeyboardInterrupt:
            # Ctrl-C, SIGTERM or SIGHUP: JupyterLab shuts its kernels down as it stops; then the private folders of
            # any kernel that did not get to exit cleanly go too.
            process.stop(proc, grace=30)
            raise
        finally:
            sweep_private_folders(Paths.from_env().kernels)
    if proc.returncode not in (0, -15):
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        raise LabError(
            _(
                "JupyterLab stopped with exit {returncode}: {value}",
                returncode=proc.returncode,
                value=lines[-1] if lines else _("no message"),
            ),
            fix=_("read {log}", log=log),
        )
    return 0


def which_kubectl(*, built: Path | None) -> str:
    from rolloutlab import kubectl

    found = kubectl.find_kubectl(built=built)
    if found is None:
        have = shutil.which("kubectl") or "none"
        raise LabError(
            _("no kubectl within one minor version of Kubernetes 1.33 (on PATH: {have})", have=have),
            fix=_("run ./scripts/setup, which builds one"),
        )
    return found.path
