"""Run the labs as a student would, top to bottom, with nbclient; keep the executed copies and a report.

The student's notebooks are only read: executed copies go to the output folder.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from rolloutlab.errors import LabError

LABS_DIR = Path(__file__).resolve().parents[2] / "labs"
CELL_TIMEOUT = 900


@dataclass(frozen=True)
class LabResult:
    lab: str
    ok: bool
    seconds: float
    failed_cell: int | None
    error: str | None
    executed: str


def find_labs(*, labs_dir: Path, chosen: Sequence[str] | None) -> list[Path]:
    """The lab notebooks, in order; `chosen` picks by number prefix (`00`, `03`) or by file stem."""
    if not labs_dir.is_dir():
        raise LabError(f"no labs folder at {labs_dir}", fix="run from a clone of the repository")
    labs = sorted(labs_dir.glob("[0-9][0-9]-*.ipynb"))
    if not chosen:
        return labs
    picked = []
    for key in chosen:
        match = [p for p in labs if p.stem == key or p.stem.split("-", 1)[0] == key]
        if not match:
            known = ", ".join(p.stem for p in labs)
            raise LabError(f"no lab {key!r}", fix=f"choose among {known}")
        picked += match
    return picked


def run_lab(path: Path, *, out_dir: Path, env: Mapping[str, str]) -> LabResult:
    nb = nbformat.read(path, as_version=4)
    executed = out_dir / path.name
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    failed_cell = None
    error = None
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel inherits the lab parameters from our environment
    try:
        NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed_cell, error = _failure(nb, exc)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        nbformat.write(nb, executed)
    return LabResult(
        lab=path.stem,
        ok=error is None,
        seconds=round(time.monotonic() - started, 1),
        failed_cell=failed_cell,
        error=error,
        executed=str(executed),
    )


def _failure(nb: nbformat.NotebookNode, exc: Exception) -> tuple[int | None, str]:
    """The index of the first cell with an error output, and the error's last line."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, f"{output.get('ename')}: {output.get('evalue')}"
    return None, str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__


def validate(*, labs: Sequence[Path], out_dir: Path, env: Mapping[str, str]) -> list[LabResult]:
    results = [run_lab(path, out_dir=out_dir, env=env) for path in labs]
    report = {"labs": [asdict(r) for r in results], "ok": all(r.ok for r in results)}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    return results
