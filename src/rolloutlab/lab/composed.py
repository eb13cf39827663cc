"""The judgments the step table (`exercises.py`) composes from `judge`, `judge_history` and `judge_app` for its
steps, and the names of the recordings the labs draw. Each is a pure function of a step's `Reading`."""

from __future__ import annotations

import json
from typing import Any

from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import judge, judge_app, judge_history, state
from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.lab.reading import Reading
from rolloutlab.lab.step import both
from rolloutlab.recording.timeline import Timeline

# The recordings the labs draw, by the name the notebook gives them (each declared on the step that draws it).
SET_IMAGE, FAILED_ROLLOUT, UNDO, TO_REVISION_1 = "02-set-image", "03-failed-rollout", "04-undo", "04-to-revision-1"
LIMIT = "05-history-limit"
# Lab 05's three Deployments (maxSurge, maxUnavailable), each recorded as "05-<name>", and the bounds it must keep:
# the most pods asked for, the fewest available.
STRATEGIES = {"surge-1-unavail-0": ("1", "0"), "surge-0-unavail-1": ("0", "1"), "surge-25-unavail-25": ("25%", "25%")}
STRATEGY_BOUNDS = {"surge-1-unavail-0": (5, 4), "surge-0-unavail-1": (4, 3), "surge-25-unavail-25": (5, 3)}


def seen(reading: Reading) -> Seen:
    if reading.seen is None:
        raise LabError(_("this check did not read the Deployment"), fix=_("report this bug"))
    return reading.seen


def timeline(reading: Reading, name: str) -> Timeline | None:
    return reading.timelines.get(name)


def rolled_to_own(r: Reading) -> Check:
    """Lab 02's rollout: to the student's own version (lab 01's tag), whose line the page must show."""
    tag, where = r.state.get(state.NEW_TAG), r.app
    if not tag:
        return Check(_("rollout"), False, _("no version of yours chosen yet: run the lab's first cells "
                                            "(lab.start())."))  # fmt: skip
    # The page is judged when it was read: `class status` judges from the cluster alone, and cannot ask the app.
    page = [lambda: judge_app.page(r.page, url=where.url, text=r.line or "", version=tag,
                                   current_pods=judge.current_pods(seen(r)))] if where else []  # fmt: skip
    return both(
        lambda: judge.rolled_out(seen(r), tag=tag),
        lambda: judge.pods_on_current(seen(r), in_prose=2),
        *page,
        lambda: judge_app.recorded_bounds(timeline(r, SET_IMAGE), peak=5, min_available=3),
        lambda: judge_app.kept_serving(timeline(r, SET_IMAGE), via=where.via if where else ""),
    )


def kept_serving(r: Reading, name: str) -> Check:
    return judge_app.kept_serving(timeline(r, name), via=r.app.via if r.app else "")


def edited_back(r: Reading) -> Check:
    return both(
        lambda: judge.rolled_out(seen(r), tag="latest"),
        lambda: judge_history.history(seen(r), runs={2: "1.0.0", 3: "latest"}),
    )


def swapped(r: Reading, *, runs: dict[int, str]) -> Check:
    """Two undos: back on latest, and the last two revisions swapped, on the student's own revision numbers."""
    return both(
        lambda: judge_history.undone_to(seen(r), tag="latest", runs=None),  # the history is swapped()'s to say
        lambda: judge_history.swapped(seen(r), runs=runs),
    )


def pushed(r: Reading) -> Check:
    """Only the lab's own new tag: Docker may hold many other builds, which are not this step's business."""
    new = r.state.get(state.NEW_TAG)
    if not new:
        return Check(_("new tag"), False, _("no new tag chosen yet: run the lab's first cells (lab.start())."))
    before, built = state.tags(r.state.get(state.TAGS_AT_START)), [t for t in r.built if t == new]
    result = both(
        lambda: judge_app.new_tag_pushed(before=before, now=r.tags, built=built),
        lambda: judge_app.own_line(tag=new, line=r.line),
    )
    if not result.ok and r.line is None and built and not (r.probe.get("username") and r.probe.get("accepted")):
        return Check(_("push"), False, _("Docker has {tag} built, but `docker push` answers `unauthorized`: Docker "
                                         "holds no login that {registry} accepts. Log in first (step 01.1), then push "
                                         "again.", tag=new, registry=r.probe.get("registry")))  # fmt: skip
    return result


def restarted(r: Reading) -> Check:
    pod = r.state.get(state.CRASHED_POD)
    if not pod:
        return Check(_("restart"), False, _("no pod has crashed yet: call /error first (the cell above)."))
    # The lab's pods are fresh (lab.start() redeploys): none had restarted before /error.
    return judge_app.restarted(r.pod, pod=pod, restarts_before=0)


def fixed_forward(r: Reading) -> Check:
    tag = r.state.get(state.FIX_TAG)
    if not tag:
        return Check(_("fix forward"), False, _("no fix tag chosen: run the lab's first cells (lab.start())."))
    return judge.rolled_out(seen(r), tag=tag)


def taken(r: Reading, step: str) -> dict[str, Any] | None:
    """The prediction of `step` as the namespace kept it when its recording started; None when none was taken."""
    found = r.state.get(state.prediction_key(step))
    return json.loads(found).get("answers") if found else None


def strategies(r: Reading) -> Check:
    """Each of lab 05's Deployments kept its own bounds; each line names the Deployment it is about."""

    def named(name: str, bounds: tuple[int, int]) -> Check:
        found = judge_app.recorded_bounds(timeline(r, f"05-{name}"), peak=bounds[0], min_available=bounds[1])
        return Check(found.name, found.ok, f"{name}{_(': ')}{found.message}", pending=found.pending)

    return both(*[lambda n=n, b=b: named(n, b) for n, b in STRATEGY_BOUNDS.items()])


def predicted_history(r: Reading, answer: Any) -> Check:
    """04.0: the revisions listed after the undo, predicted before it (its recording keeps the first answer). The
    undo is seen on the cluster: a revision past lab 04's start (1, 2, 3)."""
    found = judge.revisions(seen(r))
    return judge_history.predicted_history(seen(r), undone=bool(found) and max(found) > 3, answer=answer,
                                           first=(taken(r, "04.0") or {}).get("revisions_after_undo"),
                                           text=[1, 3, 4])  # fmt: skip


def deleted_while_limited(r: Reading) -> list[int] | None:
    """The revisions whose ReplicaSets 05.7's recording saw deleted; None when it was not recorded."""
    recorded = timeline(r, LIMIT)
    return sorted({s.revision for s in recorded.replicasets if s.deleted and s.revision}) if recorded else None


def trimmed(r: Reading) -> Check:
    """05.7: the history limit lowered and a third template made, which deleted an old ReplicaSet."""
    return judge_history.trimmed(seen(r), kept=[3, 4], gone=2, deleted=deleted_while_limited(r))


def predicted_trim(r: Reading, answer: Any) -> Check:
    """05.6: the revision the history limit deletes, predicted before 05.7's recording started; the recording saw
    which ReplicaSets were deleted."""
    return judge_history.predicted_trim(deleted=deleted_while_limited(r), answer=answer,
                                        first=(taken(r, "05.6") or {}).get("revision_removed"), text=2)  # fmt: skip
