"""Student-facing checks: each looks at the real state and says, in words a student can act on, what is wrong.

Notebooks call them in short check cells; tests call the same functions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from rolloutlab import engine, registry, versions
from rolloutlab.errors import LabError
from rolloutlab.settings import LabSettings
from rolloutlab.timeline import Timeline


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.message}"


class CheckFailed(AssertionError):
    """Raised by `require`: a notebook cell stops here with the check's teaching message."""


def require(check: Check) -> None:
    """Print a passing check; stop the notebook cell with the check's message when it fails."""
    if not check.ok:
        raise CheckFailed(str(check))
    print(check)


def _kubectl(settings: LabSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*settings.kubectl(), *args], capture_output=True, text=True, check=False, timeout=30)


def kubectl_installed() -> Check:
    path = shutil.which("kubectl")
    if path is None:
        return Check(
            "kubectl",
            False,
            "kubectl is not on your PATH. Install it (https://kubernetes.io/docs/tasks/tools/) or run "
            "./scripts/setup, then restart the notebook's kernel.",
        )
    proc = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, text=True, check=False)
    try:
        version = json.loads(proc.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return Check("kubectl", False, f"{path} does not answer `kubectl version --client`: {proc.stderr.strip()}")
    return Check("kubectl", True, f"{version} at {path}")


def cluster_reachable(settings: LabSettings) -> Check:
    """The cluster answers, and its version is within kubectl's skew."""
    if shutil.which("kubectl") is None:
        return Check("cluster", False, "cannot ask the cluster without kubectl; fix the kubectl check first.")
    proc = _kubectl(settings, "version", "-o", "json", "--request-timeout=5s")
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        info = {}
    server = info.get("serverVersion")
    if not server:
        where = settings.context or "the current context"
        return Check(
            "cluster",
            False,
            f"no cluster answers for {where} ({proc.stderr.strip().splitlines()[-1:] or ['no output']}). Start "
            "the sandbox with `rolloutlab sandbox up` and `eval $(rolloutlab sandbox env)`, or pick a context "
            "that runs with LAB_CONTEXT.",
        )
    client_minor = int("".join(c for c in info["clientVersion"]["minor"] if c.isdigit()))
    server_minor = int("".join(c for c in server["minor"] if c.isdigit()))
    if not versions.kubectl_skew_ok(client_minor=client_minor, server_minor=server_minor):
        return Check(
            "cluster",
            False,
            f"kubectl {info['clientVersion']['gitVersion']} is too far from the cluster's {server['gitVersion']}:"
            " kubectl supports one minor version either side. Install a matching kubectl.",
        )
    return Check("cluster", True, f"Kubernetes {server['gitVersion']} answers")


def nodes_ready(settings: LabSettings, *, expected: int | None = None) -> Check:
    proc = _kubectl(settings, "get", "nodes", "-o", "json")
    if proc.returncode != 0:
        return Check("nodes", False, f"cannot list nodes: {proc.stderr.strip()}")
    items = json.loads(proc.stdout)["items"]
    ready = [
        n["metadata"]["name"]
        for n in items
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
    ]
    if not ready:
        return Check("nodes", False, "no node is Ready, so no pod can run. Wait a moment, or restart the sandbox.")
    if expected is not None and len(ready) != expected:
        return Check("nodes", False, f"{len(ready)} nodes are Ready ({', '.join(ready)}); the lab expects {expected}.")
    return Check("nodes", True, f"{len(ready)} Ready: {', '.join(ready)}")


def registry_reachable(settings: LabSettings) -> Check:
    if registry.is_registry(address=settings.registry):
        return Check("registry", True, f"{settings.registry} answers as a registry")
    return Check(
        "registry",
        False,
        f"no registry answers at {settings.registry}. In the sandbox, `rolloutlab sandbox up` starts it; on kind, "
        "follow the local-registry set-up page; or set LAB_REGISTRY to the registry you push to.",
    )


def docker_running() -> Check:
    version = engine.ping()
    if version:
        return Check("docker", True, f"Docker engine {version} answers")
    return Check(
        "docker",
        False,
        "no Docker engine answers, and the labs build images with it. Start Docker (as root on Debian, "
        "`rolloutlab sandbox up` starts dockerd) and check `docker info`.",
    )


# -- checks on the lesson's Deployment, read from the cluster ------------------------------------------------
def _deployment_or_fail(settings: LabSettings) -> tuple[dict | None, Check | None]:
    from rolloutlab import lab

    found = lab.deployment()
    if found is None:
        return None, Check(
            "deployment",
            False,
            f"there is no Deployment first-app in namespace {settings.namespace!r}. Did you run the deploy cell, "
            "or deploy it in another namespace (`kubectl get deployments -A`)?",
        )
    return found, None


def namespace_exists(settings: LabSettings) -> Check:
    from rolloutlab import lab

    proc = lab.kubectl("get", "namespace", settings.namespace, check=False)
    if proc.returncode != 0:
        return Check("namespace", False, f"namespace {settings.namespace!r} does not exist: create it with "
                     f"`kubectl create namespace {settings.namespace}` or set LAB_NAMESPACE to yours.")  # fmt: skip
    return Check("namespace", True, f"{settings.namespace} exists")


def tags_in_registry(settings: LabSettings, *, tags: list[str], absent: list[str] | None = None) -> Check:
    from rolloutlab import images

    have = images.tags(settings=settings)
    missing = [t for t in tags if t not in have]
    if missing:
        return Check(
            "registry tags",
            False,
            f"{', '.join(missing)} not in {settings.registry}/{settings.repository} "
            f"(it has: {', '.join(have) or 'nothing'}). Build and push them with the cells above.",
        )
    present = [t for t in absent or [] if t in have]
    if present:
        return Check("registry tags", False, f"{', '.join(present)} is in the registry, but this lab needs a tag "
                     "that was never pushed. Delete it from the registry or pick another missing tag.")  # fmt: skip
    return Check("registry tags", True, f"{settings.registry}/{settings.repository} has {', '.join(have)}")


def rolled_out_to(settings: LabSettings, *, tag: str) -> Check:
    """The Deployment runs `tag` on all its replicas, and the rollout is finished."""
    found, failed = _deployment_or_fail(settings)
    if failed:
        return failed
    assert found is not None
    want = settings.image(tag)
    image = found["spec"]["template"]["spec"]["containers"][0]["image"]
    if image != want:
        return Check("rollout", False, f"the Deployment's template says image {image}, not {want}. Check the tag "
                     "you typed after `first-app-k8s=` in `kubectl set image`.")  # fmt: skip
    spec, status = found["spec"], found.get("status") or {}
    replicas = spec.get("replicas", 1)
    updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
    if updated != replicas or available != replicas or status.get("replicas", 0) != replicas:
        reason = {c["type"]: c.get("reason") for c in status.get("conditions") or []}.get("Progressing")
        if reason == "ProgressDeadlineExceeded":
            return Check("rollout", False, f"the rollout to {tag} failed (progress deadline exceeded): look at the "
                         "pods' STATUS with `kubectl get pods`.")  # fmt: skip
        return Check(
            "rollout",
            False,
            f"the rollout is still running ({updated} of {replicas} updated, "
            f"{available} available): wait for `kubectl rollout status` to finish, then run this again.",
        )
    return Check("rollout", True, f"all {replicas} replicas run {tag} and are available")


def failed_rollout(settings: LabSettings, *, tag: str, pods_total: int, failing: int, serving: int) -> Check:
    """A stuck rollout: `failing` new pods cannot pull `tag`, `serving` old ones stay Ready, the deadline passed."""
    from rolloutlab import lab
    from rolloutlab.timeline import pod_state, resolve_bound

    found, failed = _deployment_or_fail(settings)
    if failed:
        return failed
    assert found is not None
    spec = found["spec"]
    replicas = spec["replicas"]
    rolling = spec["strategy"]["rollingUpdate"]
    surge = resolve_bound(rolling["maxSurge"], replicas=replicas, round_up=True)
    unavailable = resolve_bound(rolling["maxUnavailable"], replicas=replicas, round_up=False)
    pods = [p for p in lab.pods() if not p["metadata"].get("deletionTimestamp")]
    new = [p for p in pods if p["spec"]["containers"][0]["image"] == settings.image(tag)]
    pulling = [p for p in new if pod_state(p) in ("ErrImagePull", "ImagePullBackOff")]
    ready_old = [p for p in pods if p not in new and pod_state(p) == "Ready"]
    why = (f"{replicas} replicas + maxSurge {surge} allow {replicas + surge} pods; replicas - maxUnavailable "
           f"{unavailable} must stay available: {replicas - unavailable} old pods keep serving")  # fmt: skip
    if (len(pods), len(pulling), len(ready_old)) != (pods_total, failing, serving):
        return Check("failed rollout", False, f"expected {pods_total} pods ({failing} failing to pull {tag}, "
                     f"{serving} old Ready), found {len(pods)} ({len(pulling)} failing, {len(ready_old)} Ready). "
                     f"If the new pods are still being created, wait a few seconds. ({why})")  # fmt: skip
    conditions = {c["type"]: c for c in found["status"].get("conditions") or []}
    if conditions.get("Progressing", {}).get("reason") != "ProgressDeadlineExceeded":
        deadline = spec.get("progressDeadlineSeconds", 600)
        return Check("failed rollout", False, f"the pods look as expected but the rollout is not marked failed yet: "
                     f"it will be after {deadline} s without progress (progressDeadlineSeconds).")  # fmt: skip
    return Check("failed rollout", True, f"{len(pods)} pods: {failing} in {pod_state(pulling[0])}, "
                 f"{serving} old ones Ready; {why}")  # fmt: skip


def ready_endpoints(settings: LabSettings, *, expected: int) -> Check:
    from rolloutlab import lab

    slices = lab.get_json("endpointslices", "-l", "kubernetes.io/service-name=first-app")["items"]
    ready = sum(1 for s in slices for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready"))
    if ready != expected:
        return Check("service", False, f"the Service first-app has {ready} ready endpoints, expected {expected}. "
                     "Is the Service applied (`kubectl get service first-app`)?")  # fmt: skip
    return Check("service", True, f"the Service sends traffic to {ready} ready pods")


def history_is(settings: LabSettings, *, revisions: list[int]) -> Check:
    from rolloutlab import lab

    found = lab.history()
    if found != revisions:
        return Check("history", False, f"`kubectl rollout history` lists revisions {found}, expected {revisions}. "
                     "If you ran extra `set image` or `undo` commands, start the lab again from the top.")  # fmt: skip
    return Check("history", True, f"revisions {', '.join(map(str, found))}")


def revision_runs(settings: LabSettings, *, revision: int, tag: str) -> Check:
    from rolloutlab import lab

    image = lab.revision_image(revision)
    if image != settings.image(tag):
        return Check(f"revision {revision}", False, f"revision {revision} has image {image}, expected {tag}.")
    return Check(f"revision {revision}", True, f"image {image}")


def recorded_bounds(timeline: Timeline, *, peak: int, min_available: int) -> Check:
    """The recorded rollout stayed within the numbers the prose states: the most pods the ReplicaSets were
    asked for at once (maxSurge's bound), and the fewest available replicas (maxUnavailable's bound)."""
    seen_peak = timeline.peak_desired()
    seen_min = timeline.min_available()
    if (seen_peak, seen_min) != (peak, min_available):
        return Check("recording", False, f"the recording shows at most {seen_peak} pods asked for and at least "
                     f"{seen_min} available, the lesson says {peak} and {min_available}. Was the rollout "
                     "recorded from its start (the `with record(...)` cell)?")  # fmt: skip
    return Check("recording", True, f"at most {seen_peak} pods at once, never fewer than {seen_min} available")


def page_shows(url: str, *, text: str, version: str) -> Check:
    """The app's page, fetched through `url`, carries `text` and names `version`."""
    from rolloutlab import traffic

    try:
        body = traffic.page_text(url)
    except LabError as exc:
        return Check("page", False, str(exc))
    if version not in body or text not in body:
        return Check("page", False, f"the page at {url} does not show version {version} with {text!r}; it says: "
                     f"{' / '.join(body.splitlines()[:3])}. Has the rollout finished (`rollout status`)?")  # fmt: skip
    return Check("page", True, f"{url} shows version {version}: {text!r}")


def kept_serving(timeline: Timeline, *, via: str) -> Check:
    """Every request during the recording was answered. Through a port-forward, which reaches one pod and not the
    Service's rotation, failures are the tunnel's, so they are reported but do not fail the check."""
    from rolloutlab import traffic

    summary = traffic.summarize(timeline.requests)
    if summary.answered == 0:
        return Check("serving", False, "no request was answered during the recording: was the recording given the "
                     "app's URL (`record(..., url=app.url)`), and is the Service there?")  # fmt: skip
    if summary.failed and via == "nodeport":
        return Check("serving", False, f"{summary}. Requests failed while the rollout ran: the Service sent some "
                     "to a pod that could not answer. Check the readiness probe and the app's shutdown.")  # fmt: skip
    note = " (through a port-forward to one pod: a failure there is the tunnel's)" if summary.failed else ""
    return Check("serving", True, f"{summary}{note}")


def restarted_after_error(settings: LabSettings, *, pod: str, restarts_before: int) -> Check:
    """The pod that answered /error was restarted by its kubelet and is Ready again."""
    from rolloutlab import lab

    proc = lab.kubectl("get", "pod", pod, "-o", "json", check=False)
    if proc.returncode != 0:
        return Check("restart", False, f"there is no pod {pod} in namespace {settings.namespace!r}: copy the pod name "
                     "from the /error answer.")  # fmt: skip
    found = json.loads(proc.stdout)
    statuses = (found.get("status") or {}).get("containerStatuses") or [{}]
    restarts, ready = statuses[0].get("restartCount", 0), statuses[0].get("ready", False)
    if restarts <= restarts_before:
        return Check("restart", False, f"{pod} shows {restarts} restarts, as before: call /error first, then wait a "
                     "few seconds for the kubelet to notice the exit.")  # fmt: skip
    if not ready:
        return Check("restart", False, f"{pod} restarted ({restarts}) but is not Ready yet: its readiness probe must "
                     "pass first. Run this again in a few seconds.")  # fmt: skip
    return Check("restart", True, f"{pod} was restarted by its kubelet ({restarts} restart) and is Ready again")


def soon(check: Callable[[], Check], *, seconds: float = 30.0) -> Check:
    """Run `check` until it passes, for `seconds` at most: for what the cluster does a moment later (a restart)."""
    deadline = time.monotonic() + seconds
    result = check()
    while not result.ok and time.monotonic() < deadline:
        time.sleep(0.5)
        result = check()
    return result
