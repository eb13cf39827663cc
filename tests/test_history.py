"""A recording graded as a path (history.py): the lesson's bounds at every instant and each lab's expected path,
on recordings of the labs' own runs (tests/data/recordings) and on histories built to break them."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from rolloutlab.lab import exercises
from rolloutlab.recording import history
from rolloutlab.recording.timeline import DeploymentSample, ReplicaSetSample, RequestSample, Timeline

RECORDINGS = Path(__file__).parent / "data" / "recordings"
BASE = "localhost:5001/first-app-k8s"


def recorded(name: str) -> Timeline:
    return Timeline.from_dict(json.loads(gzip.open(RECORDINGS / f"{name}.json.gz").read()))


def built(
    deployments: list[tuple[float, int, str, int, int]],
    sets: list[tuple[float, str, str, int, int]],
    *,
    surge: int = 1,
    unavailable: int = 1,
) -> Timeline:
    """A history by hand: Deployment samples (t, replicas, tag, revision, available) and ReplicaSet samples
    (t, name, tag, desired, revision)."""
    return Timeline(namespace="ns", deployment="first-app", started_at=0.0,
                    deployments=[DeploymentSample(t=t, replicas=n, updated=a, ready=a, available=a, unavailable=n - a,
                                                  revision=rev, image=f"{BASE}:{tag}", max_surge=surge,
                                                  max_unavailable=unavailable, progress_deadline=600, conditions={})
                                 for t, n, tag, rev, a in deployments],
                    replicasets=[ReplicaSetSample(t=t, name=name, revision=rev, image=f"{BASE}:{tag}", desired=d,
                                                  current=d, ready=d, available=d)
                                 for t, name, tag, d, rev in sets])  # fmt: skip


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("02-set-image", "landed on revision 2: a new ReplicaSet"),
        ("03-failed-rollout", "stuck at 3 new and 4 old pods, no request failed"),
        ("04-undo", "landed on revision 4: the ReplicaSet of revision 2, reused"),
        ("04-to-revision-1", "landed on revision 5: the ReplicaSet of revision 1, reused"),
        ("05-surge-1-unavail-0", "at most 5 pods asked for, never fewer than 4 available"),
        ("05-surge-0-unavail-1", "at most 4 pods asked for, never fewer than 3 available"),
        ("05-surge-25-unavail-25", "at most 5 pods asked for, never fewer than 3 available"),
    ],
)
def test_the_labs_recordings_pass_with_what_they_show(name, said):
    """Each lab recording of a solved run passes, and its verdict says how it ended in the lesson's terms."""
    verdict = history.judge(name, recorded(name), expected=exercises.expected(name))
    assert verdict.ok, verdict
    assert said in verdict.message
    assert "within the bounds at every instant" in verdict.message


def test_a_history_over_max_surge_fails_and_says_when():
    """One more pod asked for than replicas + maxSurge breaks the bound: the verdict fails and names the instant."""
    timeline = recorded("05-surge-1-unavail-0")
    extra = dataclasses.replace(timeline.replicasets[-1], t=timeline.end - 0.5, name="intruder", desired=2)
    timeline.replicasets.append(extra)
    verdict = history.judge("05-surge-1-unavail-0", timeline, expected=exercises.expected("05-surge-1-unavail-0"))
    assert not verdict.ok
    assert "pods were asked for; the bound is 5 (replicas + maxSurge)" in verdict.message


def test_availability_below_the_bound_fails():
    """Fewer available replicas than replicas - maxUnavailable, once all were available, fails the history."""
    timeline = built([(0, 4, "latest", 1, 4), (1, 4, "1.0.0", 2, 2), (5, 4, "1.0.0", 2, 4)],
                     [(0, "old", "latest", 4, 1), (1, "new", "1.0.0", 1, 2), (2, "old", "latest", 3, 1),
                      (3, "new", "1.0.0", 2, 2), (4, "old", "latest", 2, 1)])  # fmt: skip
    verdict = history.judge("02-set-image", timeline, expected=exercises.expected("02-set-image"))
    assert not verdict.ok
    assert "2 replicas were available; the bound is 3" in verdict.message


