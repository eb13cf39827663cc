"""`validate`'s proof, run in a lab's kernel, that a step's check can fail: the check run now, without waiting for
the cluster, where the step is not done yet, or for a set-up step in an environment broken the way its check must
notice. It is validate's, not the student's: the `Lab` does not carry it."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from rolloutlab.lab import exercises
from rolloutlab.lab.student import Lab
from rolloutlab.settings import LabSettings

# The cell `validate` runs in the kernel for a proof; its result is the check's published one.
CELL = "from rolloutlab.course.proof import prove as _rolloutlab_prove\n_rolloutlab_prove(lab, {step!r})"


def prove(lab: Lab, step: str) -> None:
    changes = exercises.STEPS[step].broken_env
    with broken(changes):
        settings = lab.settings
        if changes:  # the settings read again from the broken environment, as a new kernel would
            lab.settings = LabSettings.from_env()
        try:
            lab.check(step, wait=0)
        finally:
            lab.settings = settings


@contextlib.contextmanager
def broken(changes: Mapping[str, str]) -> Iterator[None]:
    """The environment changed for a set-up check's proof (`{nowhere}`: a kubeconfig of a cluster that is not
    there), and restored afterwards."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="rolloutlab-broken-") as folder:
        nowhere = Path(folder) / "kubeconfig"
        nowhere.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "nowhere",
            "clusters": [{"name": "nowhere", "cluster": {"server": "https://127.0.0.1:9"}}],
            "contexts": [{"name": "nowhere", "context": {"cluster": "nowhere", "user": "nobody"}}],
            "users": [{"name": "nobody", "user": {}}]}))  # fmt: skip
        empty = Path(folder) / "empty"  # a Docker config folder with no login in it
        empty.mkdir()
        os.environ.update({k: v.format(nowhere=nowhere, empty=empty) for k, v in changes.items()})
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
