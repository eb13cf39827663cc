"""The lesson's checks as pure functions: each takes what was read (`observe.Seen`, a Timeline, a page) and says
what it sees and, when it is wrong, the likely mistake. No cluster here, so every message is unit-tested."""

from __future__ import annotations

from typing import Any

from rolloutlab.i18n import _, ngettext
from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.recording.timeline import PULL_ERRORS, image_tag, pod_state, resolve_bound

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def current_pods(seen: Seen) -> frozenset[str]:
    """The pods of the Deployment's current template that are not on their way out."""
    if seen.deployment is None:
        return frozenset()
    image = template_image(seen.deployment)
    return frozenset(p["metadata"]["name"] for p in seen.pods if not p["metadata"].get("deletionTimestamp")
                     and p["spec"]["containers"][0]["image"] == image)  # fmt: skip


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


def closest_tags(typed: str, tags: list[str], *, most: int = 5) -> list[str]:
    """The registry's tags nearest to what was typed (edit distance, then name): a student's typo is one or two
    characters away, and a registry full of leftovers must not drown it."""
    return sorted(tags, key=lambda tag: (_distance(typed, tag), tag))[:most]


def _distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _tags(seen: Seen, *, typed: str) -> str:
    if seen.tags is None:
        return _("the registry does not answer")
    if not seen.tags:
        return _("the registry has no tag")
    near = ", ".join(closest_tags(typed, seen.tags))
    return ngettext("the registry has {count} tag: {near}", "the registry has {count} tags, the closest: {near}",
                    len(seen.tags), near=near)  # fmt: skip


def placement(seen: Seen, *, what: str) -> Check | None:
    """A failing Check when kubectl points elsewhere or the Deployment is not in the lab's namespace."""
    if seen.current_context != seen.lab_context:
        return Check(what, False, _("kubectl now uses context {current!r}, not the lab's {lab!r}. Switch back: "
                                    "`kubectl config use-context {lab}`.", current=seen.current_context,
                                    lab=seen.lab_context))  # fmt: skip
    if seen.deployment is None:
        if seen.elsewhere:
            # Other namespaces may be other students' or validate's: the one the student typed, or none of them.
            named = ", ".join(seen.elsewhere[:3]) + (", ..." if len(seen.elsewhere) > 3 else "")
            return Check(what, False, _("no Deployment first-app in your namespace {namespace!r}; there is one in "
                                        "{elsewhere}. If your command named another namespace (`-n`/`--namespace`), "
                                        "run it again without; if not, run the cells above this step again.",
                                        namespace=seen.namespace, elsewhere=named))  # fmt: skip
        return Check(what, False, _("there is no Deployment first-app in namespace {namespace!r}: nothing done yet? "
                                    "Run the step's command (or the cells above it) first.",
                                    namespace=seen.namespace))  # fmt: skip
    return None


def _image_problem(seen: Seen, *, want: str, tag: str, missing_ok: bool = False) -> Check | None:
    """Why the Deployment does not ask for `want`; with `missing_ok`, another tag the registry lacks is no
    problem (any missing tag makes a rollout fail)."""
    assert seen.deployment is not None
    image = template_image(seen.deployment)
    if image == want:
        return None
    base, _sep, typed = image.rpartition(":")
    if base == seen.image_base and seen.tags is not None and typed not in seen.tags:
        if missing_ok:
            return None
        return Check(_("rollout"), False, _("the Deployment asks for tag {typed!r}, which is not in the registry "
                                            "({tags}): check the tag you typed after the `:` (expected {tag!r}).",
                                            typed=typed, tags=_tags(seen, typed=typed), tag=tag))  # fmt: skip
    if base != seen.image_base:
        return Check(_("rollout"), False, _("the Deployment asks for image {image}, not {want}: check the registry "
                                            "and repository part of the name ({base}).", image=image, want=want,
                                            base=seen.image_base))  # fmt: skip
    found = revisions(seen)
    ran = [n for n, rs in found.items() if template_image(rs) == want]
    if ran and ran[-1] != max(found):  # the wanted tag was rolled out, and a later rollout left it
        return Check(_("rollout"), False, _("the Deployment runs tag {typed!r} (revision {current}), not {tag!r}: "
                                            "revision {ran} ran {tag!r}, and a rollout after it (one `rollout undo` "
                                            "too many?) moved the Deployment away. `kubectl rollout undo "
                                            "deployment/first-app --to-revision={ran}` goes back to it.", typed=typed,
                                            current=max(found), tag=tag, ran=ran[-1]))  # fmt: skip
    return Check(_("rollout"), False, _("the Deployment runs tag {typed!r}, not {tag!r}: nothing changed yet? If "
                                        "kubectl said `unable to find container named`, the name before `=` must be "
                                        "the container's: the name you found in step 02.2.", typed=typed,
                                        tag=tag))  # fmt: skip


