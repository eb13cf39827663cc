"""The lesson's checks as pure functions: each takes what was read (`observe.Seen`, a Timeline, a page) and says
what it sees and, when it is wrong, the likely mistake. No cluster here, so every message is unit-tested."""

from __future__ import annotations

from typing import Any

from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.recording.timeline import PULL_ERRORS, Timeline, image_tag, pod_state, resolve_bound

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def template_image(deployment: dict[str, Any]) -> str:
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def revisions(seen: Seen) -> dict[int, dict[str, Any]]:
    """Revision number -> its ReplicaSet, as `kubectl rollout history` lists them."""
    found = {}
    for rs in seen.replicasets:
        number = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION)
        if number and number.isdigit():
            found[int(number)] = rs
    return dict(sorted(found.items()))


def _tags(seen: Seen) -> str:
    if seen.tags is None:
        return "the registry does not answer"
    return f"the registry has {', '.join(seen.tags) or 'no tag'}"


def placement(seen: Seen, *, what: str) -> Check | None:
    """A failing Check when kubectl points elsewhere or the Deployment is not in the lab's namespace."""
    if seen.current_context != seen.lab_context:
        return Check(what, False, f"kubectl now uses context {seen.current_context!r}, not the lab's "
                     f"{seen.lab_context!r}. Switch back: "
                     f"`kubectl config use-context {seen.lab_context}`.")  # fmt: skip
    if seen.deployment is None:
        if seen.elsewhere:
            return Check(what, False, f"no Deployment first-app in your namespace {seen.namespace!r}, but there is "
                         f"one in {', '.join(seen.elsewhere)}: drop the `-n`/`--namespace` you typed.")  # fmt: skip
        return Check(what, False, f"there is no Deployment first-app in namespace {seen.namespace!r}: nothing "
                     "done yet? Run the step's command (or the cells above it) first.")  # fmt: skip
    return None


def _image_problem(seen: Seen, *, want: str, tag: str) -> Check | None:
    assert seen.deployment is not None
    image = template_image(seen.deployment)
    if image == want:
        return None
    base, _, typed = image.rpartition(":")
    if base == seen.image_base and seen.tags is not None and typed not in seen.tags:
        return Check("rollout", False, f"the Deployment asks for tag {typed!r}, which is not in the registry "
                     f"({_tags(seen)}): check the tag you typed after `first-app-k8s=` "
                     f"(expected {tag!r}).")  # fmt: skip
    if base != seen.image_base:
        return Check("rollout", False, f"the Deployment asks for image {image}, not {want}: check the registry "
                     f"and repository part of the name ({seen.image_base}).")  # fmt: skip
    return Check("rollout", False, f"the Deployment runs tag {typed!r}, not {tag!r}: nothing changed yet? If "
                 "kubectl said `unable to find container named`, the name before `=` must be the container's, "
                 "first-app-k8s.")  # fmt: skip


def rolled_out(seen: Seen, *, tag: str) -> Check:
    """The Deployment's template runs `tag` and the rollout to it finished."""
    wrong = placement(seen, what="rollout") or _image_problem(seen, want=f"{seen.image_base}:{tag}", tag=tag)
    if wrong:
        return wrong
    assert seen.deployment is not None
    spec, status = seen.deployment["spec"], seen.deployment.get("status") or {}
    replicas = spec.get("replicas", 1)
    updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
    if updated != replicas or available != replicas or status.get("replicas", 0) != replicas:
        reason = {c["type"]: c.get("reason") for c in status.get("conditions") or []}.get("Progressing")
        if reason == "ProgressDeadlineExceeded":
            return Check("rollout", False, f"the rollout to {tag} failed (progress deadline exceeded): look at the "
                         "pods' STATUS with `kubectl get pods`.")  # fmt: skip
        return Check("rollout", False, f"the rollout is still running ({updated} of {replicas} updated, "
                     f"{available} available): wait for `kubectl rollout status`, then check again.")  # fmt: skip
    return Check("rollout", True, f"all {replicas} replicas run {tag} and are available")


