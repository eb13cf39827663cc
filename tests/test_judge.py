"""The lesson's checks judged on recorded cluster reads: each check's pass and each of its failure messages."""

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest

from rolloutlab.lab import judge, judge_app, judge_history
from rolloutlab.lab.observe import Seen
from rolloutlab.recording.timeline import RequestSample, Timeline

SEEN = Path(__file__).parent / "data" / "seen"


def seen(name: str, **changes: object) -> Seen:
    loaded = Seen.load(SEEN / f"{name}.json")
    return dataclasses.replace(loaded, **changes) if changes else loaded


def test_recorded_states_are_what_their_names_say():
    """The recordings hold the states the tests rely on (guards against re-recording them wrongly)."""
    assert seen("nothing-deployed").deployment is None
    assert judge.template_image(seen("stuck-on-2.0.0").deployment).endswith(":2.0.0")
    assert list(judge.revisions(seen("undone-to-1.0.0"))) == [1, 3, 4]


# -- where kubectl points -------------------------------------------------------------------------------------
def test_nothing_deployed_says_nothing_done_yet():
    """No Deployment anywhere: the check says nothing was done yet, in the lab's namespace."""
    result = judge.rolled_out(seen("nothing-deployed"), tag="latest")
    assert not result.ok
    assert "nothing done yet" in result.message
    assert "'lab'" in result.message


def test_deployment_in_another_namespace_is_named():
    """The Deployment exists only in another namespace: the check names it and blames the `-n` typed."""
    result = judge.rolled_out(seen("nothing-deployed", elsewhere=["default"]), tag="latest")
    assert not result.ok
    assert "one in default" in result.message
    assert "--namespace" in result.message


def test_switched_context_is_caught_first():
    """kubectl switched to another context: the check says which, and how to switch back."""
    result = judge.rolled_out(seen("rolled-to-1.0.0", current_context="kind-kind"), tag="1.0.0")
    assert not result.ok
    assert "'kind-kind'" in result.message
    assert "kubectl config use-context" in result.message


# -- set image -------------------------------------------------------------------------------------------------
def test_rolled_out_passes_when_every_replica_runs_the_tag():
    """Rolled to 1.0.0 and finished: OK with the replica count."""
    result = judge.rolled_out(seen("rolled-to-1.0.0"), tag="1.0.0")
    assert result.ok
    assert "all 4 replicas run 1.0.0" in result.message


def test_a_deployment_made_another_way_is_told_what_the_lesson_needs():
    """`kubectl create deployment` passes the rollout check but has no readiness probe and no Service: 02.1 names
    what is missing (the Service first waited for, as its EndpointSlice may come a moment late)."""
    state = seen("deployed-latest")
    assert judge.lesson_shaped(state).ok
    created = copy.deepcopy(state.deployment)
    del created["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    result = judge.lesson_shaped(dataclasses.replace(state, deployment=created))
    assert not result.ok
    assert "no readiness probe" in result.message
    result = judge.lesson_shaped(dataclasses.replace(state, slices=[]))
    assert not result.ok
    assert "no Service first-app" in result.message
    assert result.pending


def test_a_mistyped_tag_names_the_tag_and_the_registry_tags():
    """`set image` with 1.0.1: the message names the typed tag, the expected one and the tags that exist."""
    result = judge.rolled_out(seen("typed-1.0.1"), tag="1.0.0")
    assert not result.ok
    assert "'1.0.1', which is not in the registry" in result.message
    assert "latest" in result.message
    assert "1.0.0" in result.message
    assert "(expected '1.0.0')" in result.message


def test_unchanged_image_hints_at_a_wrong_container_name():
    """Still on latest: nothing changed, and a wrong container name is the likely cause."""
    result = judge.rolled_out(seen("deployed-latest"), tag="1.0.0")
    assert not result.ok
    assert "nothing changed yet" in result.message
    assert "unable to find container" in result.message


def test_another_registry_in_the_image_is_named():
    """An image from another registry (docker.io, as in the course notes) is named as such."""
    state = seen("rolled-to-1.0.0")
    deployment = copy.deepcopy(state.deployment)
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "rhannachi1991/first-app-k8s:1.0.0"
    result = judge.rolled_out(dataclasses.replace(state, deployment=deployment), tag="1.0.0")
    assert not result.ok
    assert "registry and repository" in result.message


def test_a_rollout_still_running_says_wait():
    """Template right but replicas not all updated: wait for rollout status."""
    state = seen("rolled-to-1.0.0")
    deployment = copy.deepcopy(state.deployment)
    deployment["status"]["updatedReplicas"] = 2
    result = judge.rolled_out(dataclasses.replace(state, deployment=deployment), tag="1.0.0")
    assert not result.ok
    assert "still running (2 of 4 updated" in result.message


def test_a_failed_rollout_is_not_a_finished_one():
    """Stuck on 2.0.0: the rollout check says it failed and where to look."""
    result = judge.rolled_out(seen("stuck-on-2.0.0"), tag="2.0.0")
    assert not result.ok
    assert "progress deadline exceeded" in result.message


# -- container name --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "ok", "words"),
    [
        ("first-app-k8s", True, "the container is first-app-k8s"),
        ("", False, "not written the container's name"),
        ("first-app", False, "'first-app' is not a container"),
    ],
)
def test_container_answer(answer: str, ok: bool, words: str):
    """The container name is judged against the Deployment's template: right, missing, or the Deployment's name."""
    result = judge.container_answer(seen("deployed-latest"), answer=answer)
    assert result.ok is ok
    assert words in result.message


# -- scale, failed rollout, reason ----------------------------------------------------------------------------
def test_scaled_without_a_new_revision():
    """Scaled to 5: OK, and the history is unchanged; before scaling, the count is named."""
    assert judge.scaled(seen("scaled-to-5"), replicas=5, history=[1, 2]).ok
    result = judge.scaled(seen("rolled-to-1.0.0"), replicas=5, history=[1, 2])
    assert not result.ok
    assert "asks for 4 replicas, not 5" in result.message
    result = judge.scaled(seen("scaled-to-5"), replicas=5, history=[1, 2, 3])
    assert not result.ok
    assert "changed the pod template" in result.message


