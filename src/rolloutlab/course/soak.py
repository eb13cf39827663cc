"""The soak: `validate` run again and again while busy loops hold processors, then the sandbox's own rollout
tests, to show the labs pass on a loaded machine and not only on a calm one. What each run saw is written down:
every lab's verdict (the check or cell that failed, and what it said), and the requests of every recorded rollout,
of which none may have failed.

A benchmark, not a test: it takes most of an hour (`scripts/soak`), and its figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rolloutlab import process
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import Timeline

# The sandbox tests that roll the lesson's app and count its answers through the Service.
TESTS = ("tests/test_sandbox_rollouts.py", "tests/test_lesson_on_sandbox.py", "tests/test_record_sandbox.py")
VALIDATE_SECONDS = 3600.0
TESTS_SECONDS = 1800.0
HOG = "while True: pass"


def lab_verdicts(run_dir: Path) -> list[dict[str, Any]]:
    """Each lab of one validate run (its report.json): passed or not, where and why it failed, and the requests
    of its recorded rollouts (answered, failed)."""
    report = run_dir / "report.json"
    if not report.exists():
        return []
    labs = []
    for lab in json.loads(report.read_text())["labs"]:
        answered = failed = 0
        for name in lab.get("timelines") or []:
            summary = traffic.summarize(Timeline.load(run_dir / name).requests)
            answered, failed = answered + summary.answered, failed + summary.failed
        failing = [c for c in lab.get("checks") or [] if not c.get("ok")]
        labs.append({"lab": lab["lab"], "ok": lab["ok"], "failed_cell": lab.get("failed_cell"),
                     "error": lab.get("error"), "failed_checks": [c.get("name") for c in failing],
                     "requests": answered + failed, "failed_requests": failed})  # fmt: skip
    return labs


def pytest_counts(output: str) -> dict[str, int]:
    """pytest's closing line as numbers: {"passed": 12, "failed": 1}."""
    last = next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "")
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", last)}


def soak(*, runs: int, hogs: int, out: Path, validate_args: Sequence[str], tests: Sequence[str] = TESTS,
         say: Any = print) -> dict[str, Any]:  # fmt: skip
    """`runs` rounds of validate (with `validate_args`) and `tests`, each with `hogs` busy loops running; the
    report goes to out/soak.json and is returned."""
    out.mkdir(parents=True, exist_ok=True)
    loops = [process.spawn([sys.executable, "-c", HOG], stdout=None, stderr=None) for _ in range(hogs)]
    rounds: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        for n in range(1, runs + 1):
            run_dir = out / f"run-{n}"
            shutil.rmtree(run_dir, ignore_errors=True)  # an earlier soak's report must not be read as this one's
            began = time.monotonic()
            done = _run([sys.executable, "-m", "rolloutlab", "validate", "--out", str(run_dir), *validate_args],
                        timeout=VALIDATE_SECONDS)  # fmt: skip
            labs = lab_verdicts(run_dir)
            validated = time.monotonic()
            tested = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                          timeout=TESTS_SECONDS) if tests else None  # fmt: skip
            rounds.append({"run": n, "validate_exit": done.returncode, "validate_seconds": round(validated - began),
                           "validate_tail": done.tail(5) if not done.ok else "",
                           "labs": labs, "tests_exit": tested.returncode if tested else None,
                           "tests": pytest_counts(tested.stdout) if tested else {},
                           "tests_tail": tested.tail(5) if tested and not tested.ok else ""})  # fmt: skip
            say(summary_line(rounds[-1]))
    finally:
        for loop in loops:
            process.stop(loop)
    report = totals(rounds, hogs=hogs, seconds=time.monotonic() - started)
    (out / "soak.json").write_text(json.dumps(report, indent=2))
    return report


def _run(command: list[str], *, timeout: float) -> process.Result:
    """A run that went past its time is a failed run of the soak (exit -1), not the end of it."""
    try:
        return process.run(command, timeout=timeout, check=False)
    except process.ProcessError as exc:
        return process.Result(command=command, returncode=-1, stdout=exc.output, stderr=str(exc))


def passed(report: dict[str, Any]) -> bool:
    """Every round's validate and tests ended well, every lab passed, no request failed."""
    rounds = report["rounds"]
    return (bool(rounds) and all(r["validate_exit"] == 0 and r["tests_exit"] in (0, None) for r in rounds)
            and report["labs"] > 0 and report["labs_passed"] == report["labs"] and not report["failed_requests"]
            and not report["tests_failed"])  # fmt: skip


def summary_line(one: dict[str, Any]) -> str:
    labs = one["labs"]
    passed = sum(1 for lab in labs if lab["ok"])
    failed = [f"{lab['lab']} (cell {lab['failed_cell']}: {lab['error']})" for lab in labs if not lab["ok"]]
    requests = sum(lab["failed_requests"] for lab in labs)
    line = (f"run {one['run']}: {passed}/{len(labs)} labs in {one['validate_seconds']} s, {requests} failed "
            f"requests; tests {one['tests'] or one['tests_exit']}")  # fmt: skip
    return line + ("; failed: " + "; ".join(failed) if failed else "")


def totals(rounds: list[dict[str, Any]], *, hogs: int, seconds: float) -> dict[str, Any]:
    labs = [lab for one in rounds for lab in one["labs"]]
    return {
        "hogs": hogs,
        "runs": len(rounds),
        "seconds": round(seconds),
        "labs": len(labs),
        "labs_passed": sum(1 for lab in labs if lab["ok"]),
        "requests": sum(lab["requests"] for lab in labs),
        "failed_requests": sum(lab["failed_requests"] for lab in labs),
        "tests_passed": sum(one["tests"].get("passed", 0) for one in rounds),
        "tests_failed": sum(sum(one["tests"].get(k, 0) for k in ("failed", "error", "errors")) for one in rounds),
        "failures": [{"run": one["run"], **lab} for one in rounds for lab in one["labs"] if not lab["ok"]],
        "rounds": rounds,
    }