def test_a_scale_in_the_middle_is_described_not_failed():
    """Scaled from 4 to 6 while recording: the new pods are not yet available, which breaks no bound."""
    timeline = built([(0, 4, "latest", 1, 4), (1, 4, "1.0.0", 2, 4), (3, 6, "1.0.0", 2, 4), (6, 6, "1.0.0", 2, 6)],
                     [(0, "old", "latest", 4, 1), (1, "new", "1.0.0", 1, 2), (1.5, "old", "latest", 3, 1),
                      (2, "new", "1.0.0", 2, 2), (2.2, "old", "latest", 2, 1), (2.4, "new", "1.0.0", 3, 2),
                      (2.6, "old", "latest", 1, 1), (2.8, "new", "1.0.0", 4, 2), (2.9, "old", "latest", 0, 1),
                      (3, "new", "1.0.0", 6, 2)])  # fmt: skip
    verdict = history.judge("02-set-image", timeline, expected=exercises.expected("02-set-image"))
    assert verdict.ok, verdict
    assert "scaled 4 -> 6 at 3 s" in verdict.message


def test_two_rollouts_are_told_and_judged_by_the_last():
    """A wrong tag then the right one: two rollouts, and the verdict passes on where the last one landed."""
    timeline = built([(0, 4, "latest", 1, 4), (1, 4, "1.0", 2, 3), (4, 4, "1.1.7", 3, 3), (8, 4, "1.1.7", 3, 4)],
                     [(0, "old", "latest", 4, 1), (1, "typo", "1.0", 1, 2), (1.1, "old", "latest", 3, 1),
                      (1.2, "typo", "1.0", 2, 2), (4, "typo", "1.0", 0, 2), (4, "own", "1.1.7", 2, 3),
                      (5, "old", "latest", 2, 1), (5.5, "own", "1.1.7", 3, 3), (6, "old", "latest", 1, 1),
                      (6.5, "own", "1.1.7", 4, 3), (7, "old", "latest", 0, 1)])  # fmt: skip
    verdict = history.judge("02-set-image", timeline, expected=exercises.expected("02-set-image"))
    assert verdict.ok, verdict
    assert "2 rollouts: latest -> 1.0 -> 1.1.7" in verdict.message


def test_an_undo_to_the_wrong_revision_fails():
    """Judged as lab 04's first undo, a rollback to revision 1 is not the previous revision's ReplicaSet."""
    verdict = history.judge("04-undo", recorded("04-to-revision-1"), expected=exercises.expected("04-undo"))
    assert not verdict.ok
    assert "the rollback landed on the ReplicaSet of revision 1, not on the ReplicaSet of revision 3" in verdict.message


def test_a_failed_request_during_the_stuck_rollout_fails_lab_03():
    """Lab 03 keeps serving from the old pods: one failed request fails its history."""
    timeline = recorded("03-failed-rollout")
    timeline.requests.append(RequestSample(t=timeline.end - 1, version=None, error="connection refused"))
    verdict = history.judge("03-failed-rollout", timeline, expected=exercises.expected("03-failed-rollout"))
    assert not verdict.ok
    assert "1 request failed while the old pods" in verdict.message


def test_a_strategy_that_starts_the_wrong_way_fails():
    """With maxSurge 0 the old ReplicaSet must scale down first; a history that scales the new one up first fails."""
    timeline = built([(0, 4, "latest", 1, 4), (1, 4, "1.0.0", 2, 3), (5, 4, "1.0.0", 2, 4)],
                     [(0, "old", "latest", 4, 1), (1, "new", "1.0.0", 1, 2), (2, "old", "latest", 3, 1),
                      (3, "new", "1.0.0", 4, 2), (4, "old", "latest", 0, 1)], surge=1, unavailable=1)  # fmt: skip
    timeline.deployments[:] = [dataclasses.replace(d, max_surge=0) for d in timeline.deployments]
    verdict = history.judge("05-surge-0-unavail-1", timeline, expected=exercises.expected("05-surge-0-unavail-1"))
    assert not verdict.ok