def test_scaled_down_while_the_status_still_counts_the_old_pods_is_pending():
    """Scaled to 7 then to 5: `rollout status` may return while the status still counts 7 available; the check
    reads again instead of failing (a CI run failed 03.1 on "7 of 5 replicas are available")."""
    later = copy.deepcopy(seen("scaled-to-5").deployment)
    assert later is not None
    later["status"]["availableReplicas"] = 7
    result = judge.scaled(seen("scaled-to-5", deployment=later), replicas=5, history=[1, 2])
    assert not result.ok
    assert result.pending
    assert "7 of 5 replicas are available" in result.message


def test_failed_rollout_counts_pods_endpoints_and_the_deadline():
    """Stuck with 5 replicas: 7 pods, 3 failing, 4 serving behind the Service, deadline exceeded."""
    result = judge.failed_rollout(seen("stuck-on-2.0.0"), tag="2.0.0", pods_total=7, failing=3, serving=4)
    assert result.ok, result.message
    assert "maxSurge 2 allow 7 pods" in result.message


def test_a_rollout_stuck_on_a_mistyped_missing_tag_passes_and_names_what_was_typed():
    """`2.0` typed for `2.0.0`: a tag the registry lacks too, so the rollout sticks the same way. The check counts
    the template's pods and says both tags (it waited forever on pods of 2.0.0 before); while the prediction is
    pending, a count that is not there yet gives no number away."""
    stuck = json.loads(json.dumps(dataclasses.asdict(seen("stuck-on-2.0.0"))).replace(":2.0.0", ":2.0"))
    typo = dataclasses.replace(seen("stuck-on-2.0.0"), deployment=stuck["deployment"], pods=stuck["pods"],
                               replicasets=stuck["replicasets"])  # fmt: skip
    result = judge.failed_rollout(typo, tag="2.0.0", pods_total=7, failing=3, serving=4)
    assert result.ok, result.message
    assert "you typed 2.0, the lesson 2.0.0" in result.message
    early = judge.failed_rollout(typo, tag="2.0.0", pods_total=5, failing=2, serving=3, reveal=False)
    assert not early.ok
    assert not re.search(r"\d+ pods|\(\d", early.message), early.message


def test_failed_rollout_with_other_counts_explains_the_bounds():
    """Counts that differ from the expected ones are named with the bounds that explain them."""
    result = judge.failed_rollout(seen("stuck-on-2.0.0"), tag="2.0.0", pods_total=5, failing=2, serving=3)
    assert not result.ok
    assert "found 7 (3 failing, 4 Ready)" in result.message


def test_failed_rollout_before_the_deadline_says_it_will_be_marked():
    """Pods as expected but the condition not yet ProgressDeadlineExceeded: say when it will be."""
    state = seen("stuck-on-2.0.0")
    deployment = copy.deepcopy(state.deployment)
    for condition in deployment["status"]["conditions"]:
        if condition["type"] == "Progressing":
            condition["reason"] = "ReplicaSetUpdated"
    result = judge.failed_rollout(dataclasses.replace(state, deployment=deployment), tag="2.0.0", pods_total=7,
                                  failing=3, serving=4)  # fmt: skip
    assert not result.ok
    assert "not marked failed yet" in result.message


def test_failed_rollout_of_a_recreate_deployment_is_a_line_not_a_keyerror():
    """A student who switched the Deployment to `strategy: Recreate` is told so by the check (it had no
    rollingUpdate bounds to read, and raised KeyError into the cell)."""
    state = seen("stuck-on-2.0.0")
    deployment = copy.deepcopy(state.deployment)
    deployment["spec"]["strategy"] = {"type": "Recreate"}
    result = judge.failed_rollout(dataclasses.replace(state, deployment=deployment), tag="2.0.0", pods_total=7,
                                  failing=3, serving=4)  # fmt: skip
    assert not result.ok
    assert "strategy is Recreate" in result.message


def test_failed_rollout_without_the_service_says_so():
    """No ready endpoint (the Service missing): the check asks whether it is applied."""
    result = judge.failed_rollout(seen("stuck-on-2.0.0", slices=[]), tag="2.0.0", pods_total=7, failing=3,
                                  serving=4)  # fmt: skip
    assert not result.ok
    assert "0 ready endpoints" in result.message


@pytest.mark.parametrize(
    ("state", "answer", "ok", "words"),
    [
        ("stuck-on-2.0.0", "ImagePullBackOff", True, "cannot pull the image"),
        ("stuck-on-2.0.0", "ErrImagePull", True, "cannot pull the image"),
        ("stuck-on-2.0.0", "", False, "not written the reason"),
        ("stuck-on-2.0.0", "CrashLoopBackOff", False, "'CrashLoopBackOff' is not what"),
        ("rolled-to-1.0.0", "ImagePullBackOff", False, "no pod of first-app is failing"),
    ],
)
def test_waiting_reason(state: str, answer: str, ok: bool, words: str):
    """The reason read for the failing pods: either pull error passes; empty, wrong, or too early fail."""
    result = judge.waiting_reason(seen(state), answer=answer)
    assert result.ok is ok
    assert words in result.message


# -- undo and history ------------------------------------------------------------------------------------------
def test_undo_passes_with_the_reused_revision():
    """Undone to 1.0.0: revisions 1, 3, 4, revision 2 reused as 4."""
    result = judge_history.undone_to(seen("undone-to-1.0.0"), tag="1.0.0", runs={1: "latest", 3: "2.0.0", 4: "1.0.0"})
    assert result.ok, result.message


def test_undo_to_the_wrong_revision_names_what_runs():
    """Expected latest after --to-revision=1 but 1.0.0 runs: the message names the tag and its revision."""
    result = judge_history.undone_to(seen("undone-to-1.0.0"), tag="latest", runs={3: "2.0.0", 4: "1.0.0", 5: "latest"})
    assert not result.ok
    assert "runs 1.0.0 (revision 4), not latest" in result.message


