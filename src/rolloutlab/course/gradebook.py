"""What the class view tells from the students' events (`lab/events.py`): tries per step and first-try passes, the
hints, solutions and solves used, the time on the current step, who is stuck, the mistakes many students make, and
a score. Pure: the events come from the lists `classread` already makes, and `now` is given.

The score is declared here and nowhere else: SCORING.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rolloutlab.course.classread import ClassReading
from rolloutlab.i18n import _, catalogue_file, ngettext
from rolloutlab.lab import events, exercises
from rolloutlab.lab.events import Event


@dataclass(frozen=True)
class Scoring:
    """Points for a step whose check passed: less after a hint or a shown solution, none after a solve."""

    points: int = 10
    after_hint: int = 7
    after_solution: int = 3
    after_solve: int = 0


SCORING = Scoring()
STUCK_MINUTES = 10.0  # no passing check for this long while checks keep failing: stuck
STUCK_FAILURES = 2  # ... and at least this many failed checks since the last pass


@dataclass(frozen=True)
class StepRecord:
    step: str
    tries: int = 0  # checks run
    passed: bool = False
    first_try: bool = False  # the first check of the step passed, with no help before it
    hints: int = 0
    solutions: int = 0
    solves: int = 0
    kinds: tuple[str, ...] = ()  # the failure kinds of its failed checks, in order

    @property
    def points(self) -> int:
        if not self.passed:
            return 0
        if self.solves:
            return SCORING.after_solve
        if self.solutions:
            return SCORING.after_solution
        return SCORING.after_hint if self.hints else SCORING.points


@dataclass(frozen=True)
class Progress:
    student: str
    steps: dict[str, StepRecord] = field(default_factory=dict)
    since: float | None = None  # when the student last passed a check (else their first event); None: no event
    stuck: bool = False
    failures_since_pass: int = 0

    @property
    def score(self) -> int:
        return sum(r.points for r in self.steps.values())

    @property
    def helped(self) -> dict[str, int]:
        return {"hints": sum(r.hints for r in self.steps.values()),
                "solutions": sum(r.solutions for r in self.steps.values()),
                "solves": sum(r.solves for r in self.steps.values())}  # fmt: skip

    @property
    def first_tries(self) -> int:
        return sum(r.first_try for r in self.steps.values())

    def to_dict(self, *, now: float) -> dict[str, Any]:
        return {"score": self.score, "most": most_points(), "first_tries": self.first_tries, **self.helped,
                "on_step_seconds": None if self.since is None else round(now - self.since),
                "stuck": self.stuck, "failures_since_pass": self.failures_since_pass,
                "steps": {s: {"tries": r.tries, "passed": r.passed, "first_try": r.first_try, "hints": r.hints,
                              "solutions": r.solutions, "solves": r.solves, "points": r.points}
                          for s, r in self.steps.items()}}  # fmt: skip


def most_points() -> int:
    return SCORING.points * len(exercises.STEPS)


def progress(student: str, found: Iterable[Event], *, now: float, stuck_minutes: float = STUCK_MINUTES) -> Progress:
    """One student's events, step by step, and whether they are stuck now."""
    timeline = sorted(found, key=lambda e: e.at)
    records: dict[str, dict[str, Any]] = {}
    for event in timeline:
        record = records.setdefault(event.step, {"tries": 0, "passed": False, "first_try": False, "hints": 0,
                                                 "solutions": 0, "solves": 0, "kinds": []})  # fmt: skip
        if event.action == "check":
            helped = record["hints"] or record["solutions"] or record["solves"]
            if record["tries"] == 0 and event.ok and not helped:
                record["first_try"] = True
            record["tries"] += 1
            record["passed"] = record["passed"] or bool(event.ok)
            if event.ok is False and event.kind:
                record["kinds"].append(event.kind)
        elif event.action in ("hint", "solution", "solve"):
            record[f"{event.action}s"] += 1
    passes = [e.at for e in timeline if e.action == "check" and e.ok]
    since = passes[-1] if passes else (timeline[0].at if timeline else None)
    failed = [e for e in timeline if e.action == "check" and e.ok is False and (since is None or e.at >= since)]
    stuck = (since is not None and len(failed) >= STUCK_FAILURES
             and now - failed[0].at >= stuck_minutes * 60)  # fmt: skip
    steps = {s: StepRecord(step=s, tries=r["tries"], passed=r["passed"], first_try=r["first_try"], hints=r["hints"],
                           solutions=r["solutions"], solves=r["solves"], kinds=tuple(r["kinds"]))
             for s, r in records.items()}  # fmt: skip
    return Progress(student, steps=steps, since=since, stuck=stuck, failures_since_pass=len(failed))


def events_of(data: Mapping[str, str] | None) -> list[Event]:
    return events.decode(data or {})


def of_class(reading: ClassReading, *, now: float, stuck_minutes: float = STUCK_MINUTES) -> dict[str, Progress]:
    """Each student's progress, from the events ConfigMap the class's lists already hold."""
    return {name: progress(name, events_of((found.named("ConfigMap", events.NAME) or {}).get("data")), now=now,
                           stuck_minutes=stuck_minutes)
            for name, found in reading.found.items()}  # fmt: skip


@dataclass(frozen=True)
class Mistake:
    step: str
    kind: str
    students: int
    what: str  # the failure in the instructor's language, its particulars left out


def common_mistakes(progresses: Iterable[Progress], *, least: int = 2) -> list[Mistake]:
    """Per step, the failure kinds that at least `least` students met, most students first: each student counts
    once per kind, however many times they met it."""
    counted: collections.Counter[tuple[str, str]] = collections.Counter()
    for p in progresses:
        for record in p.steps.values():
            counted.update({(record.step, kind) for kind in record.kinds})
    found = [Mistake(step, kind, n, describe(kind)) for (step, kind), n in counted.items() if n >= least]
    return sorted(found, key=lambda m: (-m.students, m.step))


def describe(kind: str) -> str:
    """A failure kind in words: its catalogue message in the reader's language, each particular as `…`."""
    msgid = _kinds().get(kind)
    if msgid is None:
        return _("a failure of its own words")
    text = re.sub(r"\{[^{}]*\}", "…", _(msgid))
    return text if len(text) <= 140 else text[:139] + "…"


def said(mistake: Mistake) -> str:
    return ngettext("{step}: {count} student met: {what}", "{step}: {count} students met: {what}",
                    mistake.students, step=mistake.step, what=mistake.what)  # fmt: skip


@cache
def _kinds() -> dict[str, str]:
    """Every catalogue message by its kind (the French catalogue lists every message the code has)."""
    from babel.messages.pofile import read_po

    with catalogue_file("fr").open("rb") as source:
        ids = (m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(source))
        return {events.kind_of_message(str(i)): str(i) for i in ids if i}
