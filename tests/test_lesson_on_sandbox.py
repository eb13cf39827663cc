"""The lesson's own app and manifests on the sandbox: built with Docker, pushed, rolled, served by the Service."""

import json
import uuid

import pytest

from helpers import deployment_manifest, push_scratch_image, wait_for
from rolloutlab.lab import images, observe
from rolloutlab.lab.manifests import lesson_yaml
from rolloutlab.settings import LabSettings

pytestmark = pytest.mark.sandbox


def ready_endpoints(kube) -> int:
    slices = kube.json("get", "endpointslices", "-l", "kubernetes.io/service-name=first-app")["items"]
    return sum(1 for s in slices for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready"))


def test_lesson_app_rolls_and_the_service_keeps_serving(kube, sandbox):
    """The real app image rolls out 4 ready pods behind the Service; on a missing tag 3 endpoints stay ready."""
    repository = f"rolloutlab-tests/lesson-{uuid.uuid4().hex[:6]}"
    settings = LabSettings.from_env({"LAB_REGISTRY": sandbox.registry, "LAB_REPOSITORY": repository})
    tag = f"1.0.0-t{uuid.uuid4().hex[:6]}"
    images.build(settings=settings, tag=tag, message="!!! Hola is new version !!!")
    images.push(settings=settings, tag=tag)

    kube("apply", "-f", "-", input_text=lesson_yaml(settings=settings, tag=tag))
    kube("rollout", "status", "deployment/first-app", "--timeout=120s")
    wait_for(lambda: ready_endpoints(kube) == 4, timeout=30, what="4 ready endpoints")
    name = kube("get", "deployment", "first-app", "-o", "jsonpath={.spec.template.spec.containers[*].name}").stdout
    assert name == "first-app-k8s"

    kube("patch", "deployment", "first-app", "-p", json.dumps({"spec": {"progressDeadlineSeconds": 10}}))
    kube("set", "image", "deployment/first-app", f"first-app-k8s={settings.image('2.0.0-never-pushed')}")
    status = kube("rollout", "status", "deployment/first-app", "--timeout=120s", check=False)
    assert "exceeded its progress deadline" in status.stderr
    assert ready_endpoints(kube) == 3


def test_kubectl_replaces_a_change_cause_without_overwrite_and_no_other_annotation(kube):
    """What lab 05 teaches of `kubectl annotate`: kubernetes.io/change-cause is replaced without `--overwrite`
    (kubectl exempts it), any other annotation that has a value is refused without it."""
    kube("create", "configmap", "noted", "--from-literal=x=y")
    kube("annotate", "configmap", "noted", "kubernetes.io/change-cause=first", "other=first")
    kube("annotate", "configmap", "noted", "kubernetes.io/change-cause=second")
    refused = kube("annotate", "configmap", "noted", "other=second", check=False)
    annotations = kube.json("get", "configmap", "noted")["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "second"
    assert refused.returncode != 0
    assert "--overwrite is false" in refused.stderr
    assert annotations["other"] == "first"


def test_the_lesson_state_lives_in_the_namespace(kube, sandbox, monkeypatch):
    """What a lab hands on (lab 01's tag, lab 04's fix tag) is kept in one ConfigMap of the namespace: an empty
    namespace has none, each `remember` adds to it without losing the rest, and a Lab reads its tags from it."""
    from pathlib import Path

    from rolloutlab.lab import state, student

    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    settings = LabSettings.from_env({"KUBECONFIG": str(sandbox.kubeconfig), "LAB_NAMESPACE": kube.namespace})
    settings.apply_to_kubectl()
    assert state.read() == {}
    state.remember(new_tag="1.1.7", tags_at_start="latest,1.0.0")
    state.remember(fix_tag="2.0.4")
    assert state.read() == {"new-tag": "1.1.7", "tags-at-start": "latest,1.0.0", "fix-tag": "2.0.4"}
    labels = kube.json("get", "configmap", state.NAME)["metadata"]["labels"]
    assert labels == {"app.kubernetes.io/managed-by": "rolloutlab"}
    lab = student.Lab("04", settings=settings, artifacts=Path("/nonexistent"), context="x")
    assert (lab.new_tag, lab.fix_tag) == ("1.1.7", "2.0.4")


def test_one_read_picks_out_what_kubectl_selects_by_name_and_label(kube, sandbox, monkeypatch):
    """A check's look at the cluster is one kubectl call for four kinds: it finds the Deployment by name, the
    ReplicaSets and pods by `app=first-app`, the EndpointSlices by their Service's name, exactly as `kubectl get`
    with those selectors does, and leaves another app's objects out."""
    image = push_scratch_image(registry=sandbox.registry, repository="rolloutlab-tests/seen", tag="1")
    for name in ("first-app", "other"):
        kube("apply", "-f", "-", input_text=deployment_manifest(name=name, image=image, replicas=2))
        kube("create", "service", "clusterip", name, "--tcp=80:8080")
    wait_for(lambda: len(kube.json("get", "endpointslices")["items"]) == 2, timeout=60, what="two EndpointSlices")
    wait_for(lambda: len(kube.json("get", "pods")["items"]) == 4, timeout=60, what="four pods")
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    settings = LabSettings.from_env({"KUBECONFIG": str(sandbox.kubeconfig), "LAB_NAMESPACE": kube.namespace})
    settings.apply_to_kubectl()
    found = observe.seen(settings, lab_context="lab", with_tags=False)

    def names(*args: str) -> list[str]:
        return [o["metadata"]["name"] for o in kube.json("get", *args)["items"]]

    assert found.deployment is not None
    assert found.deployment["metadata"]["name"] == "first-app"
    assert [r["metadata"]["name"] for r in found.replicasets] == names("replicasets", "-l", "app=first-app")
    assert [p["metadata"]["name"] for p in found.pods] == names("pods", "-l", "app=first-app")
    slices = names("endpointslices", "-l", "kubernetes.io/service-name=first-app")
    assert [s["metadata"]["name"] for s in found.slices] == slices
    assert (len(found.replicasets), len(found.pods), len(slices)) == (1, 2, 1)


def test_a_lab_started_afresh_forgets_its_earlier_recordings_only(kube, sandbox, monkeypatch):
    """`lab.start()` of lab 03 drops lab 03's kept recordings and their marks (a check would judge an earlier
    attempt's requests), and leaves lab 02's."""
    from rolloutlab.lab import state
    from rolloutlab.recording.timeline import RequestSample, Timeline

    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    LabSettings.from_env({"KUBECONFIG": str(sandbox.kubeconfig), "LAB_NAMESPACE": kube.namespace}).apply_to_kubectl()
    timeline = Timeline(namespace=kube.namespace, deployment="first-app", started_at=0.0,
                        requests=[RequestSample(0.1, "1.0.0")])  # fmt: skip
    for name in ("02-set-image", "03-failed-rollout"):
        state.keep_recording(name, timeline)
    state.remember(**{state.recording_key("03-failed-rollout"): state.RUNNING})
    state.forget_recordings("03")
    assert state.kept_recording("03-failed-rollout") is None
    assert state.kept_recording("02-set-image") is not None
    assert state.read()[state.recording_key("03-failed-rollout")] == ""
    assert state.read()[state.recording_key("02-set-image")] == state.KEPT