def test_history_with_other_revisions_passes_and_says_which():
    """A history that went another way is the student's path, not a failure: the check passes and lists both
    what `rollout history` shows and what the text shows."""
    result = judge_history.history(seen("undone-to-1.0.0"), runs={1: "latest", 2: "1.0.0"})
    assert result.ok
    assert (
        "your history lists revisions 1 (latest), 3 (2.0.0), 4 (1.0.0) where the text shows 1 (latest), 2 (1.0.0)"
        in (result.message)
    )
    assert judge_history.history(seen("undone-to-1.0.0"), runs={1: "latest", 3: "2.0.0", 4: "1.0.0"}).message == (
        "revisions 1 (latest), 3 (2.0.0), 4 (1.0.0)"
    )


def test_an_undo_after_a_detour_passes_when_the_right_tag_runs():
    """Undone to 1.0.0 by another path (a different history): the undo's outcome is the lesson's, so it passes,
    saying whose history the next cells show."""
    result = judge_history.undone_to(seen("undone-to-1.0.0"), tag="1.0.0", runs={1: "latest", 2: "2.0.0", 5: "1.0.0"})
    assert result.ok, result.message
    assert "where the text shows 1 (latest), 2 (2.0.0), 5 (1.0.0)" in result.message


@pytest.mark.parametrize(
    ("revision", "answer", "ok", "words"),
    [(3, "2.0.0", True, "revision 3 runs 2.0.0"), (3, "", False, "not written"), (3, "1.0.0", False,
     "does not run '1.0.0'"), (2, "1.0.0", False, "there is no revision 2")],
)  # fmt: skip
def test_revision_answer(revision: int, answer: str, ok: bool, words: str):
    """The tag read for a revision: right, missing, wrong, or a revision that no longer exists."""
    result = judge_history.revision_answer(seen("undone-to-1.0.0"), revision=revision, answer=answer)
    assert result.ok is ok
    assert words in result.message


def test_pods_on_current_passes_on_the_lessons_outcome():
    """After set image: the current revision's ReplicaSet holds the 4 replicas, the old one 0; stuck, it fails."""
    result = judge.pods_on_current(seen("rolled-to-1.0.0"), in_prose=2)
    assert result.ok
    assert result.message == ("revision 2's ReplicaSet holds the 4 replicas; the older ones are kept at 0 for a "
                              "rollback")  # fmt: skip
    result = judge.pods_on_current(seen("stuck-on-2.0.0"), in_prose=3)
    assert not result.ok
    assert "has the rollout finished" in result.message


def with_a_detour(state: Seen) -> Seen:
    """`state` (rolled to 1.0.0) as if a `set image` to the missing tag 1.0 had come first: a third ReplicaSet at 0,
    revision 2, and the 1.0.0 one at revision 3."""
    sets = copy.deepcopy(state.replicasets)
    current = next(rs for rs in sets if rs["spec"]["replicas"])
    detour = copy.deepcopy(current)
    detour["metadata"]["name"] += "-detour"
    detour["metadata"]["annotations"][judge.REVISION] = "2"
    detour["spec"]["replicas"] = 0
    detour["spec"]["template"]["spec"]["containers"][0]["image"] = "localhost:5001/first-app-k8s:1.0"
    current["metadata"]["annotations"][judge.REVISION] = "3"
    deployment = copy.deepcopy(state.deployment)
    deployment["metadata"]["annotations"][judge.REVISION] = "3"
    return dataclasses.replace(state, replicasets=[*sets, detour], deployment=deployment)


def test_a_detour_that_left_a_third_replicaset_passes_and_says_what_differs():
    """The issue's false failure: a missing tag typed, then the right one. The outcome is the lesson's, so the
    check passes, and it says why `rollout history` shows 3 revisions where the text shows 2."""
    result = judge.pods_on_current(with_a_detour(seen("rolled-to-1.0.0")), in_prose=2)
    assert result.ok, result.message
    assert "revision 3's ReplicaSet holds the 4 replicas" in result.message
    assert "revisions 1 (latest), 2 (1.0), 3 (1.0.0), where the text shows 2" in result.message


def test_an_old_replicaset_that_still_has_pods_fails():
    """A detour's ReplicaSet still holding a pod (the rollout not finished) is not the outcome."""
    state = with_a_detour(seen("rolled-to-1.0.0"))
    next(rs for rs in state.replicasets if rs["metadata"]["name"].endswith("-detour"))["spec"]["replicas"] = 1
    assert not judge.pods_on_current(state, in_prose=2).ok


def test_closest_tags_are_the_nearest_by_edit_distance():
    """A typo's neighbours come first, at most five, whatever leftovers the registry holds."""
    leftovers = [f"1.1.{n}" for n in range(1, 9)] + [f"2.0.{n}" for n in range(1, 8)] + ["latest", "reuse-demo"]
    assert judge.closest_tags("1.0", ["1.0.0", *leftovers])[:1] == ["1.0.0"]
    assert len(judge.closest_tags("1.0", ["1.0.0", *leftovers])) == 5
    assert judge.closest_tags("latset", leftovers)[0] == "latest"


def test_a_missing_tag_names_its_closest_neighbours_and_the_count():
    """Among 19 tags, the message names the 5 nearest to the one typed, not all of them, and says where the tag
    goes: after the `:`."""
    leftovers = [f"1.1.{n}" for n in range(1, 9)] + [f"2.0.{n}" for n in range(1, 8)] + ["reuse-demo"]
    state = seen("typed-1.0.1", tags=["latest", "1.0.0", *leftovers])
    result = judge.rolled_out(state, tag="1.0.0")
    assert not result.ok
    assert "the registry has 18 tags, the closest: 1.0.0, " in result.message
    assert "reuse-demo" not in result.message
    assert "the tag you typed after the `:`" in result.message


def test_the_wrong_container_hint_does_not_give_away_step_02_2():
    """Still on latest after `set image` with a wrong container: the hint points to step 02.2, not to the name."""
    result = judge.rolled_out(seen("deployed-latest"), tag="1.0.0")
    assert "the name you found in step 02.2" in result.message
    assert "first-app-k8s" not in result.message.replace("first-app-k8s:", "")