def rolled_out(seen: Seen, *, tag: str) -> Check:
    """The Deployment's template runs `tag` and the rollout to it finished."""
    wrong = placement(seen, what=_("rollout")) or _image_problem(seen, want=f"{seen.image_base}:{tag}", tag=tag)
    if wrong:
        return wrong
    assert seen.deployment is not None
    spec, status = seen.deployment["spec"], seen.deployment.get("status") or {}
    replicas = spec.get("replicas", 1)
    updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
    if updated != replicas or available != replicas or status.get("replicas", 0) != replicas:
        reason = {c["type"]: c.get("reason") for c in status.get("conditions") or []}.get("Progressing")
        if reason == "ProgressDeadlineExceeded":
            return Check(_("rollout"), False, _("the rollout to {tag} failed (progress deadline exceeded): look at "
                                                "the pods' STATUS with `kubectl get pods`.", tag=tag))  # fmt: skip
        return Check(_("rollout"), False, _("the rollout is still running ({updated} of {replicas} updated, "
                                            "{available} available): wait for `kubectl rollout status`, then check "
                                            "again.", updated=updated, replicas=replicas,
                                            available=available), pending=True)  # fmt: skip
    return Check(_("rollout"), True, _("all {replicas} replicas run {tag} and are available", replicas=replicas,
                                       tag=tag))  # fmt: skip


def container_answer(seen: Seen, *, answer: str | None) -> Check:
    """The container name the student found is the one in the Deployment's pod template."""
    wrong = placement(seen, what=_("container"))
    if wrong:
        return wrong
    assert seen.deployment is not None
    names = [c["name"] for c in seen.deployment["spec"]["template"]["spec"]["containers"]]
    if not answer:
        return Check(_("container"), False, _("you have not written the container's name yet: read it with the "
                                              "jsonpath command, then set `container = \"...\"`."))  # fmt: skip
    if answer.strip() not in names and answer.strip().lower() in names:
        return Check(_("container"), False, _("{answer!r} has the right letters, but Kubernetes names are in lowercase "
                                              "and kubectl matches them exactly: write it as the jsonpath prints "
                                              "it.", answer=answer.strip()))  # fmt: skip
    if answer.strip() not in names:
        return Check(_("container"), False, _("{answer!r} is not a container of first-app. Did you give the "
                                              "Deployment's name or the image's? The jsonpath "
                                              "`.spec.template.spec.containers[*].name` prints it.",
                                              answer=answer.strip()))  # fmt: skip
    return Check(_("container"), True, _("the container is {name}: `set image` names it before the `=`",
                                         name=answer.strip()))  # fmt: skip


