"""What a lab hands on to a later step or a later lab: the tag lab 01 chose, the pod that answered /error, the tag
lab 04 fixes forward with. It lives in the student's namespace, in one ConfigMap, never in the notebook's memory:
a restarted kernel, the next lab's notebook and an instructor looking at the class all find it there.
"""

from __future__ import annotations

import json

from rolloutlab import kubectl
from rolloutlab.lab import observe
from rolloutlab.recording import stored
from rolloutlab.recording.timeline import Timeline

NAME = "rolloutlab-state"
LABELS = {"app.kubernetes.io/managed-by": "rolloutlab"}

# The keys, one per thing handed on; a lab's start writes them, its steps and checks read them.
NEW_TAG = "new-tag"  # lab 01: the tag the student builds and pushes
TAGS_AT_START = "tags-at-start"  # lab 01: the registry's tags before the student pushed, comma-separated
CRASHED_POD = "crashed-pod"  # lab 02: the pod that answered /error
FIX_TAG = "fix-tag"  # lab 04: the tag that fixes the stuck rollout forward
REUSE_TAG = "reuse-tag"  # lab 01: the tag its demonstration pushes twice, of this namespace alone
LAB = "lab"  # the lab the student started last: where `class status` looks for their progress
# "recording-<name>": RUNNING from its start until it is kept in the namespace, then KEPT. A kernel that dies in
# between loses what the recorder saw: the mark tells that apart from a recording never made.
RUNNING, KEPT = "running", "kept"


def recording_key(name: str) -> str:
    return f"recording-{name}"


# "prediction-<step>": the answers of a prediction step as they were when its recording started, before anything
# on screen could show them (JSON, with when). "graded-<step>": when its check first compared them.
def prediction_key(step: str) -> str:
    return f"prediction-{step}"


def graded_key(step: str) -> str:
    return f"graded-{step}"


def read() -> dict[str, str]:
    """The lab's state as the namespace holds it now; empty when nothing was handed on yet."""
    found = observe.get("configmap", NAME)
    return dict((found or {}).get("data") or {})


def read_in(namespace: str, *, kubeconfig: str | None, context: str | None) -> dict[str, str]:
    """The state of another namespace than the lab's own (what `validate` reads before deleting one); empty when
    there is none or it cannot be read."""
    proc = kubectl.run(["get", "configmap", NAME, "-o", "json"], kubeconfig=kubeconfig, context=context,
                       namespace=namespace, timeout=30, check=False)  # fmt: skip
    if proc.returncode != 0:
        return {}
    return dict(json.loads(proc.stdout).get("data") or {})


def pushed_tags(values: dict[str, str]) -> list[str]:
    """The tags a lab chose and pushed (its own version, its fix), which nobody else's lab uses."""
    return sorted({values[key] for key in (NEW_TAG, FIX_TAG, REUSE_TAG) if values.get(key)})


def remember(**values: str) -> None:
    """Add or replace keys (written with `_` for `-`), leaving the others as they are."""
    data = {key.replace("_", "-"): value for key, value in values.items()}
    if observe.get("configmap", NAME) is None:
        manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": NAME, "labels": LABELS},
                    "data": data}  # fmt: skip
        kubectl.run(["apply", "-f", "-"], input_text=json.dumps(manifest), check=True, timeout=30)
        return
    kubectl.run(["patch", "configmap", NAME, "--type", "merge", "-p", json.dumps({"data": data})], check=True,
                timeout=30)  # fmt: skip


def tags(value: str | None) -> list[str]:
    return [t for t in (value or "").split(",") if t]


def lost(name: str) -> bool:
    """Whether recording `name` was still running when its kernel stopped: marked running, never kept."""
    return read().get(recording_key(name)) == RUNNING


def kept_recording(name: str) -> Timeline | None:
    """The recording `name` as `keep_recording` left it in the namespace, or None (never kept, or unreadable)."""
    found = observe.get("configmap", stored.name_of(name))
    got = stored.from_configmap(found) if found else None
    return got[1] if got else None


def forget_recordings(lab: str) -> None:
    """Lab `lab` starts afresh: its recordings from an earlier attempt, kept or marked running, are not this one's
    (a check would judge yesterday's requests, a drawing show yesterday's rollout), nor its predictions."""
    names = [(configmap["metadata"].get("labels") or {}).get(stored.LABEL, "")
             for configmap in observe.items("configmaps", "-l", stored.LABEL)]  # fmt: skip
    gone = [name for name in names if name.startswith(f"{lab}-")]
    if gone:
        kubectl.run(["delete", "configmap", "--ignore-not-found", *(stored.name_of(n) for n in gone)], check=True,
                    timeout=60)  # fmt: skip
    marks = [key for key in read() if key.startswith((recording_key(f"{lab}-"), prediction_key(f"{lab}."),
                                                      graded_key(f"{lab}.")))]  # fmt: skip
    if marks:
        remember(**dict.fromkeys(marks, ""))


def keep_recording(name: str, timeline: Timeline) -> None:
    """Keep the recording in the namespace, replacing an earlier one of that name. Server-side apply: a client-side
    one would copy the whole ConfigMap into an annotation, which has a far smaller limit."""
    kubectl.run(["apply", "--server-side", "--force-conflicts", "--field-manager=rolloutlab", "-f", "-"],
                input_text=json.dumps(stored.to_configmap(name, timeline)), check=True, timeout=30)  # fmt: skip
    remember(**{recording_key(name): KEPT})