# -- change-cause, history limit, delete ----------------------------------------------------------------------
def _with_causes(state: Seen, causes: dict[int, str | None]) -> Seen:
    sets = copy.deepcopy(state.replicasets)
    for rs in sets:
        number = int(rs["metadata"]["annotations"][judge.REVISION])
        rs["metadata"]["annotations"].pop(judge.CHANGE_CAUSE, None)
        if causes.get(number):
            rs["metadata"]["annotations"][judge.CHANGE_CAUSE] = causes[number]
    return dataclasses.replace(state, replicasets=sets)


def test_change_cause():
    """A cause of its own passes; none, or the previous revision's copied cause, fail with what to do."""
    state = seen("rolled-to-1.0.0")
    assert judge_history.change_cause(_with_causes(state, {1: "first", 2: "why 1.0.0"})).ok
    result = judge_history.change_cause(_with_causes(state, {1: "first"}))
    assert not result.ok
    assert "has no CHANGE-CAUSE" in result.message
    result = judge_history.change_cause(_with_causes(state, {1: "first", 2: "first"}))
    assert not result.ok
    assert "carries revision 1's cause 'first'" in result.message
    assert "no `--overwrite` needed" in result.message  # kubectl exempts change-cause from --overwrite


def test_trimmed():
    """revisionHistoryLimit: OK when the trimmed revision is gone; otherwise it is named."""
    state = seen("undone-to-1.0.0")
    result = judge_history.trimmed(state, kept=[3, 4], gone=1)
    assert not result.ok
    assert "revision 1's ReplicaSet is still there" in result.message
    kept = [rs for rs in state.replicasets if rs["metadata"]["annotations"][judge.REVISION] != "1"]
    assert judge_history.trimmed(dataclasses.replace(state, replicasets=kept), kept=[3, 4], gone=1).ok
    assert not judge_history.trimmed(dataclasses.replace(state, replicasets=kept), kept=[4], gone=1).ok


def test_a_limit_lowered_with_no_new_template_is_not_yet_trimmed():
    """A history that already looks trimmed, with the limit lowered but no ReplicaSet deleted while the step was
    recorded (no third template yet), fails and says to make one; once the recording saw one deleted, it passes."""
    state = seen("undone-to-1.0.0")
    kept = [rs for rs in state.replicasets if rs["metadata"]["annotations"][judge.REVISION] != "1"]
    looks_trimmed = dataclasses.replace(state, replicasets=kept)
    waiting = judge_history.trimmed(looks_trimmed, kept=[3, 4], gone=1, deleted=[])
    assert not waiting.ok
    assert "GREETING=third" in waiting.message
    assert judge_history.trimmed(looks_trimmed, kept=[3, 4], gone=1, deleted=[1]).ok
    assert judge_history.trimmed(looks_trimmed, kept=[3, 4], gone=1, deleted=None).ok


def test_a_trimmed_history_on_other_numbers_is_judged_by_its_limit():
    """A path with more revisions than the text's keeps other numbers: with revisionHistoryLimit 1 and only the
    current revision and one before it, 05.4 passes and says so; without the limit, the oldest one is named."""
    state = renumbered("undone-to-1.0.0", {"latest": 1, "2.0.0": 5, "1.0.0": 6})
    two = [rs for rs in state.replicasets if rs["metadata"]["annotations"][judge.REVISION] != "1"]
    limited = {**state.deployment, "spec": {**state.deployment["spec"], "revisionHistoryLimit": 1}}
    result = judge_history.trimmed(dataclasses.replace(state, replicasets=two, deployment=limited), kept=[3, 4], gone=2)
    assert result.ok, result.message
    assert "keeps 5, 6 where the text keeps 3, 4" in result.message
    unlimited = judge_history.trimmed(state, kept=[3, 4], gone=2)
    assert not unlimited.ok
    assert "revision 1's ReplicaSet is still there" in unlimited.message


def test_deleted():
    """Clean-up: what is left is named (one kind in the singular); pods still terminating say wait; all gone
    passes."""
    result = judge.deleted(seen("rolled-to-1.0.0"), service_left=True)
    assert not result.ok
    assert "Deployment and Service still exist" in result.message
    only = judge.deleted(seen("rolled-to-1.0.0", deployment=None), service_left=True).message
    assert only.startswith("first-app's Service still exists: ")  # one kind left: singular, and named
    result = judge.deleted(seen("rolled-to-1.0.0", deployment=None), service_left=False)
    assert not result.ok
    assert "still terminating" in result.message
    assert result.pending
    assert result.pending_for >= 30
    assert judge.deleted(seen("nothing-deployed"), service_left=False).ok


# -- build and push, page, recordings --------------------------------------------------------------------------
def test_new_tag_pushed():
    """A new tag passes; built but not pushed, nothing new, or no registry, each fail with their own message."""
    assert judge_app.new_tag_pushed(before=["latest"], now=["latest", "1.1.0"], built=[]).ok
    result = judge_app.new_tag_pushed(before=["latest"], now=["latest"], built=["latest", "1.1.0"])
    assert not result.ok
    assert "1.1.0 built, but it is not in the registry" in result.message
    result = judge_app.new_tag_pushed(before=["latest"], now=["latest"], built=["latest"])
    assert not result.ok
    assert "no new tag" in result.message
    result = judge_app.new_tag_pushed(before=["latest"], now=None, built=[])
    assert not result.ok
    assert "does not answer" in result.message


def test_page():
    """The page must show the version and its message; nothing answering is said as such."""
    url = "http://127.0.0.1:30000"
    assert judge_app.page("version 1.0.0\n!!! Hola !!!", url=url, text="!!! Hola !!!", version="1.0.0").ok
    assert "does not show" in judge_app.page("version latest", url=url, text="!!! Hola !!!", version="1.0.0").message
    assert "nothing answers" in judge_app.page(None, url=url, text="x", version="1.0.0").message