def container_answer(seen: Seen, *, answer: str | None) -> Check:
    """The container name the student found is the one in the Deployment's pod template."""
    wrong = placement(seen, what="container")
    if wrong:
        return wrong
    assert seen.deployment is not None
    names = [c["name"] for c in seen.deployment["spec"]["template"]["spec"]["containers"]]
    if not answer:
        return Check("container", False, "you have not written the container's name yet: read it with the "
                     "jsonpath command, then set `container = \"...\"`.")  # fmt: skip
    if answer.strip() not in names:
        return Check("container", False, f"{answer.strip()!r} is not a container of first-app. Did you give the "
                     "Deployment's name or the image's? The jsonpath `.spec.template.spec.containers[*].name` "
                     "prints it.")  # fmt: skip
    return Check("container", True, f"the container is {answer.strip()}: `set image` names it before the `=`")


def scaled(seen: Seen, *, replicas: int, history: list[int]) -> Check:
    """Scaled to `replicas` without a new revision: scaling is not a rollout."""
    wrong = placement(seen, what="scale")
    if wrong:
        return wrong
    assert seen.deployment is not None
    have = seen.deployment["spec"].get("replicas")
    if have != replicas:
        return Check("scale", False, f"first-app asks for {have} replicas, not {replicas}: nothing done yet? "
                     f"`kubectl scale deployment/first-app --replicas={replicas}`.")  # fmt: skip
    found = list(revisions(seen))
    if found != history:
        return Check("scale", False, f"the history lists revisions {found}, expected {history}: a command other "
                     "than `scale` changed the pod template. Start the lab again from the top.")  # fmt: skip
    ready = (seen.deployment.get("status") or {}).get("availableReplicas", 0)
    if ready != replicas:
        return Check("scale", False, f"{ready} of {replicas} replicas are available: wait a few seconds.")
    return Check("scale", True, f"{replicas} replicas, revisions still {found}: scaling made no new revision")