def test_nothing_rolled_is_said():
    """A recording in which the template never changed fails with what it shows."""
    timeline = built([(0, 4, "latest", 1, 4), (5, 4, "latest", 1, 4)], [(0, "old", "latest", 4, 1)])
    verdict = history.judge("02-set-image", timeline, expected=exercises.expected("02-set-image"))
    assert not verdict.ok
    assert "nothing rolled out while it recorded (0 rollouts)" in verdict.message


def test_two_images_with_one_tag_are_described_in_full():
    """A rollout to first-app-k8s:1.1.9 (the registry forgotten), then to the registry's 1.1.9: the summary names
    both images in full, not "latest -> 1.1.9 -> 1.1.9"."""
    timeline = recorded("02-set-image")
    later = timeline.deployments[-1].image
    typo = later.split("/", 1)[-1]  # the same repository and tag, without the registry
    samples = [
        timeline.deployments[0],
        dataclasses.replace(timeline.deployments[-1], t=1.0, image=typo),
        dataclasses.replace(timeline.deployments[-1], t=2.0),
    ]
    said = history.describe(dataclasses.replace(timeline, deployments=samples))
    assert f"{typo} -> {later}" in said, said


def test_a_new_template_on_the_same_image_is_a_rollout_and_a_scale_is_not():
    """`kubectl set env` changes the pod template but not the image: the revision moves on to a new ReplicaSet,
    and the recording shows one rollout that landed there. A scale moves no revision: nothing rolled out."""
    env = built([(0, 4, "latest", 3, 4), (1, 4, "latest", 4, 3), (5, 4, "latest", 4, 4)],
                [(0, "first-app-a", "latest", 4, 3), (1, "first-app-b", "latest", 1, 4),
                 (5, "first-app-b", "latest", 4, 4), (5, "first-app-a", "latest", 0, 3)])  # fmt: skip
    verdict = history.judge("05-history-limit", env, expected=exercises.expected("05-history-limit"))
    assert verdict.ok, verdict
    assert "landed on revision 4: a new ReplicaSet" in verdict.message
    scaled = built([(0, 4, "latest", 3, 4), (1, 5, "latest", 3, 4), (5, 5, "latest", 3, 5)],
                   [(0, "first-app-a", "latest", 4, 3), (1, "first-app-a", "latest", 5, 3)])  # fmt: skip
    assert "nothing rolled out" in history.judge("x", scaled, expected=history.Expected()).message


def test_lab_05s_strategies_check_names_the_deployment_of_each_line():
    """05.1's line says which Deployment each bound is about (a student read three anonymous halves)."""
    from rolloutlab.lab import composed
    from rolloutlab.lab.reading import Reading

    names = list(composed.STRATEGY_BOUNDS)
    result = composed.strategies(Reading(timelines={f"05-{n}": recorded(f"05-{n}") for n in names}))
    assert result.ok, result.message
    assert all(f"{n}: at most" in result.message for n in names), result.message


def test_a_rollout_of_the_same_image_says_its_template_changed():
    """`set env` rolls out on the same image: the line says so rather than a puzzling "latest -> latest"."""
    env = built([(0, 4, "latest", 3, 4), (1, 4, "latest", 4, 3), (5, 4, "latest", 4, 4)],
                [(0, "first-app-a", "latest", 4, 3), (1, "first-app-b", "latest", 1, 4),
                 (5, "first-app-b", "latest", 4, 4), (5, "first-app-a", "latest", 0, 3)])  # fmt: skip
    assert "latest -> latest (the same image, another pod template)" in history.describe(env)
