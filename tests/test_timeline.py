"""Timelines recorded on the sandbox (shipped in the package) read back with the numbers the lesson states."""

from importlib import resources

import pytest

from rolloutlab.recording.timeline import Timeline, image_tag, pod_state, resolve_bound

SAMPLES = resources.files("rolloutlab").joinpath("data/timelines")


def sample(name: str) -> Timeline:
    return Timeline.from_dict(__import__("json").loads(SAMPLES.joinpath(f"{name}.json").read_text()))


def test_update_peaks_at_replicas_plus_max_surge():
    """During the update at most 4 + 1 pods count for the Deployment, and at least 4 - 1 stay available."""
    timeline = sample("update")
    assert timeline.peak_desired() == 5
    assert timeline.peak_pods(count_terminating=False) == 5
    assert timeline.min_available() == 3


def test_update_moves_all_replicas_to_the_new_replicaset():
    """The new ReplicaSet grows to 4 while the old one shrinks to 0, one step at a time."""
    timeline = sample("update")
    steps = {name: timeline.replicaset_steps(name) for name in {r.name for r in timeline.replicasets}}
    grown = [s for s in steps.values() if s[-1] == 4 and len(s) > 1]
    shrunk = [s for s in steps.values() if s[-1] == 0 and len(s) > 1]
    assert len(grown) == 1
    assert len(shrunk) == 1
    assert shrunk[0] == sorted(shrunk[0], reverse=True)


def test_failed_rollout_freezes_with_two_failing_and_three_serving():
    """A missing tag: 5 pods at the end, 2 in ImagePullBackOff, 3 Ready, and ProgressDeadlineExceeded."""
    timeline = sample("failed")
    end = timeline.state_counts(timeline.end)
    assert (sum(end.values()), end["ImagePullBackOff"], end["Ready"]) == (5, 2, 3)
    assert {"ErrImagePull", "ImagePullBackOff"} <= timeline.states_seen()
    reasons = [(kind, reason) for _, kind, _, reason in timeline.condition_changes()]
    assert ("Progressing", "ProgressDeadlineExceeded") in reasons
    assert timeline.min_available() == 3


def test_rollback_reuses_revision_two_as_four():
    """After `undo`, the ReplicaSet that was revision 2 (1.0.0) reports revision 4; revision 3 stays 2.0.0."""
    timeline = sample("rollback")
    revisions = timeline.revision_images()
    assert image_tag(revisions[4]) == "1.0.0"
    assert image_tag(revisions[3]) == "2.0.0"
    reused = {r.name for r in timeline.replicasets if r.revision == 4} & {
        r.name for r in timeline.replicasets if r.revision == 2
    }
    assert len(reused) == 1


def test_save_and_load_round_trip(tmp_path):
    """A timeline saved as JSON loads back equal."""
    timeline = sample("failed")
    assert Timeline.load(timeline.save(tmp_path / "t.json")) == timeline


def test_unknown_format_is_refused():
    """A file of another format version is refused rather than misread."""
    with pytest.raises(ValueError, match="format"):
        Timeline.from_dict({"format": 99})


@pytest.mark.parametrize(
    ("pod", "state"),
    [
        ({"metadata": {"deletionTimestamp": "x"}, "status": {"phase": "Running"}}, "Terminating"),
        ({"spec": {}, "status": {"phase": "Pending"}}, "Pending"),
        ({"spec": {"nodeName": "n"}, "status": {"phase": "Pending", "containerStatuses": [
            {"state": {"waiting": {"reason": "ContainerCreating"}}}]}}, "ContainerCreating"),
        ({"spec": {"nodeName": "n"}, "status": {"phase": "Pending", "containerStatuses": [
            {"state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}, "ImagePullBackOff"),
        ({"spec": {"nodeName": "n"}, "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "False"}]}}, "Running-not-ready"),
        ({"spec": {"nodeName": "n"}, "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True"}]}}, "Ready"),
    ],
)  # fmt: skip
def test_pod_state_names(pod, state):
    """Pods are classified with the names the lesson uses."""
    assert pod_state(pod) == state


def test_bounds_round_as_kubernetes_does():
    """maxSurge rounds up, maxUnavailable rounds down: 25% of 4 is 1 and 1, of 10 is 3 and 2."""
    assert resolve_bound("25%", replicas=4, round_up=True) == 1
    assert resolve_bound("25%", replicas=4, round_up=False) == 1
    assert resolve_bound("25%", replicas=10, round_up=True) == 3
    assert resolve_bound("25%", replicas=10, round_up=False) == 2
    assert resolve_bound(2, replicas=10, round_up=False) == 2


def test_a_stuck_rollouts_back_offs_and_events_do_not_hold_up_the_end_of_a_recording():
    """A recording stops once nothing but pull back-offs and events come in for `settle` seconds: a stuck rollout
    produces those forever. They are still recorded."""
    import threading
    import time

    from kubernetes import client

    from rolloutlab.recording.record import Recorder

    recorder = Recorder(namespace="lab", deployment="first-app", api=client.ApiClient())

    def pod(reason: str) -> dict:
        return {"metadata": {"name": "first-app-abc-1", "ownerReferences": [{"kind": "ReplicaSet", "name": "abc"}]},
                "spec": {"nodeName": "node-1", "containers": [{"image": "r/first-app:2.0.0"}]},
                "status": {"phase": "Pending",
                           "containerStatuses": [{"state": {"waiting": {"reason": reason}}}]}}  # fmt: skip

    def back_off() -> client.CoreV1Event:
        return client.CoreV1Event(involved_object=client.V1ObjectReference(kind="Pod", name="first-app-abc-1"),
                                  metadata=client.V1ObjectMeta(name="e"), reason="BackOff", type="Normal",
                                  message="Back-off pulling image")  # fmt: skip

    recorder._on_pod("ADDED", pod("ContainerCreating"), 0.0)
    done = threading.Event()

    def stuck() -> None:
        reasons = ["ErrImagePull", "ImagePullBackOff"]
        while not done.is_set():
            recorder._on_pod("MODIFIED", pod(reasons[0]), 0.0)
            recorder._on_event("ADDED", back_off(), 0.0)
            reasons.reverse()
            time.sleep(0.1)

    feeder = threading.Thread(target=stuck, daemon=True)
    feeder.start()
    started = time.monotonic()
    timeline = recorder.stop(settle=1.0, max_wait=60.0)
    took = time.monotonic() - started
    done.set()
    feeder.join()
    assert took < 30  # 60 s had each back-off counted as a change
    assert {p.state for p in timeline.pods} >= {"ContainerCreating", "ErrImagePull", "ImagePullBackOff"}
    assert any(e.reason == "BackOff" for e in timeline.events)