def test_a_page_from_a_pod_on_its_way_out_is_read_again():
    """Right after `rollout status`, kube-proxy may still send the request to an old pod (seen in the stuck-student
    run: 'Version: latest / Served by pod: first-app-6b4b699fd-4qwsw'): that is pending, read again; a page of the
    wrong version from one of the current pods fails at once."""
    url = "http://127.0.0.1:30000"
    current = frozenset({"first-app-7c9-new1", "first-app-7c9-new2"})
    old = "Version: latest\nServed by pod: first-app-6b4-old1"
    result = judge_app.page(old, url=url, text="", version="1.1.1", current_pods=current)
    assert not result.ok
    assert result.pending
    assert "first-app-6b4-old1" in result.message
    wrong = judge_app.page("Version: 1.1.0\nServed by pod: first-app-7c9-new1", url=url, text="", version="1.1.1",
                           current_pods=current)  # fmt: skip
    assert not wrong.ok
    assert not wrong.pending
    state = seen("rolled-to-1.0.0")
    pods = judge.current_pods(state)
    assert len(pods) == 4
    assert pods == {p["metadata"]["name"] for p in state.pods if not p["metadata"].get("deletionTimestamp")}


def _timeline(peak: int, least: int, requests: list[RequestSample] | None = None) -> Timeline:
    from rolloutlab.recording.timeline import DeploymentSample, ReplicaSetSample

    t = Timeline(namespace="lab", deployment="first-app", started_at=0.0)
    t.replicasets.append(ReplicaSetSample(t=0.0, name="a", revision=1, image="x:1", desired=peak, current=0,
                                          ready=0, available=0))  # fmt: skip
    # A ReplicaSet made while it recorded: the recording saw a rollout (it asks for no pod, so the peak stays).
    t.replicasets.append(ReplicaSetSample(t=2.0, name="b", revision=2, image="x:2", desired=0, current=0, ready=0,
                                          available=0))  # fmt: skip
    for at, available in ((0.0, 5), (1.0, least)):
        t.deployments.append(DeploymentSample(t=at, replicas=5, updated=0, ready=available, available=available,
                                              unavailable=5 - available, revision=1, image="x:1", max_surge=2,
                                              max_unavailable=1, progress_deadline=60, conditions={}))  # fmt: skip
    t.requests.extend(requests or [])
    return t


def test_prediction():
    """The prediction is graded against the recording; missing numbers or recording are named."""
    assert judge_app.prediction(_timeline(7, 4), most_pods=7, fewest_available=4).ok
    result = judge_app.prediction(_timeline(7, 4), most_pods=6, fewest_available=4)
    assert not result.ok
    assert "you predicted at most 6" in result.message
    assert "rounds up" in result.message
    assert "write your prediction" in judge_app.prediction(_timeline(7, 4), most_pods=None, fewest_available=4).message
    assert "nothing recorded" in judge_app.prediction(None, most_pods=7, fewest_available=4).message


def test_a_prediction_written_as_text_is_graded_as_numbers():
    """ "7" and " 4 " are the counts 7 and 4, graded as such; words are told to be whole numbers, not graded wrong
    with a message that shows the same numbers as the recording's."""
    assert judge_app.prediction(_timeline(7, 4), most_pods="7", fewest_available=" 4 ").ok
    assert judge_app.prediction(_timeline(7, 4), most_pods=7.0, fewest_available=4).ok
    words = judge_app.prediction(_timeline(7, 4), most_pods="seven", fewest_available=4)
    assert not words.ok
    assert "whole number" in words.message
    assert not judge_app.prediction(_timeline(7, 4), most_pods=True, fewest_available=4).ok


def test_a_recording_that_missed_the_rollout_says_so_instead_of_none():
    """A recording started again after a kernel restart, while the rollout was already stuck, saw no rollout from a
    full Deployment: the prediction and the bounds say what to do, never 'the recording shows 7 and None'."""
    late = _timeline(7, 4)
    late.replicasets = late.replicasets[:1]
    late.deployments = [dataclasses.replace(d, available=4) for d in late.deployments]
    for result in (judge_app.prediction(late, most_pods=7, fewest_available=4),
                   judge_app.recorded_bounds(late, peak=7, min_available=4)):  # fmt: skip
        assert not result.ok
        assert "did not see the rollout from its start" in result.message
        assert "None" not in result.message


def test_recorded_bounds():
    """Bounds as the prose says pass; others are named; no recording says so."""
    assert judge_app.recorded_bounds(_timeline(5, 3), peak=5, min_available=3).ok
    assert "shows at most 6" in judge_app.recorded_bounds(_timeline(6, 3), peak=5, min_available=3).message
    assert "nothing recorded" in judge_app.recorded_bounds(None, peak=5, min_available=3).message


def test_kept_serving():
    """All answered by two pods through the NodePort passes; a failure fails; through a port-forward (one pod, not
    the Service) it fails whatever the answers; answers that name no pod prove nothing."""
    ok = [RequestSample(t=0.1, version="1.0.0", pod="first-app-a"), RequestSample(t=0.15, version="1.0.0",
                                                                                 pod="first-app-b")]  # fmt: skip
    bad = RequestSample(t=0.2, version=None, error="ConnectionError")
    assert judge_app.kept_serving(_timeline(5, 3, ok), via="nodeport").ok
    assert not judge_app.kept_serving(_timeline(5, 3, [*ok, bad]), via="nodeport").ok
    forwarded = judge_app.kept_serving(_timeline(5, 3, ok), via="port-forward")
    assert not forwarded.ok
    assert "reaches one pod and not the Service" in forwarded.message
    unnamed = judge_app.kept_serving(_timeline(5, 3, [RequestSample(t=0.1, version="1.0.0")]), via="nodeport")
    assert not unnamed.ok
    assert "no answer named the pod" in unnamed.message
    assert "no request was sent" in judge_app.kept_serving(_timeline(5, 3), via="nodeport").message
    assert "0 answered" in judge_app.kept_serving(_timeline(5, 3, [bad]), via="nodeport").message


