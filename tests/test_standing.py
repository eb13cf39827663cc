"""Where a student stands, judged from what their namespace holds (standing.py), and the class view's outputs: on
recorded readings (tests/data/seen, tests/data/recordings), no cluster."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

from rolloutlab import process
from rolloutlab.course import classview
from rolloutlab.course.classread import ClassReading, Found
from rolloutlab.course.classroom import LABEL, ClassRecord
from rolloutlab.course.standing import DONE, FAIL, NOT_YET, PASS, UNSEEN, standing
from rolloutlab.lab import state
from rolloutlab.lab.observe import Seen
from rolloutlab.recording import stored
from test_history import recorded

SEEN = Path(__file__).parent / "data" / "seen"
RECORD = ClassRecord(class_id="c0ffee00", made={"namespaces": ["ann", "bob"]})
IN_CLASS = {LABEL: "c0ffee00"}


def found(name: str, *, seen: str | None = None, lab: str | None = None, recordings: tuple[str, ...] = ()) -> Found:
    """A namespace holding what a recorded reading saw, a lab state naming `lab`, and stored recordings."""
    objects = []
    if seen:
        recorded_seen = Seen.load(SEEN / f"{seen}.json")
        objects += [o for o in (recorded_seen.deployment, *recorded_seen.replicasets, *recorded_seen.pods) if o]
        objects += [{**s, "kind": "EndpointSlice"} for s in recorded_seen.slices]
    if lab:
        objects.append({"kind": "ConfigMap", "metadata": {"name": state.NAME}, "data": {state.LAB: lab}})
    objects += [{**stored.to_configmap(r, recorded(r)), "kind": "ConfigMap"} for r in recordings]
    return Found(namespace=name, labels=IN_CLASS, objects=objects)


def judged(where: Found):
    tags = Seen.load(SEEN / "deployed-latest.json").tags
    return standing(where, record=RECORD, tags=tags, image_base="localhost:5001/first-app-k8s")


def test_a_student_who_started_nothing_is_at_the_start():
    """No lab state in the namespace: no lab, at step 00.1, every step not yet."""
    s = judged(found("bob"))
    assert (s.lab, s.reached, s.at, s.message) == (None, None, "00.1", "no lab started yet")
    assert set(s.steps.values()) == {NOT_YET}


def test_lab_03_stuck_is_past_03_3_and_at_the_answer_step():
    """Stuck on 2.0.0 with its recording kept: 03.3 passes, 03.4 (an answer) is checked in the notebook."""
    s = judged(found("ann", seen="stuck-on-2.0.0", lab="03", recordings=("03-failed-rollout",)))
    assert (s.lab, s.reached, s.at) == ("03", "03.3", "03.4")
    assert s.steps["03.3"] == PASS
    assert s.steps["03.4"] == UNSEEN
    assert s.steps["02.4"] == DONE
    assert s.steps["04.1"] == NOT_YET
    assert "checked in the student's notebook" in s.message
    assert [(v.recording, v.ok) for v in s.histories] == [("03-failed-rollout", True)]


def test_lab_02_on_latest_says_what_the_next_check_says():
    """latest deployed in lab 02: 02.1 passes, and the message is 02.3's check on the cluster as it is."""
    s = judged(found("ann", seen="deployed-latest", lab="02"))
    assert (s.reached, s.at) == ("02.1", "02.2")
    assert s.steps["02.3"] == FAIL
    assert s.message == s.messages["02.3"]
    assert "no version of yours chosen yet" in s.message


def test_a_missing_namespace_and_one_of_another_class_are_one_line_each():
    """A namespace gone or carrying another class's label gets a line that says so, not a crash."""
    gone = judged(Found(namespace="ann", labels=None))
    other = judged(Found(namespace="bob", labels={LABEL: "another"}))
    assert gone.problem == "namespace ann is not there any more: it was deleted after `class create`"
    assert other.problem == "namespace bob does not carry this class's label: it is not this class's"
    assert classview.where(gone) == "unknown"


def test_the_lesson_s_objects_without_a_lab_state_are_told():
    """Objects but no lab started: the namespace was used by hand, said plainly."""
    s = judged(found("ann", seen="deployed-latest"))
    assert s.lab is None
    assert "used by hand" in s.message


