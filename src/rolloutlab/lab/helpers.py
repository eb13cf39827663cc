"""The bookkeeping around the lesson's commands: reset, catch-up to a lab's starting point, images, manifests.

Students type the lesson's kubectl commands themselves; these helpers let each lab run on its own, again and
again, in any namespace. kubectl here is the one runner (`rolloutlab.kubectl`), pointed by $KUBECONFIG at the
lab's private kubeconfig, as the notebook's `!kubectl` is.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from rolloutlab import kubectl as runner
from rolloutlab import process, progress, waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import images, manifests, observe
from rolloutlab.paths import Paths, repository
from rolloutlab.settings import CONTAINER, DEPLOYMENT, LabSettings

# The lesson's versions: what each tag says on its page.
VERSIONS = {"latest": "", "1.0.0": "!!! Hola is new version !!!"}
MISSING_TAG = "2.0.0"


def kubectl(*args: str, check: bool, input_text: str | None = None, timeout: float | None = None) -> process.Result:
    """kubectl as the notebook's `!kubectl` runs it. With no `timeout`, `rollout status` waits as long as the
    Deployment's own deadline says, up to kubectl.LONGEST."""
    return runner.run(args, input_text=input_text, check=check, timeout=timeout)


def deployment(name: str = DEPLOYMENT) -> dict[str, Any] | None:
    return observe.get("deployment", name)


def write_manifest(*, settings: LabSettings, tag: str) -> Path:
    """The lesson's manifests with the image in the lab's registry, as a file `kubectl apply -f` can take."""
    path = repository().build / "manifests" / f"first-app-{settings.namespace}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifests.lesson_yaml(settings=settings, tag=tag))
    return path


def reset() -> None:
    """Delete the lesson's Deployments and Service (and so their ReplicaSets and pods) to start the lab afresh."""
    kubectl("delete", "deployment,service", "-l", "rolloutlab.dev/lesson=first-app", "--ignore-not-found",
            "--wait=true", "--timeout=120s", check=True)  # fmt: skip
    kubectl(
        "delete", "deployment,service", DEPLOYMENT, "--ignore-not-found", "--wait=true", "--timeout=120s", check=True
    )
    if waiting.until(lambda: not observe.items("pods", "-l", "rolloutlab.dev/lesson=first-app") and not pods(),
                     seconds=120, every=0.5):  # fmt: skip
        return
    raise LabError(_("old pods of first-app are still terminating after 2 minutes"), fix=_("run the cell again"))