def test_node_addresses_prefers_ready_workers():
    """The NodePort is tried on Ready nodes' InternalIPs, workers before the control plane; NotReady ones never."""
    from rolloutlab.recording import traffic

    def node(name: str, ip: str, *, ready: str = "True", plane: bool = False) -> dict:
        labels = {"node-role.kubernetes.io/control-plane": ""} if plane else {}
        return {"metadata": {"name": name, "labels": labels},
                "status": {"conditions": [{"type": "Ready", "status": ready}],
                           "addresses": [{"type": "InternalIP", "address": ip},
                                         {"type": "Hostname", "address": name}]}}  # fmt: skip

    nodes = {"items": [node("cp", "172.18.0.2", plane=True), node("w2", "172.18.0.4", ready="False"),
                       node("w1", "172.18.0.3")]}  # fmt: skip
    assert traffic.node_addresses(nodes) == ["172.18.0.3", "172.18.0.2"]


def test_kept_serving_needs_answers_from_more_than_one_pod():
    """Through the NodePort, answers that all name one pod say nothing of the Service: the check fails; answers
    from two pods pass and are counted."""
    one = [RequestSample(t=i / 10, version="1.0.0", pod="first-app-a") for i in range(20)]
    alone = judge_app.kept_serving(_timeline(5, 3, one), via="nodeport")
    assert not alone.ok
    assert "every answer came from one pod, first-app-a" in alone.message
    two = [*one, RequestSample(t=3.0, version="1.0.0", pod="first-app-b")]
    assert judge_app.kept_serving(_timeline(5, 3, two), via="nodeport").ok
    assert judge_app.kept_serving(_timeline(5, 3, two), via="nodeport").message.endswith("; answered by 2 pods")


def test_restarted():
    """After /error: restarted and Ready passes; no pod, no restart yet, or not Ready yet fail."""

    def pod(restarts: int, ready: bool) -> dict:
        return {"status": {"containerStatuses": [{"restartCount": restarts, "ready": ready}]}}

    assert judge_app.restarted(pod(1, True), pod="p", restarts_before=0).ok
    assert "no pod 'p'" in judge_app.restarted(None, pod="p", restarts_before=0).message
    assert "as before" in judge_app.restarted(pod(0, True), pod="p", restarts_before=0).message
    assert "not Ready yet" in judge_app.restarted(pod(1, False), pod="p", restarts_before=0).message


def renumbered(name: str, numbers: dict[str, int]) -> Seen:
    """A recorded state whose ReplicaSets carry other revision numbers, by the tag each runs: another path's history."""
    state = seen(name)
    replicasets = copy.deepcopy(state.replicasets)
    for rs in replicasets:
        rs["metadata"]["annotations"][judge.REVISION] = str(numbers[judge.image_tag(judge.template_image(rs))])
    return dataclasses.replace(state, replicasets=replicasets)


H_SWAPPED = {3: "2.0.0", 6: "1.0.0", 7: "latest"}


@pytest.mark.parametrize(
    ("numbers", "ok", "words"),
    [({"2.0.0": 3, "1.0.0": 6, "latest": 7}, True, "revisions 3 (2.0.0), 6 (1.0.0), 7 (latest)"),
     # An extra undo and its fix in 04.1 shifted every number by two: the same two undos, on the student's numbers.
     ({"2.0.0": 5, "1.0.0": 8, "latest": 9}, True, "the two undos swapped your last two revisions"),
     # Before the step (after --to-revision=1), on both paths: the undos have not run yet.
     ({"2.0.0": 3, "1.0.0": 4, "latest": 5}, False, "the text's lists 3 (2.0.0), 6 (1.0.0), 7 (latest)"),
     ({"2.0.0": 5, "1.0.0": 6, "latest": 7}, False, "Run the two undos"),
     # One undo only: 1.0.0 is the newest.
     ({"2.0.0": 3, "latest": 5, "1.0.0": 6}, False, "Run the two undos")],
)  # fmt: skip
def test_two_undos_are_judged_on_the_students_own_numbers(numbers: dict[str, int], ok: bool, words: str):
    """04.4 judges what the two undos did (the last two revisions swapped), whatever numbers an earlier detour left;
    the state before them, or after one, fails."""
    result = judge_history.swapped(renumbered("undone-to-1.0.0", numbers), runs=H_SWAPPED)
    assert result.ok is ok, result.message
    assert words in result.message


def test_a_revision_question_means_the_texts_revision_on_the_students_path():
    """04.2 asks for "revision 3"; after an extra undo and its fix the stuck 2.0.0 is revision 5: the answer the text
    asks for passes, and the check says which number it is on the student's cluster."""
    state = renumbered("undone-to-1.0.0", {"latest": 1, "2.0.0": 5, "1.0.0": 6})
    text = {1: "latest", 3: "2.0.0", 4: "1.0.0"}
    result = judge_history.revision_answer(state, revision=3, answer="2.0.0", runs=text)
    assert result.ok, result.message
    assert "the text's revision 3 is revision 5 on your cluster" in result.message
    wrong = judge_history.revision_answer(state, revision=3, answer="1.0.0", runs=text)
    assert not wrong.ok
    assert "--revision=5" in wrong.message


def test_the_revision_that_runs_a_tag_is_the_students_number_or_the_texts():
    """04.6 asks which revision runs the fix: the student's own number passes, so does the text's where an extra
    undo renumbered the history (the check says theirs); another number, or words, fail and say why."""
    text_path = seen("undone-to-1.0.0")
    assert judge_history.revision_of(text_path, tag="1.0.0", answer=4, text_revision=4).ok
    assert judge_history.revision_of(text_path, tag="1.0.0", answer=" 4 ", text_revision=4).ok
    wrong = judge_history.revision_of(text_path, tag="1.0.0", answer=3, text_revision=4)
    assert not wrong.ok
    assert "revision 3 does not run 1.0.0" in wrong.message
    other_path = renumbered("undone-to-1.0.0", {"latest": 1, "2.0.0": 5, "1.0.0": 6})
    theirs = judge_history.revision_of(other_path, tag="1.0.0", answer=6, text_revision=4)
    assert theirs.ok
    assert "the last revision listed is the current one" in theirs.message
    texts = judge_history.revision_of(other_path, tag="1.0.0", answer=4, text_revision=4)
    assert texts.ok
    assert "the text's revision 4 is revision 6 on your cluster" in texts.message
    assert "whole number" in judge_history.revision_of(other_path, tag="1.0.0", answer="six", text_revision=4).message
    assert "not written" in judge_history.revision_of(other_path, tag="1.0.0", answer="", text_revision=4).message
    assert "no revision runs 9.9.9" in judge_history.revision_of(text_path, tag="9.9.9", answer=4,
                                                                  text_revision=4).message  # fmt: skip


