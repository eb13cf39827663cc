"""What a check is, and the set-up checks of lab 00 (kubectl, cluster, nodes, registry, Docker).

Each set-up check has a reader (it asks kubectl, the registry or Docker) and a pure judgment over what was read,
which the unit tests call with recorded answers. The lesson's own checks are in `judge.py`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolloutlab import i18n, kubectl, versions, waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import credentials, engine, registry
from rolloutlab.settings import LabSettings

# How long a check reads again while its failure is one the cluster ends by itself a moment later.
PENDING_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    # A failure the cluster ends by itself a moment later: `rollout status` may return while the Deployment's
    # status still counts a pod being replaced. The lab's check reads again for a few seconds before saying it.
    pending: bool = False
    # How long the check keeps reading while pending: each pending failure says how long it can last.
    pending_for: float = PENDING_SECONDS

    def __str__(self) -> str:
        return _("{status} {name}: {message}", status=_("OK") if self.ok else _("FAIL"), name=self.name,
                 message=self.message)  # fmt: skip


class CheckFailed(AssertionError):
    """A notebook cell stops here with the check's teaching message."""


# What `validate` reads back from an executed lab: one bundle per check, whatever language or wording it was shown in.
MIME = "application/vnd.rolloutlab.check+json"


def result_of(step: str, result: Check, *, shown: str) -> dict[str, Any]:
    return {"step": step, "name": result.name, "ok": result.ok, "message": result.message, "shown": shown,
            "language": i18n.language()}  # fmt: skip


def notebook_shell() -> Any | None:
    """The IPython shell the lab runs in, or None outside a notebook (a test, a script, IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def publish(*, step: str, result: Check, shown: str) -> None:
    """Show the check's line and publish its structured result beside it. A passing check's line is the bundle's
    text; a failing one's is shown by the error that stops the cell, so its bundle carries no text to show twice."""
    bundle: dict[str, Any] = {MIME: result_of(step, result, shown=shown)}
    if result.ok:
        bundle["text/plain"] = shown
    if notebook_shell() is None:
        if result.ok:
            print(shown)
        return
    from IPython.display import display

    display(bundle, raw=True)


def soon(check: Callable[[], Check], *, seconds: float = 30.0, say: Callable[[str], None] | None = None) -> Check:
    """Run `check` until it passes, for `seconds` at most: for what the cluster does a moment later (a restart).
    A wait of some seconds is said first (`say`), so that a cell that seems stuck says why."""
    told = say is None or seconds < 5

    def once() -> Check:
        nonlocal told
        result = check()
        if not result.ok and not told and say is not None:
            told = True
            say(_("not yet: looking again for up to {seconds:.0f} s...", seconds=seconds))
        return result

    return waiting.until(once, seconds=seconds, every=0.5, done=lambda result: result.ok)


def _minor(version: dict[str, Any]) -> int:
    return int("".join(c for c in str(version.get("minor", "")) if c.isdigit()) or 0)


# -- judgments --------------------------------------------------------------------------------------------------
def judge_kubectl(*, path: str | None, client: dict[str, Any] | None, error: str = "") -> Check:
    if path is None:
        return Check("kubectl", False, _("kubectl is not on your PATH. Install it "
                                         "(https://kubernetes.io/docs/tasks/tools/) or run ./scripts/setup, then "
                                         "restart the notebook's kernel."))  # fmt: skip
    if not client:
        return Check("kubectl", False, _("{path} does not answer `kubectl version --client`: {error}", path=path,
                                         error=error))  # fmt: skip
    return Check("kubectl", True, _("{version} at {path}", version=client.get("gitVersion"), path=path))


def judge_cluster(answer: dict[str, Any] | None, *, where: str, error: str) -> Check:
    """`kubectl version -o json` read: the cluster answers, and kubectl is within its supported skew."""
    what = _("cluster")
    server = (answer or {}).get("serverVersion")
    if not server:
        said = error.strip().splitlines()[-1:] or [_("no output")]
        return Check(what, False, _("no cluster answers for {where} ({said}). Start the sandbox (`rolloutlab sandbox "
                                    "up`), or set LAB_CONTEXT to a context that runs.", where=where,
                                    said=said[0]))  # fmt: skip
    assert answer is not None
    client = answer["clientVersion"]
    if not versions.kubectl_skew_ok(client_minor=_minor(client), server_minor=_minor(server)):
        return Check(what, False, _("kubectl {client} and the cluster's {server} are more than one minor version "
                                    "apart, which Kubernetes does not support: some commands may fail or misbehave. "
                                    "Install a kubectl within one minor version.", client=client["gitVersion"],
                                    server=server["gitVersion"]))  # fmt: skip
    return Check(what, True, _("Kubernetes {server} answers kubectl {client}", server=server["gitVersion"],
                               client=client["gitVersion"]))  # fmt: skip