def test_json_and_page_show_every_student_and_step():
    """The JSON names each student's lab and step; the page has a row per student, a cell per step, coloured."""
    ann = found("ann", seen="stuck-on-2.0.0", lab="03", recordings=("03-failed-rollout",))
    reading = ClassReading(record=RECORD, found={"ann": ann, "bob": found("bob")}, tags=["1.0.0", "latest"],
                           image_base="localhost:5001/first-app-k8s", calls=4, seconds=0.2,
                           cluster_wide=True)  # fmt: skip
    data = json.loads(classview.as_json(reading))
    assert [(s["student"], s["lab"], s["step"]) for s in data["students"]] == [
        ("ann", "03", "03.3"),
        ("bob", None, None),
    ]
    html = classview.page(reading)
    assert html.count("<tr data-student=") == 2
    assert "data-step='03.3' data-status='pass'" in html
    assert "data-step='05.5' data-status='not-yet'" in html
    assert "OK history of 03-failed-rollout" in html


def test_an_empty_namespace_at_lab_05_start_is_not_lab_05_done():
    """Lab 05 starts from an empty namespace, where its clean-up check also passes: it counts only once the
    namespace keeps one of lab 05's recordings."""
    started = judged(found("ann", lab="05"))
    assert (started.reached, started.at) == (None, "05.1")
    assert started.messages["05.9"] == "nothing of lab 05 in the namespace yet"
    done = judged(found("ann", lab="05", recordings=("05-surge-1-unavail-0",)))
    assert (done.reached, done.at) == ("05.9", None)
    assert done.message == "lab 05 done"


def run_status(*args: str, env: dict[str, str]) -> process.Result:
    return process.run([sys.executable, "-m", "rolloutlab", "class", "status", *args], env={**os.environ, **env},
                       timeout=120, check=False)  # fmt: skip


def test_status_without_a_class_record_is_one_line(tmp_path):
    """A folder `class create` did not write: one line saying so, exit code 2."""
    shown = run_status("--out", str(tmp_path), env={})
    assert shown.returncode == 2
    assert shown.stderr.strip().splitlines() == [f"rolloutlab: no class record at {tmp_path / 'class.json'}. Give "
                                                 "the --out folder `class create` wrote."]  # fmt: skip


def test_status_with_no_cluster_is_one_line(tmp_path):
    """A kubeconfig whose cluster does not answer: one line naming the cluster, not rights, exit code 2."""
    (tmp_path / "class.json").write_text(json.dumps({"class": "c0ffee00", "namespaces": ["ann"]}))
    nowhere = tmp_path / "kubeconfig"
    nowhere.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "x",
                                   "clusters": [{"name": "x", "cluster": {"server": "https://127.0.0.1:9"}}],
                                   "contexts": [{"name": "x", "context": {"cluster": "x", "user": "x"}}],
                                   "users": [{"name": "x", "user": {}}]}))  # fmt: skip
    shown = run_status(
        "--out", str(tmp_path), "--json", env={"KUBECONFIG": str(nowhere), "LAB_REGISTRY": "127.0.0.1:9"}
    )
    assert shown.returncode == 2
    assert shown.stdout == ""
    line = shown.stderr.strip().splitlines()
    assert len(line) == 1
    assert line[0].startswith("rolloutlab: the cluster does not answer: ")
    assert line[0].endswith("Check --context / --kubeconfig, and that the cluster is up.")


def test_serve_on_a_taken_port_is_one_line(tmp_path):
    """`--serve` on a port something else holds: one line saying so and what to do, before any cluster is read."""
    (tmp_path / "class.json").write_text(json.dumps({"class": "c0ffee00", "namespaces": ["ann"]}))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        shown = run_status("--out", str(tmp_path), "--serve", "--port", str(port), env={})
    assert shown.returncode == 2
    assert shown.stderr.strip().splitlines() == [f"rolloutlab: port {port} on 127.0.0.1 is taken (Address already in "
                                                 "use). Pass another --port, or stop what uses it."]  # fmt: skip
