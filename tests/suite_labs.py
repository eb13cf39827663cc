"""The suite's one run of every lab, as its own process: `python tests/suite_labs.py SPEC.json`.

conftest.py starts it when the session starts and the tests that do not need the labs run meanwhile; a process of
its own keeps its kernels, its stop signals and its output apart from the tests'. SPEC holds the out folder, the
environment, the French labs (each in a fresh namespace) and the class seats (namespace, kubeconfig, labs)."""

import json
import sys
from pathlib import Path

from rolloutlab.course import validate


def main(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text())
    seats = [validate.Seat(namespace=s["namespace"], kubeconfig=Path(s["kubeconfig"]),
                           labs=tuple(Path(p) for p in s["labs"])) for s in spec["seats"]]  # fmt: skip
    validate.validate(labs=[Path(p) for p in spec["labs"]], out_dir=Path(spec["out"]), env=spec["env"],
                      jobs=spec["jobs"], seats=seats)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