@contextlib.contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """Held by one lab at a time on this machine (validate runs several at once): a file lock, let go when the
    holder ends, even killed."""
    path = Paths.from_env().reserved_tags.with_name(f"{name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_images(*, settings: LabSettings) -> list[str]:
    """Build and push the lesson's versions that the registry does not have yet; returns the tags pushed. One lab at
    a time: two labs pushing the same image at once made kind's registry refuse one ("digest invalid, manifest blob
    unknown"), and each overwrote the other's local tag; the second now finds the tag pushed."""
    pushed = []
    with machine_lock("lesson-images"):
        for tag, message in VERSIONS.items():
            if not images.tag_exists(settings=settings, tag=tag):
                push_version(settings=settings, tag=tag, message=message)
                pushed.append(tag)
    return pushed


def rebuild_images(*, settings: LabSettings) -> list[str]:
    """Build the lesson's versions from today's app and push them over what the registry holds: images built by
    an older rolloutlab do not name their pod, and `ensure_images` leaves a tag that exists alone."""
    with machine_lock("lesson-images"):
        for tag, message in VERSIONS.items():
            push_version(settings=settings, tag=tag, message=message, force=True)
    return list(VERSIONS)


def push_version(*, settings: LabSettings, tag: str, message: str, force: bool = False) -> None:
    images.build(settings=settings, tag=tag, message=message)
    images.push(settings=settings, tag=tag, force=force, say=lambda _: None)


RESERVED_FOR = 3600.0  # seconds a tag handed out stays reserved, pushed or not


def next_free_tag(*, settings: LabSettings, series: str, first: int = 0) -> str:
    """`<series>.N` with the smallest N >= `first` that neither the registry nor this machine's Docker has: a new
    version, never an existing tag (validate deletes the tags it pushed from the registry, while Docker keeps what
    was built under them). Two labs running at once (validate runs the English and the French lab 04 together)
    never get the same one: each tag handed out on this machine is reserved for an hour, under a file lock."""
    have = set(images.tags(settings=settings)) | set(images.local_tags(settings=settings))
    store = Paths.from_env().reserved_tags
    with machine_lock(store.stem):
        try:
            reserved = json.loads(store.read_text())
        except (OSError, ValueError):
            reserved = {}
        now = time.time()
        reserved = {k: v for k, v in reserved.items() if now - v < RESERVED_FOR}
        n = first
        while f"{series}.{n}" in have or settings.image(f"{series}.{n}") in reserved:
            n += 1
        reserved[settings.image(f"{series}.{n}")] = now
        store.write_text(json.dumps(reserved))
    return f"{series}.{n}"


def observed(found: dict[str, Any]) -> bool:
    """Whether the Deployment controller has seen the Deployment's last change (and so made its ReplicaSet)."""
    generation = (found.get("metadata") or {}).get("generation") or 0
    return bool(generation <= ((found.get("status") or {}).get("observedGeneration") or 0))


def rollout_status(found: dict[str, Any]) -> str:
    """What `kubectl rollout status` makes of a Deployment as read: "done", "waiting" or "failed" (at its progress
    deadline). kubectl's own rule (pkg/polymorphichelpers/rollout_status.go), so that waiting costs one read."""
    spec, status = found.get("spec") or {}, found.get("status") or {}
    if not observed(found):
        return "waiting"
    progressing: dict[str, Any] = next(
        (c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {}
    )
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return "failed"
    updated = status.get("updatedReplicas") or 0
    if spec.get("replicas") is not None and updated < spec["replicas"]:
        return "waiting"
    if (status.get("replicas") or 0) > updated or (status.get("availableReplicas") or 0) < updated:
        return "waiting"
    return "done"


# Beyond its progress deadline, the Deployment controller marks a rollout failed; when the status has not moved for
# that long plus this margin, nothing is marking it at all (the controller manager is down).
STALLED_MARGIN = 60.0


def wait_rolled_out(name: str = DEPLOYMENT) -> None:
    """Wait as `kubectl rollout status` does (same end, same failure at the progress deadline), drawing the new
    pods as they become available; give up when the Deployment's status stands still past its deadline."""
    last: tuple[Any, ...] = ()
    moved = time.monotonic()
    with progress.task(_("rollout of {name}", name=name), total=None) as bar:
        while True:
            found = deployment(name)
            if found is None:
                raise LabError(_("there is no Deployment {name} in this namespace", name=name),
                               fix=_("run the lab's first cell (`lab.start()`) again"))  # fmt: skip
            status, wanted = found.get("status") or {}, (found.get("spec") or {}).get("replicas")
            bar.update(done=min(status.get("updatedReplicas") or 0, status.get("availableReplicas") or 0),
                       total=wanted or None, note=_("{updated} updated, {available} available",
                       updated=status.get("updatedReplicas") or 0,
                       available=status.get("availableReplicas") or 0))  # fmt: skip
            state = rollout_status(found)
            if state == "failed":
                raise LabError(_("the rollout of {name} exceeded its progress deadline", name=name),
                               fix=_("read the Deployment's events: `kubectl describe deployment {name}`",
                                     name=name))  # fmt: skip
            if state == "done":
                return
            now = (status.get("observedGeneration"), status.get("updatedReplicas"), status.get("readyReplicas"),
                   status.get("availableReplicas"), status.get("replicas"), status.get("conditions"))  # fmt: skip
            if now != last:
                last, moved = now, time.monotonic()
            stalled = float((found.get("spec") or {}).get("progressDeadlineSeconds") or 600) + STALLED_MARGIN
            if time.monotonic() - moved > stalled:
                raise LabError(_("the rollout of {name} has not moved for {seconds:.0f} s, and nothing marked it "
                                 "failed: is the cluster's controller manager running?", name=name,
                                 seconds=stalled),
                               fix=_("check the cluster (`kubectl get nodes`, `kubectl get events`), then run the cell "
                                     "again"))  # fmt: skip
            time.sleep(1)


def wait_observed(name: str = DEPLOYMENT) -> None:
    """Wait until the Deployment controller has seen the last change: it has then made that template's ReplicaSet,
    so the change is a revision of its own even if the next one comes before its pods do."""

    def seen_by_controller() -> bool:
        found = deployment(name)
        return found is not None and observed(found)

    if not waiting.until(seen_by_controller, seconds=60, every=0.3):
        raise LabError(
            _("the Deployment controller has not seen the change to {name} within a minute", name=name),
            fix=_("check that the cluster answers (`kubectl get nodes`), then run the cell again"),
        )


def catch_up(*, settings: LabSettings, through: str) -> None:
    """Bring the namespace to where lab `through` left it, so the next lab can run on its own.

    "02": first-app rolled from latest to 1.0.0 (revisions 1, 2). "03": then scaled to 5 replicas and set to the
    missing 2.0.0 (revision 3), without waiting for the progress deadline. Only the last rollout is waited for:
    each earlier change is a revision once the controller has seen it, which is where the lesson stands.
    """
    ensure_images(settings=settings)
    reset()
    kubectl("apply", "-f", str(write_manifest(settings=settings, tag="latest")), check=True)
    wait_observed()
    kubectl("set", "image", f"deployment/{DEPLOYMENT}", f"{CONTAINER}={settings.image('1.0.0')}", check=True)
    if through == "03":
        wait_observed()
        kubectl("scale", f"deployment/{DEPLOYMENT}", "--replicas=5", check=True)
    wait_rolled_out()
    if through == "03":
        kubectl("set", "image", f"deployment/{DEPLOYMENT}", f"{CONTAINER}={settings.image(MISSING_TAG)}", check=True)


def pods(name: str = DEPLOYMENT) -> list[dict[str, Any]]:
    return observe.items("pods", "-l", f"app={name}")


def strategy_manifest(*, settings: LabSettings, name: str, max_surge: str, max_unavailable: str, tag: str) -> Path:
    """The lesson's Deployment under another name, with its own labels and rolling-update bounds."""
    objects = [o for o in manifests.lesson_objects(settings=settings, tag=tag) if o["kind"] == "Deployment"]
    deployment = objects[0]
    deployment["metadata"]["name"] = name
    deployment["metadata"]["labels"] = {"app": name, "rolloutlab.dev/lesson": "first-app"}
    deployment["spec"]["selector"]["matchLabels"] = {"app": name}
    deployment["spec"]["template"]["metadata"]["labels"] = {"app": name, "rolloutlab.dev/lesson": "first-app"}
    # A bound is a pod count (an integer) or a percentage (a string ending in %), never a numeric string.
    bounds = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    deployment["spec"]["strategy"]["rollingUpdate"] = {k: int(v) if v.isdigit() else v for k, v in bounds.items()}
    path = repository().build / "manifests" / f"{name}-{settings.namespace}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    return path


def replicasets_of(name: str = DEPLOYMENT) -> list[dict[str, Any]]:
    return observe.items("replicasets", "-l", f"app={name}")
