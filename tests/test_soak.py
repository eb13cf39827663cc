"""The soak's report: what it reads of each validate run and of pytest, and its totals."""

import json

from rolloutlab.course import soak
from rolloutlab.recording.timeline import RequestSample, Timeline


def test_a_runs_labs_are_read_with_their_failures_and_failed_requests(tmp_path):
    """Each lab's verdict, where it failed, and the requests of its recordings, failed ones counted."""
    timeline = Timeline(namespace="n", deployment="first-app", started_at=0.0)
    timeline.requests = [RequestSample(0.1, "1.0.0"), RequestSample(0.2, None, "refused")]
    timeline.save(tmp_path / "en" / "artifacts" / "02-set-image.json")
    labs = [{"lab": "en/02-deploy-and-set-image", "ok": True, "failed_cell": None, "error": None,
             "timelines": ["en/artifacts/02-set-image.json"], "checks": [{"name": "02.3 page", "ok": True}]},
            {"lab": "fr/05-rolling-upgrade-strategy", "ok": False, "failed_cell": 31, "error": "ÉCHEC 05.5",
             "timelines": [], "checks": [{"name": "05.5 nettoyage", "ok": False}]}]  # fmt: skip
    (tmp_path / "report.json").write_text(json.dumps({"labs": labs}))
    read = soak.lab_verdicts(tmp_path)
    assert [(lab["ok"], lab["requests"], lab["failed_requests"]) for lab in read] == [(True, 2, 1), (False, 0, 0)]
    assert read[1]["failed_checks"] == ["05.5 nettoyage"]
    assert soak.lab_verdicts(tmp_path / "never-ran") == []
    one = {"run": 1, "validate_exit": 1, "labs": read, "tests_exit": 1, "tests": {"passed": 9, "failed": 1}}
    report = soak.totals([one], hogs=1, seconds=3.2)
    assert (report["labs"], report["labs_passed"], report["failed_requests"], report["tests_failed"]) == (2, 1, 1, 1)
    assert report["failures"][0]["lab"] == "fr/05-rolling-upgrade-strategy"
    assert not soak.passed(report)
    good = [{**read[0], "failed_requests": 0}]
    clean = {"run": 1, "validate_exit": 0, "labs": good, "tests_exit": 0, "tests": {"passed": 9}}
    assert soak.passed(soak.totals([clean], hogs=1, seconds=1.0))
    # A validate that ended badly, or wrote no report, fails the soak whatever its labs say.
    assert not soak.passed(soak.totals([{**clean, "validate_exit": 1}], hogs=1, seconds=1.0))
    assert not soak.passed(soak.totals([{**clean, "labs": []}], hogs=1, seconds=1.0))


def test_pytests_closing_line_is_read_as_numbers():
    """The counts come from pytest's last summary line, whatever came before it."""
    said = "tests/test_a.py ..F\n=== 1 failed, 12 passed, 2 skipped in 80.1s ===\n"
    assert soak.pytest_counts(said) == {"failed": 1, "passed": 12, "skipped": 2}
    assert soak.pytest_counts("no tests ran") == {}
