"""The class view's gradebook from students' events (pure): tries, first tries, help, time on the step, stuck, the
score, and the mistakes many students share."""

from __future__ import annotations

import csv
import dataclasses
import io

from rolloutlab.course import gradebook
from rolloutlab.lab import checks, events
from rolloutlab.lab.events import Event

NOW = 10_000.0


def check(at: float, step: str, ok: bool, kind: str = "") -> Event:
    return Event(at=at, step=step, action="check", ok=ok, kind=kind)


def test_events_round_trip_through_a_configmaps_data_oldest_first():
    """An event is a key (its time, sortable) and a small JSON value; what is not an event is skipped."""
    data = {events.key_of(20.5): events.encode(Event(at=20.5, step="02.3", action="check", ok=False, kind="k1",
                                                     lang="fr")),
            events.key_of(3.0): events.encode(Event(at=3.0, step="02.1", action="hint")),
            "something-else": "{"}  # fmt: skip
    found = events.decode(data)
    assert [(e.at, e.step, e.action, e.ok, e.kind, e.lang) for e in found] == [
        (3.0, "02.1", "hint", None, "", "en"),
        (20.5, "02.3", "check", False, "k1", "fr"),
    ]


def test_a_failed_checks_kind_is_its_catalogue_message_whatever_the_language(monkeypatch):
    """The same failure read in English and in French has one kind, and the class view says it in words."""
    kinds = set()
    for lang in ("en", "fr"):
        monkeypatch.setenv("LAB_LANG", lang)
        failed = checks.judge_cluster(None, where="x", error="refused")
        kinds.add(events.kind_of(failed.message))
    [kind] = kinds
    assert kind
    monkeypatch.setenv("LAB_LANG", "en")
    assert gradebook.describe(kind).startswith("no cluster answers for … (…)")
    assert events.kind_of("text composed by hand") == ""


def test_tries_first_tries_help_and_the_score():
    """Passed first time: full points and a first try; passed after a hint or a shown solution: fewer points;
    after a solve: none; failed tries count, and the time on the step runs from the last pass."""
    found = [check(0, "02.1", True),
             check(10, "02.2", False, "wrong"), Event(at=20, step="02.2", action="hint"), check(30, "02.2", True),
             Event(at=40, step="02.3", action="solution"), check(50, "02.3", True),
             Event(at=60, step="02.4", action="solve"), check(70, "02.4", True)]  # fmt: skip
    p = gradebook.progress("ann", found, now=NOW)
    s = gradebook.SCORING
    assert [p.steps[i].points for i in ("02.1", "02.2", "02.3", "02.4")] == [
        s.points,
        s.after_hint,
        s.after_solution,
        s.after_solve,
    ]
    assert p.score == s.points + s.after_hint + s.after_solution + s.after_solve
    assert (p.steps["02.2"].tries, p.first_tries) == (2, 1)
    assert p.helped == {"hints": 1, "solutions": 1, "solves": 1}
    assert p.since == 70
    assert not p.stuck


def test_stuck_is_failing_checks_and_no_pass_for_the_set_minutes():
    """Two failed checks and no pass since for ten minutes: stuck; one failure, or a pass after, or less time:
    not stuck; no event at all: not stuck, no time on the step."""
    failing = [check(0, "02.1", True), check(100, "02.2", False, "k"), check(200, "02.2", False, "k")]
    assert gradebook.progress("a", failing, now=100 + 600, stuck_minutes=10).stuck
    assert not gradebook.progress("a", failing, now=100 + 599, stuck_minutes=10).stuck
    assert not gradebook.progress("a", failing[:2], now=NOW).stuck
    assert not gradebook.progress("a", [*failing, check(300, "02.2", True)], now=NOW).stuck
    idle = gradebook.progress("b", [], now=NOW)
    assert (idle.stuck, idle.since, idle.score) == (False, None, 0)


def test_common_mistakes_count_each_student_once_and_need_two(monkeypatch):
    """A failure kind met by two students at one step is common (each counted once, however many tries); one met
    by a single student is not listed; the line says it in the instructor's language."""
    monkeypatch.setenv("LAB_LANG", "fr")
    kind = events.kind_of(checks.judge_cluster(None, where="x", error="refused").message)
    ann = gradebook.progress("ann", [check(1, "00.2", False, kind), check(2, "00.2", False, kind)], now=NOW)
    bob = gradebook.progress("bob", [check(1, "00.2", False, kind), check(3, "02.2", False, "other")], now=NOW)
    [shared] = gradebook.common_mistakes([ann, bob])
    assert (shared.step, shared.students) == ("00.2", 2)
    assert gradebook.said(shared).startswith("00.2\u00a0: 2 étudiants ont rencontré\u00a0: aucun cluster ne répond")


def test_the_csv_has_its_documented_columns_and_a_row_per_student(monkeypatch, tmp_path):
    """`class export --csv`: the columns are exactly these, in this order (the instructor guide names them for
    Moodle's and Canvas's imports), one row per student; the feedback pages are one per student, in the language
    of the student's last event."""
    from rolloutlab.course import classexport
    from rolloutlab.course.classread import ClassReading
    from test_standing import RECORD, found

    monkeypatch.setenv("LAB_LANG", "en")
    ann = found("ann", seen="stuck-on-2.0.0", lab="03", recordings=("03-failed-rollout",))
    kept = [check(1, "03.3", False, "k"), check(2, "03.3", False, "k"), check(3, "03.3", True)]
    data = {events.key_of(e.at): events.encode(dataclasses.replace(e, lang="fr")) for e in kept}
    ann.objects.append({"kind": "ConfigMap", "metadata": {"name": events.NAME}, "data": data})
    reading = ClassReading(record=RECORD, found={"ann": ann, "bob": found("bob")}, tags=["1.0.0", "latest"],
                           image_base="localhost:5001/first-app-k8s", calls=4, seconds=0.2,
                           cluster_wide=True)  # fmt: skip
    rows = list(csv.reader(io.StringIO(classexport.csv_text(reading, now=NOW))))
    assert rows[0] == ["username", "rollout_labs_score", "rollout_labs_max", "lab", "at_step", "steps_passed",
                       "first_tries", "hints", "solutions", "solves", "stuck"]  # fmt: skip
    assert rows[1][:6] == ["ann", str(gradebook.SCORING.points), str(gradebook.most_points()), "03", "03.4", "1"]
    assert rows[2][:5] == ["bob", "0", str(gradebook.most_points()), "", "00.1"]
    pages = classexport.write_feedback(reading, tmp_path, now=NOW)
    assert [p.name for p in pages] == ["ann.html", "bob.html"]
    assert "03.3\u00a0: 3 essais" in pages[0].read_text()  # ann's events were in French
    assert "no lab started yet" in pages[1].read_text()


def test_events_alone_do_not_make_a_namespace_look_used_by_hand():
    """A student who asked a hint before starting any lab has only the events ConfigMap: still "no lab started
    yet", not the namespace-used-by-hand line."""
    from test_standing import found, judged

    bob = found("bob")
    hint = Event(at=1.0, step="00.1", action="hint")
    bob.objects.append({"kind": "ConfigMap", "metadata": {"name": events.NAME},
                        "data": {events.key_of(1.0): events.encode(hint)}})  # fmt: skip
    assert judged(bob).message == "no lab started yet"
