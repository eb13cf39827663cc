"""The set-up plan for minikube with its registry addon (kind is made for real: `rolloutlab.kind`).

minikube cannot be built here (its module is not served, and `--driver=none` needs systemd as PID 1), so its
plan is a list of commands that can be shown (`--dry-run`), tested, and run where minikube is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rolloutlab import process


@dataclass(frozen=True)
class Plan:
    """Files to write, then commands to run in order. `stdin` feeds a command its input."""

    files: dict[str, str] = field(default_factory=dict)
    commands: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def show(self) -> str:
        lines = [f"# write {path}:\n{text}" for path, text in self.files.items()]
        lines += [" ".join(_quote(part) for part in command) for command in self.commands]
        lines += [f"# {note}" for note in self.notes]
        return "\n".join(lines)

    def run(self, *, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (workdir / name).write_text(text)
        for command in self.commands:
            said = process.run(command, cwd=workdir, timeout=1800, check=True)
            print(said.stdout + said.stderr, end="")
        for note in self.notes:
            print(note)


def _quote(part: str) -> str:
    return f"'{part}'" if any(c in part for c in ' \n"$*') else part


def minikube_plan(*, profile: str = "rollout-labs") -> Plan:
    """minikube with 3 nodes and its registry addon. The addon serves the registry on port 5000 of every node
    (so pods pull `localhost:5000/...`); a port-forward gives the host the same address to push to."""
    return Plan(
        commands=[["minikube", "start", "-p", profile, "--nodes", "3", "--addons", "registry"]],
        notes=[
            "in another terminal, keep this running: "
            f"kubectl --context {profile} -n kube-system port-forward service/registry 5000:80",
            "then run the labs with: export LAB_REGISTRY=localhost:5000",
        ],
    )
