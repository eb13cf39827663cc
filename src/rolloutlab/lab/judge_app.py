"""The lesson's checks of the app's side, as pure functions: the tags pushed, the page a version shows, the
recorded rollouts (bounds, predictions, serving through the Service) and a pod's restart. `judge` has those of
the Deployment and its ReplicaSets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rolloutlab.i18n import N_, _
from rolloutlab.lab import checks
from rolloutlab.lab.checks import Check
from rolloutlab.recording.timeline import Timeline
from rolloutlab.typography import sentence_start


def new_tag_pushed(*, before: list[str], now: list[str] | None, built: list[str]) -> Check:
    """A tag the registry did not have when the lab started is there now; `built` are tags Docker has."""
    what = _("push")
    if now is None:
        return Check(what, False, _("the registry does not answer: is the sandbox up (`rolloutlab sandbox up`)?"))
    new = sorted(set(now) - set(before))
    if new:
        return Check(what, True, _("new in the registry: {tags}", tags=", ".join(new)))
    unpushed = sorted(set(built) - set(now))
    if unpushed:
        return Check(what, False, _("Docker has {tags} built, but it is not in the registry: `docker push` it.",
                                    tags=", ".join(unpushed)))  # fmt: skip
    return Check(what, False, _("no new tag in the registry (it has {tags}): nothing built and pushed yet? A new "
                                "version needs a tag that is not there yet.",
                                tags=", ".join(now) or _("nothing")))  # fmt: skip


def own_line(*, tag: str, line: str | None) -> Check:
    """The student's version carries a line of its own on its page, as the notes' `<h2>` does."""
    what = _("your line")
    if line is None:
        return Check(what, False, _("{tag} is not in the registry yet: build it, then `docker push` it.", tag=tag))
    if not line.strip():
        return Check(what, False, _("{tag} was built without a line of its own, so its page shows only its version. "
                                    "Build it again with `--build-arg \"APP_MESSAGE=your line\"`, then push it "
                                    "again.", tag=tag))  # fmt: skip
    return Check(what, True, _('the page of {tag} says "{line}"', tag=tag, line=line))


# How long kube-proxy may still send a request to a pod on its way out after a rollout ended: it rewrites the
# node's rules after the EndpointSlice changed, up to 6 s later on a busy machine (its own latency metric).
OLD_POD_SECONDS = 15.0


def page(body: str | None, *, url: str, text: str, version: str, current_pods: frozenset[str] = frozenset()) -> Check:
    """The page shows `version` and the student's `text`. A page served by a pod that is not one of the finished
    rollout's (`current_pods`) is pending: kube-proxy had not yet taken that pod out of the Service's rules."""
    what = _("page")
    if body is None:
        return Check(what, False, _("nothing answers at {url}: are the pods Ready (`kubectl get pods`)?", url=url))
    served = re.search(r"Served by pod: (\S+)", body)
    if current_pods and served and served.group(1) not in current_pods:
        return Check(what, False, _("the page at {url} was served by {pod}, a pod of the old version on its way out: "
                                    "the Service stops sending it requests a moment after the rollout; check again",
                                    url=url, pod=served.group(1)), pending=True,
                     pending_for=OLD_POD_SECONDS)  # fmt: skip
    # As a reader sees it: a browser folds runs of white space, and the page is already decoded (`page_text`).
    if version not in body or " ".join(text.split()) not in " ".join(body.split()):
        return Check(what, False, _("the page at {url} does not show version {version} with \"{text}\"; it says: "
                                    "{said}. Has the rollout finished?", url=url, version=version, text=text,
                                    said=" / ".join(body.splitlines()[:3])))  # fmt: skip
    return Check(what, True, _('{url} shows version {version}: "{text}"', url=url, version=version, text=text))


def page_version(body: str | None, *, url: str, answer: Any) -> Check:
    """The version the student read on the page (05.5, after `kubectl edit`) is the one it shows now. A wrong
    answer is not told the right one: the page is there to be read."""
    what = _("page")
    if body is None:
        return Check(what, False, _("nothing answers at {url}: are the pods Ready (`kubectl get pods`)?", url=url))
    shown = re.search(r"Version:\s*(\S+)", body)
    if shown is None:
        return Check(what, False, _("the page at {url} shows no version: is it first-app's page?", url=url))
    if answer is None or not str(answer).strip():
        return Check(what, False, _("open the page ({url}, or `lab.demo.show_app()`), then write the version it "
                                    "shows: `version_on_page = \"...\"`.", url=url))  # fmt: skip
    # As read off the page: "latest", "v1.0.0" or the whole line "Version: latest".
    typed = re.sub(r"^version\s*:?\s*", "", str(answer).strip(), flags=re.IGNORECASE).removeprefix("v")
    if typed == shown.group(1):
        return Check(what, True, _("{url} shows version {version}: the edit rolled out", url=url,
                                   version=shown.group(1)))  # fmt: skip
    return Check(what, False, _("the page at {url} does not show version {answer}: open it (or run "
                                "`lab.demo.show_app()`) and read its Version line.", url=url,
                                answer=answer))  # fmt: skip


NO_ROLLOUT_SEEN = N_(
    "the recording did not see the rollout from its start: it was started after the command, or again after a "
    "kernel restart. Run the lab's start cell (`lab.start()`), then the cells from the recording's on."
)


def watched_a_rollout(timeline: Timeline) -> bool:
    """The recording saw a rollout from a fully available Deployment on: what its bounds are read from."""
    return timeline.rolled() and timeline.min_available() is not None


def prediction(
    timeline: Timeline | None, *, most_pods: Any, fewest_available: Any, first: Mapping[str, Any] | None = None
) -> Check:
    """The student's prediction of the bounds, graded against what was recorded. `first` is the prediction as it
    was when the recording started (before anything on screen could show the result): an answer changed since is
    graded as a second try, and the student is told so; the first stays on record."""
    what = _("prediction")
    before = (first or {}).get("most_pods"), (first or {}).get("fewest_available")
    if first is not None and tuple(map(checks.whole, before)) != (checks.whole(most_pods),
                                                                  checks.whole(fewest_available)):  # fmt: skip
        graded = prediction(timeline, most_pods=most_pods, fewest_available=fewest_available)
        return Check(what, graded.ok, _("your prediction before the rollout was {most} and {fewest}, and it stays on "
                                        "record; your changed answer is graded as a second try. {graded}",
                                        most=before[0], fewest=before[1],
                                        graded=sentence_start(graded.message)))  # fmt: skip
    if most_pods is None or fewest_available is None:
        return Check(what, False, _("write your prediction first: `most_pods = ...` and `fewest_available = ...` "
                                    "(whole numbers)."))  # fmt: skip
    if timeline is None:
        return Check(what, False, _("nothing recorded yet: run the recorded `set image` step first."))
    if not watched_a_rollout(timeline):
        return Check(what, False, _(NO_ROLLOUT_SEEN))
    numbers = checks.whole(most_pods), checks.whole(fewest_available)
    if None in numbers:
        return Check(what, False, _("write each answer as a whole number, as in `most_pods = 5`: you wrote "
                                    "most_pods = {most!r} and fewest_available = {fewest!r}.", most=most_pods,
                                    fewest=fewest_available))  # fmt: skip
    most_pods, fewest_available = numbers
    peak, least = timeline.peak_desired(), timeline.min_available()
    if (most_pods, fewest_available) == (peak, least):
        return Check(what, True, _("right: at most {peak} pods, never fewer than {least} available", peak=peak,
                                   least=least))  # fmt: skip
    return Check(what, False, _("you predicted at most {most} pods and at least {fewest} available; the recording "
                                "shows {peak} and {least}. maxSurge rounds up (25% of 5 = 1.25 -> 2), maxUnavailable "
                                "rounds down (1.25 -> 1).", most=most_pods, fewest=fewest_available, peak=peak,
                                least=least))  # fmt: skip


def recorded_bounds(timeline: Timeline | None, *, peak: int, min_available: int) -> Check:
    """The recorded rollout stayed within the bounds the prose states."""
    what = _("recording")
    if timeline is None:
        return Check(what, False, _("nothing recorded yet: run the recorded step first."))
    if not watched_a_rollout(timeline):
        return Check(what, False, _(NO_ROLLOUT_SEEN))
    seen_peak, seen_min = timeline.peak_desired(), timeline.min_available()
    if (seen_peak, seen_min) != (peak, min_available):
        return Check(what, False, _("the recording shows at most {seen_peak} pods asked for and at least {seen_min} "
                                    "available, the lesson says {peak} and {least}. Was the rollout recorded from its "
                                    "start?", seen_peak=seen_peak, seen_min=seen_min, peak=peak,
                                    least=min_available))  # fmt: skip
    return Check(what, True, _("at most {peak} pods at once, never fewer than {least} available", peak=seen_peak,
                               least=seen_min))  # fmt: skip


def kept_serving(timeline: Timeline | None, *, via: str) -> Check:
    """Every request during the recording was answered, through the Service: 0 failures, and answers from at
    least two pods, so that one pod alone cannot pass it. A port-forward reaches one pod, not the Service, so
    requests sent through one prove nothing of it."""
    from rolloutlab.recording import traffic

    what = _("serving")
    if timeline is None or not timeline.requests:
        return Check(what, False, _("no request was sent: nothing recorded yet, or no URL given to the recording."))
    summary = traffic.summarize(timeline.requests)
    if summary.answered == 0:
        return Check(what, False, _("{summary}: is the Service there (`kubectl get service first-app`)?",
                                    summary=summary))  # fmt: skip
    if via == "port-forward":
        return Check(what, False, _("{summary}, through `kubectl port-forward`, which reaches one pod and not the "
                                    "Service: no node of this cluster answers on the Service's NodePort from this "
                                    "machine, so this proves nothing of the rollout.", summary=summary))  # fmt: skip
    if not summary.pods:
        return Check(what, False, _("{summary}, but no answer named the pod that served it, so nothing shows the "
                                    "Service spread them. Build the app's images again (`lab.demo.rebuild_images()`): "
                                    "older ones do not name their pod.", summary=summary))  # fmt: skip
    if len(summary.pods) == 1:
        return Check(what, False, _("{summary}: every answer came from one pod, {pod}, so they say nothing of the "
                                    "Service's rotation. Were the requests sent to the Service's NodePort?",
                                    summary=summary, pod=next(iter(summary.pods))))  # fmt: skip
    if summary.failed:
        return Check(what, False, _("{summary}. Requests failed while the rollout ran: the Service sent some to a pod "
                                    "that could not answer. Check the readiness probe and the app's shutdown.",
                                    summary=summary))  # fmt: skip
    return Check(what, True, str(summary))


def restarted(pod_json: dict[str, Any] | None, *, pod: str, restarts_before: int) -> Check:
    """The pod that answered /error was restarted by its kubelet and is Ready again."""
    what = _("restart")
    if pod_json is None:
        return Check(what, False, _("there is no pod {pod!r}: call /error first (the cell above).", pod=pod))
    statuses = (pod_json.get("status") or {}).get("containerStatuses") or [{}]
    restarts, ready = statuses[0].get("restartCount", 0), statuses[0].get("ready", False)
    if restarts <= restarts_before:
        return Check(what, False, _("{pod} shows as many restarts as before ({restarts}): call /error first, then "
                                    "wait a few seconds for the kubelet to notice the exit.", pod=pod,
                                    restarts=restarts))  # fmt: skip
    if not ready:
        return Check(what, False, _("{pod} restarted ({restarts}) but is not Ready yet: its readiness probe must pass "
                                    "first. Run this again in a few seconds.", pod=pod, restarts=restarts))  # fmt: skip
    return Check(what, True, _("{pod} was restarted by its kubelet (restarts: {restarts}) and is Ready again", pod=pod,
                               restarts=restarts))  # fmt: skip