def judge_nodes(nodes: list[dict[str, Any]] | None, *, error: str = "") -> Check:
    what = _("nodes")
    if nodes is None:
        return Check(what, False, _("cannot list nodes: {error}. Is the cluster up?",
                                    error=error.strip() or _("no answer")))  # fmt: skip
    ready = [
        n["metadata"]["name"]
        for n in nodes
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
    ]
    if not ready:
        return Check(what, False, _("no node is Ready, so no pod can run. Wait a moment, or restart the sandbox."))
    return Check(what, True, _("{count} Ready: {names}", count=len(ready), names=", ".join(ready)))


def judge_registry(*, address: str, answers: bool) -> Check:
    what = _("registry")
    if answers:
        return Check(what, True, _("{address} answers as a registry", address=address))
    return Check(what, False, _("no registry answers at {address}. In the sandbox `rolloutlab sandbox up` starts it; "
                                "on kind follow the local-registry page; or set LAB_REGISTRY to yours.",
                                address=address))  # fmt: skip


def judge_docker(version: str | None) -> Check:
    if version:
        return Check("Docker", True, _("Docker engine {version} answers", version=version))
    return Check("Docker", False, _("no Docker engine answers, and the labs build images with it. Start Docker (as "
                                    "root on Debian, `rolloutlab sandbox up` starts dockerd) and check `docker "
                                    "info`."))  # fmt: skip


def judge_login(*, registry: str, username: str | None, accepted: bool | None) -> Check:
    """Docker holds a login for the lab's registry (`docker login`), and the registry lets it in."""
    what = _("login")
    if accepted is None:
        return Check(what, False, _("the registry {registry} does not answer: is the sandbox up (`rolloutlab sandbox "
                                    "up`)?", registry=registry))  # fmt: skip
    if username is None:
        return Check(what, False, _("Docker holds no login for {registry}: run `docker login {registry}` with the user "
                                    "the lab's start printed and the password `lab.login.password`.",
                                    registry=registry))  # fmt: skip
    if not accepted:
        return Check(what, False, _("{registry} refuses Docker's login as {user}: a wrong password? Run `docker login "
                                    "{registry}` again with the password `lab.login.password`.", registry=registry,
                                    user=username))  # fmt: skip
    return Check(what, True, _("Docker is logged in to {registry} as {user}", registry=registry, user=username))


# -- readers: what each set-up judgment above takes, as keyword arguments ----------------------------------
def read_kubectl() -> dict[str, Any]:
    path = shutil.which("kubectl")
    if path is None:
        return {"path": None, "client": None}
    proc = kubectl.run(["version", "--client", "-o", "json"], kubectl=path, timeout=30, check=False)
    try:
        client = json.loads(proc.stdout)["clientVersion"]
    except (ValueError, KeyError):
        client = None
    return {"path": path, "client": client, "error": proc.stderr.strip()}


def read_cluster(settings: LabSettings) -> dict[str, Any]:
    where = settings.context or _("the current context")
    try:
        proc = kubectl.run(["version", "-o", "json", "--request-timeout=5s"], timeout=30, check=False)
    except LabError as exc:
        return {"answer": None, "where": where, "error": str(exc)}
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        answer = None
    return {"answer": answer, "where": where, "error": proc.stderr}


def read_nodes() -> dict[str, Any]:
    try:
        proc = kubectl.run(["get", "nodes", "-o", "json", "--request-timeout=5s"], timeout=30, check=False)
    except LabError as exc:
        return {"nodes": None, "error": str(exc)}
    if proc.returncode != 0:
        return {"nodes": None, "error": proc.stderr}
    return {"nodes": json.loads(proc.stdout)["items"]}


def read_registry(settings: LabSettings) -> dict[str, Any]:
    return {"address": settings.registry, "answers": registry.is_registry(address=settings.registry)}


def read_login(settings: LabSettings) -> dict[str, Any]:
    login = credentials.docker_login(settings.registry)
    accepted = registry.accepts(address=settings.registry, login=login)
    return {"registry": settings.registry, "username": login.username if login else None, "accepted": accepted}


def read_docker() -> dict[str, Any]:
    return {"version": engine.ping()}


def whole(answer: Any) -> int | None:
    """A count or a number as the student wrote it: 7, 7.0, "7" or " 7 " are 7; anything else is none."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    if isinstance(answer, float) and answer.is_integer():
        return int(answer)
    if isinstance(answer, str) and answer.strip().isdigit():
        return int(answer.strip())
    return None


def numbers(answer: Any) -> list[int] | None:
    """Revision numbers as the student wrote them: [1, 3, 4], (1, 3, 4), ["1", "3", "4"], "1, 3, 4", "1 3 4" or
    "[1, 3, 4]" are [1, 3, 4]; anything else (a word, a fraction) is none."""
    if isinstance(answer, str):
        answer = answer.strip().strip("[]()").replace(",", " ").split()
    if not isinstance(answer, list | tuple):
        return None
    found = [whole(item) for item in answer]
    return None if None in found or not found else [n for n in found if n is not None]