def test_the_history_predicted_before_the_undo_is_graded_on_what_the_cluster_lists():
    """04.0: [1, 3, 4], written as a list or as text, is right once the undo is seen; [1, 2, 3, 4] is wrong and the
    line says why (revision 2's ReplicaSet reused as 4); before the undo, or unwritten, the line says what to do
    first; an answer changed since the recording started is a second try; a student gone further (an extra undo)
    passes with their own list too."""
    after = seen("undone-to-1.0.0")
    for answer in ([1, 3, 4], (1, 3, 4), "1, 3, 4", "[1 3 4]", ["1", "3", "4"]):
        graded = judge_history.predicted_history(after, undone=True, answer=answer, first=None, text=[1, 3, 4])
        assert graded.ok, (answer, graded.message)
    wrong = judge_history.predicted_history(after, undone=True, answer=[1, 2, 3, 4], first=None, text=[1, 3, 4])
    assert not wrong.ok
    assert "reused revision 2's" in wrong.message
    assert (
        "write your prediction first"
        in judge_history.predicted_history(after, undone=True, answer=None, first=None, text=[1, 3, 4]).message
    )
    early = judge_history.predicted_history(after, undone=False, answer=[1, 3, 4], first=None, text=[1, 3, 4])
    assert not early.ok
    assert "no undo seen yet" in early.message
    assert (
        "list of whole numbers"
        in judge_history.predicted_history(
            after, undone=True, answer="one three four", first=None, text=[1, 3, 4]
        ).message
    )
    second = judge_history.predicted_history(after, undone=True, answer=[1, 3, 4], first=[1, 2, 3, 4],
                                             text=[1, 3, 4])  # fmt: skip
    assert second.ok
    assert "second try" in second.message
    assert "1, 2, 3, 4" in second.message
    same = judge_history.predicted_history(after, undone=True, answer="1, 3, 4", first=[1, 3, 4], text=[1, 3, 4])
    assert "second try" not in same.message
    further = renumbered("undone-to-1.0.0", {"latest": 1, "2.0.0": 5, "1.0.0": 6})
    theirs = judge_history.predicted_history(further, undone=True, answer=[1, 5, 6], first=None, text=[1, 3, 4])
    assert theirs.ok
    assert "1, 5, 6" in theirs.message
    assert "[" not in theirs.message


def test_the_history_limits_prediction_is_graded_on_the_replicasets_the_recording_saw_deleted():
    """05.6: the revision predicted to go is graded against the ReplicaSets deleted while 05.7 was recorded (the
    text's 2, or another number on the student's own path); a wrong answer then hears the rule; nothing deleted
    yet is not graded; a changed answer is a second try."""
    ok = judge_history.predicted_trim(deleted=[2], answer=2, first=None, text=2)
    assert ok.ok
    assert "lowest number" in ok.message
    assert judge_history.predicted_trim(deleted=[2], answer=" 2 ", first=None, text=2).ok
    wrong = judge_history.predicted_trim(deleted=[2], answer=3, first=None, text=2)
    assert not wrong.ok
    assert "not the oldest object" in wrong.message
    early = judge_history.predicted_trim(deleted=[], answer=2, first=None, text=2)
    assert not early.ok
    assert "05.7" in early.message
    assert not judge_history.predicted_trim(deleted=None, answer=2, first=None, text=2).ok
    assert "write your prediction first" in judge_history.predicted_trim(deleted=[2], answer=None, first=None,
                                                                         text=2).message  # fmt: skip
    assert "whole number" in judge_history.predicted_trim(deleted=[2], answer="two", first=None, text=2).message
    for answer in (4, 2):  # their own number, or the text's on a path that numbered it otherwise
        theirs = judge_history.predicted_trim(deleted=[4], answer=answer, first=None, text=2)
        assert theirs.ok
        assert "on your cluster, revision 4" in theirs.message
    assert not judge_history.predicted_trim(deleted=[4], answer=3, first=None, text=2).ok
    second = judge_history.predicted_trim(deleted=[2], answer=2, first=3, text=2)
    assert second.ok
    assert "second try" in second.message
    assert "second try" not in judge_history.predicted_trim(deleted=[2], answer="2", first=2, text=2).message


def test_the_version_read_on_the_page_is_the_one_it_shows_and_a_wrong_one_is_not_told_it():
    """05.5: the student's version matches the page's Version line; a wrong one is refused without naming the
    right one; no answer, no page, or a page without a version each say so."""
    body = "first-app\nVersion: latest\nServed by pod: first-app-abc"
    url = "http://127.0.0.1:30080/"
    assert judge_app.page_version(body, url=url, answer="latest").ok
    assert judge_app.page_version(body, url=url, answer=" latest ").ok
    assert judge_app.page_version(body, url=url, answer="Version: latest").ok  # the whole line, as read
    wrong = judge_app.page_version(body, url=url, answer="1.0.0")
    assert not wrong.ok
    assert "latest" not in wrong.message
    assert "version_on_page" in judge_app.page_version(body, url=url, answer=None).message
    assert "nothing answers" in judge_app.page_version(None, url=url, answer="latest").message
    assert not judge_app.page_version("hello", url=url, answer="latest").ok


def test_the_separate_deletes_step_names_both_commands_when_something_is_left():
    """05.8 teaches one kind at a time: what is left is deleted with one command per kind; 05.9 names the single
    command."""
    deployed = seen("deployed-latest")
    apart = judge.deleted(deployed, service_left=True, one_command=False)
    assert not apart.ok
    assert "`kubectl delete service first-app`" in apart.message
    assert "deployment,service" in judge.deleted(deployed, service_left=True).message
    going = copy.deepcopy(deployed.deployment)
    going["metadata"]["deletionTimestamp"] = "2026-12-05T08:00:00Z"
    being = judge.deleted(dataclasses.replace(deployed, deployment=going), service_left=False)
    assert (being.ok, being.pending) == (False, True)  # read again, not a blind wait on what nobody deletes
    assert not judge.deleted(deployed, service_left=False).pending


