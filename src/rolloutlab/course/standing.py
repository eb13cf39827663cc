"""Where each student stands, judged from what their namespace holds (`classread.Found`) with the labs' own judges:
pure, no call to the cluster.

The lab a student is in is the one they started last (the lab state's `lab` key, written by `lab.start()`). In
that lab, the furthest step whose check passes now is the step reached; the first step after it is where they
are, with the message its check gives now. Earlier labs count as done. Steps whose check reads the student's own
machine (the set-up, Docker's login and images) or answers typed in the notebook cannot be judged from the
cluster: they are shown as such, and count as done once a later step passes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from rolloutlab.course.classread import ClassReading, Found, in_class
from rolloutlab.course.classroom import ClassRecord
from rolloutlab.i18n import _
from rolloutlab.lab import exercises, state
from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.lab.reading import Reading, Reads
from rolloutlab.lab.step import Step
from rolloutlab.recording import history
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import DEPLOYMENT

# A step's status in the class view.
PASS, FAIL, NOT_YET, UNSEEN, DONE = "pass", "fail", "not-yet", "unseen", "done"


@dataclass(frozen=True)
class Standing:
    student: str
    lab: str | None  # the lab started last; None: none started
    reached: str | None  # the furthest step whose check passes now
    at: str | None  # the step the student is at; None when the lab is done (or nothing can be said)
    message: str  # what the check of the step they are at says now, or why nothing can be said
    steps: dict[str, str] = field(default_factory=dict)  # step -> PASS, FAIL, NOT_YET, UNSEEN, DONE
    messages: dict[str, str] = field(default_factory=dict)  # step -> its check's message, where judged
    histories: list[history.Verdict] = field(default_factory=list)
    problem: str | None = None  # the namespace is missing, or not this class's

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student, "lab": self.lab, "step": self.reached, "at": self.at,
                "message": self.message, "problem": self.problem, "steps": self.steps, "messages": self.messages,
                "histories": [{"recording": v.recording, "ok": v.ok, "message": v.message}
                              for v in self.histories]}  # fmt: skip


def class_standings(reading: ClassReading) -> list[Standing]:
    return [standing(found, record=reading.record, tags=reading.tags, image_base=reading.image_base)
            for found in reading.found.values()]  # fmt: skip


def standing(found: Found, *, record: ClassRecord, tags: list[str] | None, image_base: str) -> Standing:
    name = found.namespace
    if found.labels is None:
        return _trouble(name, _("namespace {namespace} is not there any more: it was deleted after `class create`",
                                namespace=name))  # fmt: skip
    if not in_class(found, record):
        return _trouble(name, _("namespace {namespace} does not carry this class's label: it is not this class's",
                                namespace=name))  # fmt: skip
    lesson = found.state
    lab = lesson.get(state.LAB)
    steps = list(exercises.STEPS.values())
    if not lab:
        # The labs' own ConfigMaps (events of a hint asked before any start) are not the lesson's objects.
        lesson_objects = [o for o in found.objects if o.get("kind") != "ConfigMap"]
        said = (_("no lab started, yet the lesson's objects are there: the namespace was used by hand")
                if lesson_objects else _("no lab started yet"))  # fmt: skip
        return Standing(name, None, None, steps[0].id, said, steps=dict.fromkeys(exercises.STEPS, NOT_YET))
    # What every step's check may judge, read from the lists once per student; each step adds its recordings.
    recordings = found.recordings()
    crashed = lesson.get(state.CRASHED_POD)
    base = Reading(seen=_seen(found, tags=tags, image_base=image_base), state=lesson, tags=tags,
                   pod=found.named("Pod", crashed) if crashed else None,
                   service_left=found.named("Service", DEPLOYMENT) is not None)  # fmt: skip
    judged = {step.id: _judge(step, base, recordings=recordings) for step in steps if step.lab == lab}
    ids = list(judged)
    passed = [i for i, s in enumerate(ids) if (c := judged[s]) is not None and c.ok]
    furthest = passed[-1] if passed else -1
    statuses, messages = {}, {}
    for step in steps:
        if step.lab < lab:
            statuses[step.id] = DONE
        elif step.lab > lab:
            statuses[step.id] = NOT_YET
        else:
            check, index = judged[step.id], ids.index(step.id)
            if check is not None:
                messages[step.id] = check.message
            if index <= furthest:
                statuses[step.id] = PASS if check is not None and check.ok else DONE
            else:
                statuses[step.id] = UNSEEN if check is None else PASS if check.ok else FAIL
    reached = ids[furthest] if furthest >= 0 else None
    at = ids[furthest + 1] if furthest + 1 < len(ids) else None
    failing = next((messages[i] for i in ids[furthest + 1 :] if statuses[i] == FAIL), None)
    if at is None:
        message = _("lab {lab} done", lab=lab)
    elif failing is not None:
        message = failing
    else:
        message = _("{step} is checked in the student's notebook, not from the cluster", step=at)
    verdicts = [history.judge(n, t, expected=exercises.expected(n)) for n, t in sorted(recordings.items())]
    return Standing(name, lab, reached, at, message, steps=statuses, messages=messages, histories=verdicts)


def _trouble(name: str, problem: str) -> Standing:
    return Standing(name, None, None, None, problem, steps=dict.fromkeys(exercises.STEPS, NOT_YET), problem=problem)


def _judge(step: Step, base: Reading, *, recordings: dict[str, Timeline]) -> Check | None:
    """The step's check on what the namespace holds; None when its check reads what the cluster does not hold."""
    reads = step.read
    if not isinstance(reads, Reads) or reads.on_students_machine or step.answers:
        return None
    reading = dataclasses.replace(base, timelines={name: recordings.get(name) for name in reads.timelines})
    check = step.judge(reading, {})
    ran = any(name.startswith(f"{step.lab}-") for name in recordings)
    if check.ok and reading.seen is not None and reading.seen.deployment is None and not ran:
        # A clean-up check also passes where the lab has not put anything yet (lab 05's start is an empty
        # namespace): it counts once the namespace shows the lab ran, by one of its kept recordings.
        return Check(check.name, False, _("nothing of lab {lab} in the namespace yet", lab=step.lab))
    return check


def _seen(found: Found, *, tags: list[str] | None, image_base: str) -> Seen:
    app = [o for o in found.objects if (o["metadata"].get("labels") or {}).get("app") == DEPLOYMENT]
    return Seen(
        namespace=found.namespace,
        lab_context="class",
        current_context="class",  # the student's own kubectl is not the instructor's to see
        image_base=image_base,
        deployment=found.named("Deployment", DEPLOYMENT),
        elsewhere=[],
        replicasets=[o for o in app if o["kind"] == "ReplicaSet"],
        pods=[o for o in app if o["kind"] == "Pod"],
        tags=tags,
        slices=found.of_kind("EndpointSlice"),
    )
