"""What the lab notebooks call besides kubectl: reset, catch-up to a lab's starting point, and reading state.

Students type the lesson's kubectl commands themselves; these helpers do the bookkeeping around them, so that
each lab can be run on its own, again and again, in any namespace.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from rolloutlab import images, manifests
from rolloutlab.errors import LabError
from rolloutlab.settings import CONTAINER, DEPLOYMENT, LabSettings

# The lesson's versions: what each tag says on its page.
VERSIONS = {"latest": "", "1.0.0": "!!! Hola is new version !!!"}
MISSING_TAG = "2.0.0"
BUILD_DIR = Path(__file__).resolve().parents[2] / "build"


def kubectl(
    *args: str, input_text: str | None = None, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """kubectl as the notebook's `!kubectl` runs it (KUBECONFIG set by `settings.apply_to_kubectl()`).

    No timeout by default: `rollout status` waits as long as the Deployment's own deadline says."""
    proc = subprocess.run(
        ["kubectl", *args], input=input_text, capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise LabError(f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}", fix="read the message above")
    return proc


def get_json(*args: str) -> dict[str, Any]:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def deployment() -> dict[str, Any] | None:
    proc = kubectl("get", "deployment", DEPLOYMENT, "-o", "json", check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def write_manifest(*, settings: LabSettings, tag: str) -> Path:
    """The lesson's manifests with the image in the lab's registry, as a file `kubectl apply -f` can take."""
    path = BUILD_DIR / "manifests" / f"first-app-{settings.namespace}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifests.lesson_yaml(settings=settings, tag=tag))
    return path


def reset() -> None:
    """Delete the lesson's Deployment and Service (and so their ReplicaSets and pods) to start the lab afresh."""
    kubectl("delete", "deployment,service", DEPLOYMENT, "--ignore-not-found", "--wait=true", "--timeout=120s")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not get_json("pods", "-l", f"app={DEPLOYMENT}")["items"]:
            return
        time.sleep(0.5)
    raise LabError("old pods of first-app are still terminating after 2 minutes", fix="run the cell again")


def ensure_images(*, settings: LabSettings) -> list[str]:
    """Build and push the lesson's versions that the registry does not have yet; returns the tags pushed."""
    pushed = []
    for tag, message in VERSIONS.items():
        if not images.tag_exists(settings=settings, tag=tag):
            images.build(settings=settings, tag=tag, message=message)
            images.push(settings=settings, tag=tag, say=lambda _: None)
            pushed.append(tag)
    return pushed


def rollout_timeout() -> str:
    """A `--timeout` for `kubectl rollout status` taken from the Deployment's own progress deadline."""
    found = deployment()
    deadline = int((found or {}).get("spec", {}).get("progressDeadlineSeconds") or 600)
    return f"--timeout={deadline + 30}s"


def wait_rolled_out() -> None:
    kubectl("rollout", "status", f"deployment/{DEPLOYMENT}", rollout_timeout())


def catch_up(*, settings: LabSettings, through: str) -> None:
    """Bring the namespace to where lab `through` left it, so the next lab can run on its own.

    "02": first-app rolled from latest to 1.0.0 (revisions 1, 2). "03": then set to the missing 2.0.0
    (revision 3), without waiting for the progress deadline.
    """
    ensure_images(settings=settings)
    reset()
    kubectl("apply", "-f", str(write_manifest(settings=settings, tag="latest")))
    wait_rolled_out()
    kubectl("set", "image", f"deployment/{DEPLOYMENT}", f"{CONTAINER}={settings.image('1.0.0')}")
    wait_rolled_out()
    if through == "03":
        kubectl("set", "image", f"deployment/{DEPLOYMENT}", f"{CONTAINER}={settings.image(MISSING_TAG)}")


def pods() -> list[dict[str, Any]]:
    return get_json("pods", "-l", f"app={DEPLOYMENT}")["items"]


def history() -> list[int]:
    """The revision numbers `kubectl rollout history` lists."""
    out = kubectl("rollout", "history", f"deployment/{DEPLOYMENT}").stdout
    return [int(line.split()[0]) for line in out.splitlines() if line[:1].isdigit()]


def revision_image(revision: int) -> str:
    out = kubectl("rollout", "history", f"deployment/{DEPLOYMENT}", f"--revision={revision}").stdout
    for line in out.splitlines():
        if line.strip().startswith("Image:"):
            return line.split(":", 1)[1].strip()
    raise LabError(f"revision {revision} shows no image", fix="check `kubectl rollout history` for its number")


def strategy_manifest(*, settings: LabSettings, name: str, max_surge: str, max_unavailable: str, tag: str) -> Path:
    """The lesson's Deployment under another name, with its own labels and rolling-update bounds."""
    objects = [o for o in manifests.lesson_objects(settings=settings, tag=tag) if o["kind"] == "Deployment"]
    deployment = objects[0]
    deployment["metadata"]["name"] = name
    deployment["metadata"]["labels"] = {"app": name}
    deployment["spec"]["selector"]["matchLabels"] = {"app": name}
    deployment["spec"]["template"]["metadata"]["labels"] = {"app": name}
    # A bound is a pod count (an integer) or a percentage (a string ending in %), never a numeric string.
    bounds = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    deployment["spec"]["strategy"]["rollingUpdate"] = {k: int(v) if v.isdigit() else v for k, v in bounds.items()}
    path = BUILD_DIR / "manifests" / f"{name}-{settings.namespace}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    return path


def replicasets_of(name: str = DEPLOYMENT) -> list[dict[str, Any]]:
    return get_json("replicasets", "-l", f"app={name}")["items"]