# -- waiting as `kubectl rollout status` does ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "expected"),
    [("deployed-latest", "done"), ("rolled-to-1.0.0", "done"), ("scaled-to-5", "done"), ("undone-to-1.0.0", "done"),
     ("stuck-on-2.0.0", "failed"), ("typed-1.0.1", "waiting")],
)  # fmt: skip
def test_rollout_status_decides_as_kubectl_does(state, expected):
    """One read of the Deployment says what `kubectl rollout status` would: done, still waiting, or failed at its
    progress deadline."""
    from rolloutlab.lab import helpers

    assert helpers.rollout_status(seen(state).deployment) == expected


def test_a_change_not_yet_observed_or_old_pods_still_going_is_waiting():
    """A spec the controller has not seen yet, old pods still terminating, or updated pods not yet available: all
    waiting, as kubectl says."""
    from rolloutlab.lab import helpers

    done = seen("rolled-to-1.0.0").deployment
    unseen = copy.deepcopy(done)
    unseen["metadata"]["generation"] += 1
    old_left = copy.deepcopy(done)
    old_left["status"]["replicas"] += 1
    unavailable = copy.deepcopy(done)
    unavailable["status"]["availableReplicas"] -= 1
    assert [helpers.rollout_status(d) for d in (unseen, old_left, unavailable)] == ["waiting"] * 3


def test_answers_are_read_as_a_student_writes_them():
    """A reason in other case or spacing is the reason; a full image name answers with its tag; a container name
    with capitals is told that Kubernetes names are lowercase, not asked whether it is the Deployment's name."""
    stuck = seen("stuck-on-2.0.0")
    for typed in ("imagepullbackoff ", "Image Pull Back-Off", "errimagepull"):
        assert judge.waiting_reason(stuck, answer=typed).ok, typed
    assert not judge.waiting_reason(stuck, answer="CrashLoopBackOff").ok
    state = seen("undone-to-1.0.0")
    text = {1: "latest", 3: "2.0.0", 4: "1.0.0"}
    full = judge_history.revision_answer(state, revision=3, answer="localhost:5001/first-app-k8s:2.0.0", runs=text)
    assert full.ok, full.message
    assert "follows the image's last `:`" in full.message
    assert not judge_history.revision_answer(state, revision=3, answer="localhost:5001/first-app-k8s:1.0.0").ok
    capitals = judge.container_answer(seen("deployed-latest"), answer="First-App-K8s")
    assert not capitals.ok
    assert "lowercase" in capitals.message


def test_a_prediction_changed_after_the_rollout_began_is_a_second_try():
    """The prediction kept when the recording started is the first try: the same answer now is graded as usual; a
    changed one is graded as a second try, and the line says so and names the first, which stays on record."""
    same = judge_app.prediction(_timeline(7, 4), most_pods=7, fewest_available=4,
                                first={"most_pods": "7", "fewest_available": 4})  # fmt: skip
    assert same.ok
    assert "second try" not in same.message
    changed = judge_app.prediction(_timeline(7, 4), most_pods=7, fewest_available=4,
                                   first={"most_pods": 6, "fewest_available": 4})  # fmt: skip
    assert changed.ok
    assert "your prediction before the rollout was 6 and 4" in changed.message
    assert "second try" in changed.message
    assert "second try. R" in changed.message, changed.message
    assert "second try:" not in changed.message  # its grade is a sentence of its own, not a chain of colons


def test_a_stuck_rollout_gives_no_count_while_its_prediction_waits():
    """03.3 passes on the stuck rollout without naming the counts or the bounds 03.2 asks for (7 pods, 4 available)
    until that prediction was graded; then it says them."""
    stuck = seen("stuck-on-2.0.0")
    hidden = judge.failed_rollout(stuck, tag="2.0.0", pods_total=7, failing=3, serving=4, reveal=False)
    assert hidden.ok, hidden.message
    assert not any(word in hidden.message for word in ("7", "4 ", "maxSurge", "maxUnavailable"))
    shown = judge.failed_rollout(stuck, tag="2.0.0", pods_total=7, failing=3, serving=4, reveal=True)
    assert "7 pods" in shown.message
    assert "maxSurge" in shown.message


def moved_away(tag: str) -> Seen:
    """The Deployment rolled to 1.0.0 (revision 4), then back to `latest` by one undo too many (revision 5)."""
    state = renumbered("undone-to-1.0.0", {"2.0.0": 3, "1.0.0": 4, "latest": 5})
    deployment = copy.deepcopy(state.deployment)
    assert deployment is not None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["image"] = container["image"].rpartition(":")[0] + f":{tag}"
    return dataclasses.replace(state, deployment=deployment)


def test_a_tag_rolled_out_then_left_by_a_later_rollout_is_said_so():
    """04.5 after one undo too many: the check names the revision that ran the tag and how to go back to it, not
    a wrong container name; 04.6's answer, that revision, passes without calling it the current one."""
    left = judge.rolled_out(moved_away("latest"), tag="1.0.0")
    assert not left.ok
    assert "revision 4 ran '1.0.0'" in left.message
    assert "--to-revision=4" in left.message
    assert "container" not in left.message
    found = judge_history.revision_of(moved_away("latest"), tag="1.0.0", answer=4, text_revision=4)
    assert found.ok
    assert "no longer the current one: revision 5, the last listed, runs latest" in found.message
    assert "the last revision listed is the current one" not in found.message


def test_one_undo_too_many_is_among_the_causes_an_undo_check_names():
    """04.1 run twice: the Deployment is back on 2.0.0, and the check names a second undo as a likely cause."""
    result = judge_history.undone_to(moved_away("2.0.0"), tag="1.0.0", runs=None)
    assert not result.ok
    assert "one `rollout undo` too many" in result.message
