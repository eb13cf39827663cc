"""The lesson's three rollouts, run with real kubectl and recorded: an update, a failed rollout, a rollback.

Used to make the timelines shipped in `data/timelines/` (for the docs and for tests that need no cluster), and
by the tests that check the recorder against the sandbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import kubectl
from rolloutlab import kubectl as kubectl_runner
from rolloutlab.images.registry import push_scratch_image
from rolloutlab.recording.record import Recorder, api_client
from rolloutlab.recording.timeline import Timeline

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: first-app, labels: {{app: first-app}}}}
spec:
  replicas: {replicas}
  progressDeadlineSeconds: {deadline}
  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: "{surge}", maxUnavailable: "{unavailable}"}}}}
  selector: {{matchLabels: {{app: first-app}}}}
  template:
    metadata: {{labels: {{app: first-app}}}}
    spec:
      containers: [{{name: first-app-k8s, image: "{image}"}}]
"""


@dataclass(frozen=True)
class Scenario:
    kubeconfig: str
    namespace: str
    registry: str
    repository: str
    kubectl: str = "kubectl"

    def image(self, tag: str) -> str:
        return f"{self.registry}/{self.repository}:{tag}"

    def kubectl_run(self, *args: str, input_text: str | None = None, check: bool = True) -> str:
        proc = kubectl.run(args, kubeconfig=self.kubeconfig, namespace=self.namespace, kubectl=self.kubectl,
                           input_text=input_text, timeout=600, check=check)  # fmt: skip
        return proc.stdout + proc.stderr

    def recorded(self, label: str, *commands: tuple[str, ...]) -> Timeline:
        """Run `commands` (kubectl argument lists) while recording; each is marked on the time axis."""
        recorder = Recorder(namespace=self.namespace, deployment="first-app",
                            api=api_client(kubeconfig=self.kubeconfig))  # fmt: skip
        recorder.start()
        ran: list[str] = []
        try:
            for command in commands:
                if command[0] != "rollout" or command[1] != "status":
                    recorder.mark(f"kubectl {' '.join(_short(command))}")
                said = self.kubectl_run(*command, check=command[:2] != ("rollout", "status")).strip()
                # What each command said, so a recording that lacks its end tells whether kubectl stopped early.
                ran.append(f"kubectl {' '.join(_short(command))}: {said.splitlines()[-1] if said else ''}")
        finally:
            timeline = recorder.stop()
        timeline.meta["scenario"] = label
        timeline.meta["commands"] = ran
        return timeline


def _short(command: tuple[str, ...]) -> list[str]:
    """A command as a label: images shortened to their tag."""
    return [part.split("=", 1)[0] + "=" + part.rsplit(":", 1)[-1] if "=" in part and ":" in part else part
            for part in command]  # fmt: skip


def run_all(
    *, kubeconfig: str, registry: str, program: Path, kubectl: str = "kubectl", deadline: int = 15
) -> dict[str, Timeline]:
    """Update (latest -> 1.0.0), failed rollout (-> 2.0.0, never pushed), rollback (undo): three timelines."""
    repository = f"rolloutlab-samples/first-app-{uuid.uuid4().hex[:6]}"
    for tag in ("latest", "1.0.0"):
        push_scratch_image(registry=registry, repository=repository, tag=tag, program=program)
    namespace = f"samples-{uuid.uuid4().hex[:6]}"
    scenario = Scenario(kubeconfig=kubeconfig, namespace=namespace, registry=registry, repository=repository,
                        kubectl=kubectl)  # fmt: skip
    kubectl_runner.run(["create", "namespace", namespace], kubeconfig=kubeconfig, kubectl=kubectl, check=True)
    try:
        manifest = DEPLOYMENT.format(replicas=4, deadline=deadline, surge="25%", unavailable="25%",
                                     image=scenario.image("latest"))  # fmt: skip
        scenario.kubectl_run("apply", "-f", "-", input_text=manifest)
        scenario.kubectl_run("rollout", "status", "deployment/first-app", "--timeout=300s")
        set_image = ("set", "image", "deployment/first-app")
        status = ("rollout", "status", "deployment/first-app", "--timeout=300s")
        return {
            "update": scenario.recorded("update", (*set_image, f"first-app-k8s={scenario.image('1.0.0')}"), status),
            "failed": scenario.recorded("failed", (*set_image, f"first-app-k8s={scenario.image('2.0.0')}"), status),
            "rollback": scenario.recorded("rollback", ("rollout", "undo", "deployment/first-app"), status),
        }
    finally:
        kubectl_runner.run(
            ["delete", "namespace", namespace, "--wait=false"], kubeconfig=kubeconfig, kubectl=kubectl, check=False
        )


def save_all(timelines: dict[str, Timeline], *, out_dir: Path) -> list[Path]:
    return [timeline.save(out_dir / f"{name}.json") for name, timeline in timelines.items()]