def scaled(seen: Seen, *, replicas: int, history: list[int]) -> Check:
    """Scaled to `replicas` without a new revision: scaling is not a rollout."""
    wrong = placement(seen, what=_("scale"))
    if wrong:
        return wrong
    assert seen.deployment is not None
    have = seen.deployment["spec"].get("replicas")
    if have != replicas:
        return Check(_("scale"), False, ngettext("first-app asks for {count} replica, not {replicas}: `kubectl scale "
                                                 "deployment/first-app --replicas={replicas}`.",
                                                 "first-app asks for {count} replicas, not {replicas}: `kubectl "
                                                 "scale deployment/first-app --replicas={replicas}`.", have or 0,
                                                 replicas=replicas))  # fmt: skip
    found = list(revisions(seen))
    if found != history:
        return Check(_("scale"), False, _("the history lists revisions {found}, expected {history}: a command other "
                                          "than `scale` changed the pod template. Start the lab again from the top.",
                                          found=found, history=history))  # fmt: skip
    ready = (seen.deployment.get("status") or {}).get("availableReplicas", 0)
    if ready != replicas:
        return Check(_("scale"), False, ngettext("{ready} of {count} replica is available: wait a few seconds.",
                                                 "{ready} of {count} replicas are available: wait a few seconds.",
                                                 replicas, ready=ready), pending=True)  # fmt: skip
    return Check(_("scale"), True, _("{replicas} replicas, revisions still {found}: scaling made no new revision",
                                     replicas=replicas, found=found))  # fmt: skip


