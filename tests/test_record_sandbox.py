"""The recorder against the sandbox: a real update, failed rollout and rollback, recorded with no step missed."""

import re

import pytest

from rolloutlab import versions, waiting
from rolloutlab.course import scenarios
from rolloutlab.paths import Paths
from rolloutlab.sandbox import pause

pytestmark = pytest.mark.sandbox

SCALED = re.compile(r"Scaled (?:up|down) replica set (\S+) (?:from \d+ )?to (\d+)")


@pytest.fixture(scope="module")
def recorded(sandbox):
    """The lesson's three rollouts, recorded live on the sandbox."""
    program = pause.cached_binary(bin_dir=Paths.from_env().bin, kubernetes=versions.KUBERNETES)
    return scenarios.run_all(
        kubeconfig=str(sandbox.kubeconfig), registry=sandbox.registry, kubectl=sandbox.kubectl, program=program
    )


def test_update_peak_is_replicas_plus_max_surge(recorded):
    """A rolling update of 4 replicas (25%/25%) peaks at 5 pods: replicas + maxSurge."""
    timeline = recorded["update"]
    deployment = timeline.deployments[-1]
    assert timeline.peak_desired() == deployment.replicas + deployment.max_surge == 5
    # Pods can be one more for an instant: a new pod may be created before an old one's deletion lands.
    assert 5 <= timeline.peak_pods(count_terminating=False) <= 6
    assert timeline.min_available() >= deployment.replicas - deployment.max_unavailable


@pytest.mark.parametrize("name", ["update", "failed", "rollback"])
def test_no_replicaset_scale_step_is_missed(recorded, name):
    """Every spec change the API made to a ReplicaSet (its generation) is a step in the recording."""
    timeline = recorded[name]
    assert timeline.missed_scale_steps() == {}
    assert "watch_errors" not in timeline.meta  # a watch's end (its bookmark) once counted as an error
    assert any(len(timeline.replicaset_steps(r)) > 1 for r in {s.name for s in timeline.replicasets})


@pytest.mark.parametrize("name", ["update", "failed", "rollback"])
def test_scale_events_match_recorded_steps(recorded, name):
    """Each 'Scaled ... replica set X to N' event of the Deployment controller is a recorded step of X."""
    timeline = recorded[name]
    scaled = [SCALED.search(e.message) for e in timeline.events if e.reason == "ScalingReplicaSet"]
    assert scaled
    for match in filter(None, scaled):
        assert int(match.group(2)) in timeline.replicaset_steps(match.group(1))


def test_failed_rollout_shows_pull_errors_and_the_deadline(recorded):
    """The failed rollout's recording holds ErrImagePull/ImagePullBackOff pods and ProgressDeadlineExceeded."""
    timeline = recorded["failed"]
    assert {"ErrImagePull", "ImagePullBackOff"} & timeline.states_seen()
    reasons = {reason for _, _, _, reason in timeline.condition_changes()}
    assert "ProgressDeadlineExceeded" in reasons, timeline.meta  # what kubectl said, and whether the watch lagged
    assert any(e.reason == "Failed" and "not found" in e.message for e in timeline.events)


def test_rollback_renumbers_the_reused_replicaset(recorded):
    """During `undo` the recorder sees revision 2's ReplicaSet become revision 4."""
    timeline = recorded["rollback"]
    names_2 = {r.name for r in timeline.replicasets if r.revision == 2}
    names_4 = {r.name for r in timeline.replicasets if r.revision == 4}
    assert names_2 == names_4
    assert len(names_4) == 1


def test_live_view_redraws_while_recording(sandbox, kube):
    """With a live view, the figure is redrawn while the recording runs, not only when it stops."""
    from helpers import deployment_manifest, push_scratch_image
    from rolloutlab.recording.live import LiveView
    from rolloutlab.recording.record import record

    push_scratch_image(registry=sandbox.registry, repository="rolloutlab-tests/live", tag="1")
    frames: list[bytes] = []
    view = LiveView(every=0.5, show=frames.append)
    with record(namespace=kube.namespace, deployment="web", kubeconfig=str(sandbox.kubeconfig), live=view) as rec:
        kube(
            "apply",
            "-f",
            "-",
            input_text=deployment_manifest(name="web", image=f"{sandbox.registry}/rolloutlab-tests/live:1"),
        )
        kube("rollout", "status", "deployment/web", "--timeout=120s")
        # The rollout's changes asked for a frame; on a loaded machine the first one (matplotlib's first figure in
        # this process, loading its fonts) can take longer than this short rollout, so give it time to come.
        during = len(waiting.until(lambda: list(frames), seconds=60, every=0.2))
    assert view.error is None
    assert during >= 1
    assert len(frames) > during
    assert all(f[:4] == b"\x89PNG" for f in frames)
    assert rec.timeline.peak_pods() == 4