def failed_rollout(seen: Seen, *, tag: str, pods_total: int, failing: int, serving: int) -> Check:
    """A stuck rollout: `failing` new pods cannot pull `tag`, `serving` old ones stay Ready behind the Service,
    and the Deployment is marked failed once its progress deadline passed."""
    wrong = placement(seen, what="failed rollout") or _image_problem(seen, want=f"{seen.image_base}:{tag}", tag=tag)
    if wrong and "not in the registry" not in wrong.message:
        return wrong
    assert seen.deployment is not None
    spec = seen.deployment["spec"]
    replicas = spec["replicas"]
    rolling = spec["strategy"]["rollingUpdate"]
    surge = resolve_bound(rolling["maxSurge"], replicas=replicas, round_up=True)
    unavailable = resolve_bound(rolling["maxUnavailable"], replicas=replicas, round_up=False)
    pods = [p for p in seen.pods if not p["metadata"].get("deletionTimestamp")]
    new = [p for p in pods if p["spec"]["containers"][0]["image"] == f"{seen.image_base}:{tag}"]
    pulling = [p for p in new if pod_state(p) in PULL_ERRORS]
    ready_old = [p for p in pods if p not in new and pod_state(p) == "Ready"]
    why = (f"{replicas} replicas + maxSurge {surge} allow {replicas + surge} pods; replicas - maxUnavailable "
           f"{unavailable} must stay available: {replicas - unavailable} old pods keep serving")  # fmt: skip
    if (len(pods), len(pulling), len(ready_old)) != (pods_total, failing, serving):
        return Check("failed rollout", False, f"expected {pods_total} pods ({failing} failing to pull {tag}, "
                     f"{serving} old Ready), found {len(pods)} ({len(pulling)} failing, {len(ready_old)} Ready). "
                     f"If the new pods are still being created, wait a few seconds. ({why})")  # fmt: skip
    ready = sum(1 for s in seen.slices for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready"))
    if ready != serving:
        return Check("failed rollout", False, f"the Service first-app has {ready} ready endpoints, expected "
                     f"{serving}: is it applied (`kubectl get service first-app`)?")  # fmt: skip
    conditions = {c["type"]: c for c in (seen.deployment.get("status") or {}).get("conditions") or []}
    if conditions.get("Progressing", {}).get("reason") != "ProgressDeadlineExceeded":
        deadline = spec.get("progressDeadlineSeconds", 600)
        return Check("failed rollout", False, "the pods look as expected but the rollout is not marked failed "
                     f"yet: it will be after {deadline} s without progress (progressDeadlineSeconds).")  # fmt: skip
    return Check("failed rollout", True, f"{len(pods)} pods: {failing} in {pod_state(pulling[0])}, {serving} old "
                 f"ones Ready behind the Service; {why}")  # fmt: skip


def waiting_reason(seen: Seen, *, answer: str | None) -> Check:
    """The reason the student read for the failing pods is the one their container status gives."""
    reasons = sorted({pod_state(p) for p in seen.pods if pod_state(p) in PULL_ERRORS})
    if not reasons:
        return Check("reason", False, "no pod of first-app is failing to pull its image right now: run the "
                     "`set image 2.0.0` step first.")  # fmt: skip
    if not answer:
        return Check("reason", False, "you have not written the reason yet: it is in the STATUS column of "
                     "`kubectl get pods`, and in the events of `kubectl describe pod`.")  # fmt: skip
    if answer.strip() not in PULL_ERRORS:
        return Check("reason", False, f"{answer.strip()!r} is not what the failing pods show: their STATUS is "
                     f"one of {', '.join(PULL_ERRORS)}, alternating while the kubelet retries.")  # fmt: skip
    return Check("reason", True, f"{answer.strip()}: the kubelet cannot pull the image, and retries ever more slowly")


def history(seen: Seen, *, runs: dict[int, str]) -> Check:
    """`kubectl rollout history` lists exactly the revisions of `runs`, each with its tag."""
    wrong = placement(seen, what="history")
    if wrong:
        return wrong
    found = revisions(seen)
    if list(found) != list(runs):
        return Check("history", False, f"the history lists revisions {list(found)}, expected {list(runs)}. An "
                     "undo to another revision, or an extra command? Start the lab again from the top, or "
                     "`lab.solve(...)` the step.")  # fmt: skip
    for number, tag in runs.items():
        have = image_tag(template_image(found[number]))
        if have != tag:
            return Check("history", False, f"revision {number} runs {have}, expected {tag}.")
    listed = ", ".join(f"{n} ({t})" for n, t in runs.items())
    return Check("history", True, f"revisions {listed}")


def undone_to(seen: Seen, *, tag: str, runs: dict[int, str]) -> Check:
    """An undo that ended on `tag` with the history `runs`; a wrong `--to-revision` is named."""
    wrong = placement(seen, what="undo")
    if wrong:
        return wrong
    assert seen.deployment is not None
    now = image_tag(template_image(seen.deployment))
    if now != tag:
        found = revisions(seen)
        latest = list(found)[-1] if found else None
        return Check("undo", False, f"the Deployment runs {now} (revision {latest}), not {tag}: an undo to the "
                     "wrong revision, or none yet? `kubectl rollout history deployment/first-app "
                     "--revision=N` shows each revision's image.")  # fmt: skip
    done = rolled_out(seen, tag=tag)
    return done if not done.ok else history(seen, runs=runs)


def revision_answer(seen: Seen, *, revision: int, answer: str | None) -> Check:
    found = revisions(seen)
    if revision not in found:
        return Check("revision", False, f"there is no revision {revision} (the history has {list(found)}).")
    tag = image_tag(template_image(found[revision]))
    if not answer:
        return Check("revision", False, f"you have not written revision {revision}'s tag yet: "
                     f"`kubectl rollout history deployment/first-app --revision={revision}`.")  # fmt: skip
    if answer.strip() != tag:
        return Check("revision", False, f"revision {revision} does not run {answer.strip()!r}: read the Image "
                     f"line of `kubectl rollout history deployment/first-app --revision={revision}`.")  # fmt: skip
    return Check("revision", True, f"revision {revision} runs {tag}")


def replicaset_sizes(seen: Seen, *, desired: list[int]) -> Check:
    wrong = placement(seen, what="replicasets")
    if wrong:
        return wrong
    found = sorted(rs["spec"]["replicas"] for rs in seen.replicasets)
    if found != desired:
        return Check("replicasets", False, f"the ReplicaSets of first-app ask for {found} pods, expected "
                     f"{desired}: has the rollout finished (`kubectl rollout status`)?")  # fmt: skip
    return Check("replicasets", True, f"ReplicaSets at {found}: the old one is kept at 0 for a rollback")


def change_cause(seen: Seen) -> Check:
    """The current revision carries a cause written for it, not one copied from the revision before."""
    wrong = placement(seen, what="change-cause")
    if wrong:
        return wrong
    found = revisions(seen)
    if not found:
        return Check("change-cause", False, "first-app has no revision yet: deploy it first.")
    causes = {n: ((rs.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE) for n, rs in found.items()}
    current = max(found)
    cause = causes.pop(current)
    if not cause:
        return Check("change-cause", False, f"the current revision ({current}) has no CHANGE-CAUSE: `kubectl "
                     f"annotate deployment/first-app {CHANGE_CAUSE}=\"...\"`.")  # fmt: skip
    copied = [n for n, c in causes.items() if c == cause]
    if copied:
        return Check("change-cause", False, f"revision {current} carries revision {copied[0]}'s cause {cause!r}: the "
                     "annotation stays on the Deployment and is copied to each new revision until you change it. "
                     "Annotate again, with why this change was made (add `--overwrite`).")  # fmt: skip
    return Check("change-cause", True, f"revision {current}: {cause!r}")


def trimmed(seen: Seen, *, kept: list[int], gone: int) -> Check:
    """revisionHistoryLimit deleted revision `gone`'s ReplicaSet; only `kept` remain."""
    wrong = placement(seen, what="history limit")
    if wrong:
        return wrong
    found = list(revisions(seen))
    if gone in found:
        return Check("history limit", False, f"revision {gone}'s ReplicaSet is still there (revisions {found}): set "
                     "revisionHistoryLimit to 1, then make a third pod template.")  # fmt: skip
    if found != kept:
        return Check("history limit", False, f"the history lists {found}, expected {kept}.")
    return Check("history limit", True, f"revision {gone}'s ReplicaSet was deleted; kept: {found}")


def deleted(seen: Seen, *, service_left: bool) -> Check:
    left = [kind for kind, there in (("Deployment", seen.deployment is not None), ("Service", service_left)) if there]
    if left:
        return Check("clean up", False, f"first-app's {' and '.join(left)} still exist: "
                     "`kubectl delete deployment,service first-app`.")  # fmt: skip
    running = [p["metadata"]["name"] for p in seen.pods]
    if running:
        return Check("clean up", False, f"{len(running)} pods are still terminating: check again in a few seconds.")
    return Check("clean up", True, "the Deployment, its ReplicaSets, its pods and the Service are gone")


def new_tag_pushed(*, before: list[str], now: list[str] | None, built: list[str]) -> Check:
    """A tag the registry did not have when the lab started is there now; `built` are tags Docker has."""
    if now is None:
        return Check("push", False, "the registry does not answer: is the sandbox up (`rolloutlab sandbox up`)?")
    new = sorted(set(now) - set(before))
    if new:
        return Check("push", True, f"new in the registry: {', '.join(new)}")
    unpushed = sorted(set(built) - set(now))
    if unpushed:
        return Check("push", False, f"Docker has {', '.join(unpushed)} built, but it is not in the registry: "
                     "`docker push` it.")  # fmt: skip
    return Check("push", False, f"no new tag in the registry (it has {', '.join(now) or 'nothing'}): nothing built "
                 "and pushed yet? A new version needs a tag that is not there yet.")  # fmt: skip


def page(body: str | None, *, url: str, text: str, version: str) -> Check:
    if body is None:
        return Check("page", False, f"nothing answers at {url}: are the pods Ready (`kubectl get pods`)?")
    if version not in body or text not in body:
        return Check("page", False, f"the page at {url} does not show version {version} with {text!r}; it says: "
                     f"{' / '.join(body.splitlines()[:3])}. Has the rollout finished?")  # fmt: skip
    return Check("page", True, f"{url} shows version {version}: {text!r}")


def prediction(timeline: Timeline | None, *, most_pods: Any, fewest_available: Any) -> Check:
    """The student's prediction of the bounds, graded against what was recorded."""
    if most_pods is None or fewest_available is None:
        return Check("prediction", False, "write your prediction first: `most_pods = ...` and "
                     "`fewest_available = ...` (whole numbers).")  # fmt: skip
    if timeline is None:
        return Check("prediction", False, "nothing recorded yet: run the recorded `set image` step first.")
    peak, least = timeline.peak_desired(), timeline.min_available()
    if (most_pods, fewest_available) == (peak, least):
        return Check("prediction", True, f"right: at most {peak} pods, never fewer than {least} available")
    return Check("prediction", False, f"you predicted at most {most_pods} pods and at least {fewest_available} "
                 f"available; the recording shows {peak} and {least}. maxSurge rounds up (25% of 5 = 1.25 -> 2), "
                 "maxUnavailable rounds down (1.25 -> 1).")  # fmt: skip


def recorded_bounds(timeline: Timeline | None, *, peak: int, min_available: int) -> Check:
    """The recorded rollout stayed within the bounds the prose states."""
    if timeline is None:
        return Check("recording", False, "nothing recorded yet: run the recorded step first.")
    seen_peak, seen_min = timeline.peak_desired(), timeline.min_available()
    if (seen_peak, seen_min) != (peak, min_available):
        return Check("recording", False, f"the recording shows at most {seen_peak} pods asked for and at least "
                     f"{seen_min} available, the lesson says {peak} and {min_available}. Was the rollout "
                     "recorded from its start?")  # fmt: skip
    return Check("recording", True, f"at most {seen_peak} pods at once, never fewer than {seen_min} available")


def kept_serving(timeline: Timeline | None, *, via: str) -> Check:
    """Every request during the recording was answered. Through a port-forward, which reaches one pod and not the
    Service's rotation, failures are the tunnel's, so they are reported but do not fail the check."""
    from rolloutlab.recording import traffic

    if timeline is None or not timeline.requests:
        return Check("serving", False, "no request was sent: nothing recorded yet, or no URL given to the recording.")
    summary = traffic.summarize(timeline.requests)
    if summary.answered == 0:
        return Check("serving", False, f"{summary}: is the Service there (`kubectl get service first-app`)?")
    if summary.failed and via == "nodeport":
        return Check("serving", False, f"{summary}. Requests failed while the rollout ran: the Service sent some "
                     "to a pod that could not answer. Check the readiness probe and the app's shutdown.")  # fmt: skip
    note = " (through a port-forward to one pod: a failure there is the tunnel's)" if summary.failed else ""
    return Check("serving", True, f"{summary}{note}")


def restarted(pod_json: dict[str, Any] | None, *, pod: str, restarts_before: int) -> Check:
    """The pod that answered /error was restarted by its kubelet and is Ready again."""
    if pod_json is None:
        return Check("restart", False, f"there is no pod {pod!r}: call /error first (the cell above).")
    statuses = (pod_json.get("status") or {}).get("containerStatuses") or [{}]
    restarts, ready = statuses[0].get("restartCount", 0), statuses[0].get("ready", False)
    if restarts <= restarts_before:
        return Check("restart", False, f"{pod} shows {restarts} restarts, as before: call /error first, then wait a "
                     "few seconds for the kubelet to notice the exit.")  # fmt: skip
    if not ready:
        return Check("restart", False, f"{pod} restarted ({restarts}) but is not Ready yet: its readiness probe must "
                     "pass first. Run this again in a few seconds.")  # fmt: skip
    return Check("restart", True, f"{pod} was restarted by its kubelet ({restarts} restart) and is Ready again")
