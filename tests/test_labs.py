"""The labs: stored clean, and each runs green against the sandbox through the same code as `validate`."""

import json
from pathlib import Path

import nbformat
import pytest

from rolloutlab import validate
from rolloutlab.timeline import Timeline

LABS = sorted(validate.LABS_DIR.glob("[0-9][0-9]-*.ipynb"))
IDS = [p.stem for p in LABS]


def test_every_lab_of_the_lesson_is_there():
    """Set-up, build and push, set image, failed rollout, rollback, strategies."""
    assert [p.stem[:2] for p in LABS] == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_is_stored_without_outputs(path: Path):
    """Executed notebooks are build artifacts: the stored lab has no outputs or execution counts."""
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} of {path.name} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_starts_with_a_parameters_cell(path: Path):
    """The first code cell is tagged `parameters` and reads its settings from the environment."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assert 'os.environ.get("LAB_NAMESPACE"' in first.source


def timeline(out: Path, name: str) -> Timeline:
    return Timeline.load(out / name)


# What the prose of each lab claims, checked on the timelines the lab recorded.
def claims_02(out: Path) -> None:
    t = timeline(out, "02-deploy-and-set-image/02-set-image.json")
    assert (t.peak_desired(), t.min_available()) == (5, 3)


def claims_03(out: Path) -> None:
    t = timeline(out, "03-failed-rollout/03-failed-rollout.json")
    end = t.state_counts(t.end)
    assert (sum(end.values()), end["ImagePullBackOff"] + end["ErrImagePull"], end["Ready"]) == (5, 2, 3)
    assert "ProgressDeadlineExceeded" in {reason for *_, reason in t.condition_changes()}


def claims_04(out: Path) -> None:
    undo = timeline(out, "04-rollback/04-undo.json")
    assert {r.name for r in undo.replicasets if r.revision == 2} == {
        r.name for r in undo.replicasets if r.revision == 4
    }
    to_1 = timeline(out, "04-rollback/04-to-revision-1.json")
    assert max(r.revision or 0 for r in to_1.replicasets) == 5
    assert to_1.min_available() == 3


def claims_05(out: Path) -> None:
    for name, bounds in {
        "surge-1-unavail-0": (5, 4),
        "surge-0-unavail-1": (4, 3),
        "surge-25-unavail-25": (5, 3),
    }.items():
        t = timeline(out, f"05-rolling-upgrade-strategy/05-{name}.json")
        assert (t.peak_desired(), t.min_available()) == bounds, name


CLAIMS = {"02": claims_02, "03": claims_03, "04": claims_04, "05": claims_05}


@pytest.mark.sandbox
@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_runs_green_on_the_sandbox(path: Path, validated):
    """The lab runs top to bottom with no error output, every check passes, its recordings match its prose."""
    out, results = validated
    result = results[path.stem]
    assert result.ok, f"{result.lab} failed at cell {result.failed_cell}: {result.error}"
    executed = nbformat.read(out / result.executed, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert result.checks, "a lab proves its steps with checks"
    assert all(c["ok"] for c in result.checks), [c for c in result.checks if not c["ok"]]
    claims = CLAIMS.get(path.stem[:2])
    if claims:
        claims(out)
        assert result.plots


@pytest.mark.sandbox
def test_validate_writes_reports_and_cleans_up(validated, sandbox):
    """report.json and report.html are written, and no lab namespace is left behind."""
    import subprocess

    out, results = validated
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] is True
    assert report["environment"]["kubernetes"] == "v1.33.13"
    assert "PASS 03-failed-rollout" in (out / "report.html").read_text()

    def admin(*args: str) -> list[str]:
        command = [sandbox.kubectl, "--kubeconfig", str(sandbox.kubeconfig), *args]
        return subprocess.run(command, capture_output=True, text=True).stdout.split()

    names = admin("get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
    left = [n for n in names if any(n == r.namespace for r in results.values())]
    if not left:
        return
    phases = admin("get", "namespaces", *left, "-o", "jsonpath={.items[*].status.phase}")
    assert set(phases) <= {"Terminating"}