def failed_rollout(seen: Seen, *, tag: str, pods_total: int, failing: int, serving: int, reveal: bool = True) -> Check:
    """A stuck rollout: `failing` new pods cannot pull `tag`, `serving` old ones stay Ready behind the Service,
    and the Deployment is marked failed once its progress deadline passed. Without `reveal` (a prediction of these
    numbers is still to be graded), its lines give no count the lesson expects and no bound."""
    what = _("failed rollout")
    wrong = placement(seen, what=what) or _image_problem(seen, want=f"{seen.image_base}:{tag}", tag=tag,
                                                         missing_ok=True)  # fmt: skip
    if wrong:
        return wrong
    assert seen.deployment is not None
    spec = seen.deployment["spec"]
    replicas = spec["replicas"]
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return Check(what, False, _("the Deployment's strategy is {kind}, not the lesson's RollingUpdate: put back "
                                    "`strategy: {{type: RollingUpdate}}` (`kubectl edit deployment/first-app`), then "
                                    "run the lab's start again", kind=strategy.get("type")))  # fmt: skip
    rolling = strategy.get("rollingUpdate") or {"maxSurge": "25%", "maxUnavailable": "25%"}
    surge = resolve_bound(rolling["maxSurge"], replicas=replicas, round_up=True)
    unavailable = resolve_bound(rolling["maxUnavailable"], replicas=replicas, round_up=False)
    pods = [p for p in seen.pods if not p["metadata"].get("deletionTimestamp")]
    # Any tag the registry lacks fails the same way (`_image_problem` let it through): the new pods are the
    # template's, and the lines name the tag the student typed.
    running = template_image(seen.deployment)
    typed = image_tag(running)
    new = [p for p in pods if p["spec"]["containers"][0]["image"] == running]
    pulling = [p for p in new if pod_state(p) in PULL_ERRORS]
    ready_old = [p for p in pods if p not in new and pod_state(p) == "Ready"]
    why = _("{replicas} replicas + maxSurge {surge} allow {most} pods; replicas - maxUnavailable {unavailable} must "
            "stay available: {least} old pods keep serving", replicas=replicas, surge=surge, most=replicas + surge,
            unavailable=unavailable, least=replicas - unavailable)  # fmt: skip
    if (len(pods), len(pulling), len(ready_old)) != (pods_total, failing, serving) and not reveal:
        # No count: how many pods fail and serve is the prediction still to be graded.
        return Check(what, False, _("the pods are not yet where a stuck rollout ends (new pods failing to pull {tag} "
                                    "are still being made, or old ones going): wait a few seconds, then run this "
                                    "check again.", tag=typed))  # fmt: skip
    if (len(pods), len(pulling), len(ready_old)) != (pods_total, failing, serving):
        return Check(what, False, _("expected {total} pods ({failing} failing to pull {tag}, {serving} old Ready), "
                                    "found {found} ({found_failing} failing, {found_ready} Ready). If the new pods "
                                    "are still being created, wait a few seconds. ({why})", total=pods_total,
                                    failing=failing, tag=typed, serving=serving, found=len(pods),
                                    found_failing=len(pulling), found_ready=len(ready_old), why=why))  # fmt: skip
    ready = sum(1 for s in seen.slices for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready"))
    if ready != serving:
        return Check(what, False, _("the Service first-app has {ready} ready endpoints, expected {serving}: is it "
                                    "applied (`kubectl get service first-app`)?", ready=ready,
                                    serving=serving))  # fmt: skip
    conditions = {c["type"]: c for c in (seen.deployment.get("status") or {}).get("conditions") or []}
    if conditions.get("Progressing", {}).get("reason") != "ProgressDeadlineExceeded":
        deadline = spec.get("progressDeadlineSeconds", 600)
        return Check(what, False, _("the pods look as expected but the rollout is not marked failed yet: it will be "
                                    "after {deadline} s without progress (progressDeadlineSeconds).",
                                    deadline=deadline))  # fmt: skip
    if not reveal:
        return Check(what, True, _("stuck as the lesson expects: the new pods cannot pull {tag}, the old ones keep "
                                   "serving behind the Service, and the rollout is marked failed. How many of each, "
                                   "and why: your prediction is graded next.", tag=typed))  # fmt: skip
    # The pods' STATUS is not named: reading it is 03.4's question.
    said = _("{pods} pods: {failing} that cannot pull {tag}, {serving} old ones Ready behind the Service; {why}",
             pods=len(pods), failing=failing, tag=typed, serving=serving, why=why)  # fmt: skip
    if typed != tag:
        said += _(" (you typed {typed}, the lesson {tag}: any tag the registry lacks fails the same way)",
                  typed=typed, tag=tag)  # fmt: skip
    return Check(what, True, said)


def waiting_reason(seen: Seen, *, answer: str | None) -> Check:
    """The reason the student read for the failing pods is the one their container status gives."""
    reasons = sorted({pod_state(p) for p in seen.pods if pod_state(p) in PULL_ERRORS})
    if not reasons:
        return Check(_("reason"), False, _("no pod of first-app is failing to pull its image right now: run the "
                                           "`set image 2.0.0` step first."))  # fmt: skip
    if not answer:
        return Check(_("reason"), False, _("you have not written the reason yet: it is in the STATUS column of "
                                           "`kubectl get pods`, and in the events of `kubectl describe "
                                           "pod`."))  # fmt: skip
    # A reason is a word to recognise, not to spell: "imagepullbackoff" or "Image Pull Back-Off" is ImagePullBackOff.
    known = {"".join(c for c in r.lower() if c.isalnum()): r for r in PULL_ERRORS}
    found = known.get("".join(c for c in answer.lower() if c.isalnum()))
    if found is None:
        return Check(_("reason"), False, _("{answer!r} is not what the failing pods show: their STATUS is one of "
                                           "{reasons}, alternating while the kubelet retries.", answer=answer.strip(),
                                           reasons=", ".join(PULL_ERRORS)))  # fmt: skip
    return Check(_("reason"), True, _("{answer}: the kubelet cannot pull the image, and retries ever more slowly",
                                      answer=found))  # fmt: skip


def pods_on_current(seen: Seen, *, in_prose: int) -> Check:
    """The current revision's ReplicaSet holds every replica and the older ones are kept at 0: the lesson's outcome
    of a finished rollout, however many ReplicaSets a detour left. When the history is longer than the lesson's
    `in_prose` revisions, the check still passes and says what the student will see that the prose does not show."""
    wrong = placement(seen, what="ReplicaSets")
    if wrong:
        return wrong
    assert seen.deployment is not None
    replicas = seen.deployment["spec"].get("replicas", 1)
    current = ((seen.deployment.get("metadata") or {}).get("annotations") or {}).get(REVISION)
    found = revisions(seen)
    holding = found.get(int(current)) if current and current.isdigit() else None
    busy = [n for n, rs in found.items() if rs is not holding and rs["spec"]["replicas"]]
    if holding is None or holding["spec"]["replicas"] != replicas or busy:
        return Check("ReplicaSets", False, ngettext(
            "the new ReplicaSet does not hold all {count} replica yet, or an old one still has pods: has the "
            "rollout finished (`kubectl rollout status`)?",
            "the new ReplicaSet does not hold all {count} replicas yet, or an old one still has pods: has the "
            "rollout finished (`kubectl rollout status`)?", replicas))  # fmt: skip
    said = _("revision {current}'s ReplicaSet holds the {replicas} replicas; the older ones are kept at 0 for a "
             "rollback", current=current, replicas=replicas)  # fmt: skip
    if len(found) <= in_prose:
        return Check("ReplicaSets", True, said)
    listed = ", ".join(_("{number} ({tag})", number=n, tag=image_tag(template_image(rs))) for n, rs in found.items())
    return Check("ReplicaSets", True, _("{said}. Your history is longer than the lesson's: revisions {listed}, where "
                                        "the text shows {revisions}. The extra ones come from changes you made on the "
                                        "way; `kubectl get replicasets` and `kubectl rollout history` list them too.",
                                        said=said, listed=listed, revisions=in_prose))  # fmt: skip


def lesson_shaped(seen: Seen) -> Check:
    """The Deployment is the lesson's, not one made another way (`kubectl create deployment` has no readiness probe
    and no Service): the later steps' serving and failed-rollout checks need both."""
    what = _("manifest")
    assert seen.deployment is not None
    containers = seen.deployment["spec"]["template"]["spec"].get("containers") or [{}]
    if not containers[0].get("readinessProbe"):
        return Check(what, False, _("first-app's pods have no readiness probe, so a Service would send requests to an "
                                    "app still starting: make it from the lesson's manifest, `kubectl apply -f` it "
                                    "(`lab.manifest` is its path)."))  # fmt: skip
    if not seen.slices:
        return Check(what, False, _("there is no Service first-app in front of the pods: `kubectl apply -f` the "
                                    "lesson's manifest (`lab.manifest`), which makes it with the Deployment."),
                     pending=True)  # fmt: skip
    return Check(what, True, _("the lesson's Deployment, with its readiness probe, behind the Service first-app"))


# A deleted pod is gone within its grace period (30 s, the preStop pause included), plus the kubelet's own delay.
TERMINATING_SECONDS = 60.0


def deleted(seen: Seen, *, service_left: bool, one_command: bool = True) -> Check:
    """first-app's Deployment, Service and pods are gone; `one_command` names the form the step teaches when
    something is left (`delete deployment,service`, or one delete per kind)."""
    what = _("clean up")
    deployment_left = seen.deployment is not None
    if deployment_left and not service_left and (seen.deployment or {}).get("metadata", {}).get("deletionTimestamp"):
        return Check(what, False, _("first-app's Deployment is being deleted: check again in a few seconds."),
                     pending=True, pending_for=TERMINATING_SECONDS)  # fmt: skip
    if deployment_left or service_left:
        said = {(True, True): _("first-app's Deployment and Service still exist"),
                (True, False): _("first-app's Deployment still exists"),
                (False, True): _("first-app's Service still exists")}[(deployment_left, service_left)]  # fmt: skip
        if one_command:
            return Check(what, False, _("{said}: `kubectl delete deployment,service first-app`.", said=said))
        return Check(what, False, _("{said}: one kind at a time, `kubectl delete deployment first-app`, then "
                                    "`kubectl delete service first-app`.", said=said))  # fmt: skip
    running = [p["metadata"]["name"] for p in seen.pods]
    if running:
        return Check(what, False, ngettext("{count} pod is still terminating: check again in a few seconds.",
                                           "{count} pods are still terminating: check again in a few seconds.",
                                           len(running)), pending=True, pending_for=TERMINATING_SECONDS)  # fmt: skip
    return Check(what, True, _("the Deployment, its ReplicaSets, its pods and the Service are gone"))
