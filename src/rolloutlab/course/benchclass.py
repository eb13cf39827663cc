"""Benchmark of `class status` (not a test): a class of N students on the sandbox, their namespaces at various places
in the lesson, then the time of one refresh (read the class, judge every student, draw the page), several times.

A third of the students have started nothing, a third are at lab 05's start (first-app deployed, 4 pods), a third at
lab 04's start (5 replicas stuck on the missing 2.0.0, 7 pods). The starts run as the students' kernels run them,
with each student's own kubeconfig, and keep three recordings in the namespace as a lab would. Each started student
also leaves the events a student makes through labs 00 to 03 (EVENTS: every check, failed ones first with the
failures students meet, hints, a solution, a solve). Figures go to JSON.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rolloutlab import process
from rolloutlab.course import classread, classroom, classview, standing
from rolloutlab.course.bench import stamp, write
from rolloutlab.lab import events
from rolloutlab.settings import LabSettings

PLACES = (None, "05", "04")  # by student, in turn: where the student's namespace is put
START = """
import sys
from pathlib import Path
import rolloutlab
from rolloutlab.lab import starts, state
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import LabSettings

starts.start(sys.argv[1], settings=LabSettings.from_env(), say=lambda said: None)
samples = Path(rolloutlab.__file__).parent / "data" / "timelines"
for name, sample in (("02-set-image", "update"), ("03-failed-rollout", "failed"), ("04-undo", "rollback")):
    state.keep_recording(name, Timeline.load(samples / f"{sample}.json"))
from rolloutlab.lab import checks, events, exercises
wrong = checks.judge_cluster(None, where="the class cluster", error="refused").message
for step in [s.id for s in exercises.STEPS.values() if s.lab <= "03"]:
    if step.endswith((".2", ".3")):  # a failure first, met by many
        events.note("check", step, ok=False, message=wrong)
        events.note("hint", step)
    if step == "03.3":
        events.note("solution", step)
        events.note("solve", step)
    events.note("check", step, ok=True)
"""


def class_refresh(*, out: Path, students: int, refreshes: int,
                  places: tuple[str | None, ...] = PLACES) -> dict[str, object]:  # fmt: skip
    room = classroom.Classroom(context=None, kubeconfig=None)
    folder = Path(tempfile.mkdtemp(prefix="rolloutlab-bench-class-"))
    run = uuid.uuid4().hex[:4]
    names = [f"bench-{run}-{i:02d}" for i in range(1, students + 1)]
    started = time.monotonic()
    room.create(names=names, out=folder)
    made = time.monotonic() - started
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:  # three lab starts at a time, as the suite runs labs
            list(pool.map(lambda i: _place(folder, names[i], places[i % len(places)]), range(students)))
        placed = time.monotonic() - started - made
        record = classroom.ClassRecord.load(folder)
        settings = LabSettings.from_env()
        seconds, calls = [], 0
        for _refresh in range(refreshes):
            began = time.monotonic()
            reading = classread.read_class(record, context=None, kubeconfig=None, settings=settings)
            standings = standing.class_standings(reading)
            classview.page(reading)
            seconds.append(round(time.monotonic() - began, 3))
            calls = reading.calls
        objects = sum(len(f.objects) for f in reading.found.values())
        result: dict[str, object] = {
            **stamp(),
            "students": students,
            "places": [p or "none" for p in places],
            "objects_read": objects,
            "events_read": sum(
                len(events.decode((f.named("ConfigMap", events.NAME) or {}).get("data") or {}))
                for f in reading.found.values()
            ),
            "kubectl_calls_per_refresh": calls,
            "refresh_seconds": seconds,
            "refresh_median_seconds": statistics.median(seconds),
            "where": dict(Counter(classview.where(s) for s in standings)),
            "class_create_seconds": round(made, 1),
            "placing_seconds": round(placed, 1),
        }
    finally:
        room.delete(out=folder)
    return write(out, result)


def _place(folder: Path, name: str, lab: str | None) -> None:
    if lab is None:
        return
    own = folder / name / "kubeconfig"
    env = {**os.environ, "KUBECONFIG": str(own), "LAB_KUBECONFIG": str(own), "LAB_NAMESPACE": name}
    process.run([sys.executable, "-c", START, lab], env=env, timeout=600, check=True)
