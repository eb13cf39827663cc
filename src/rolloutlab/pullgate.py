"""The sandbox's pull gate: the image-pulling part of a kubelet, for kwok's simulated nodes.

For every pod bound to a node, it asks the pod's registry whether each image exists (`HEAD` on the manifest)
and writes the answer on the pod (annotation `sandbox.rolloutlab.dev/pull`); the kwok Stages in
`data/kwok-stages.yaml` then start the pod or fail it with ErrImagePull and ImagePullBackOff. Like a kubelet it
records the pull in the pod's events, and retries a failed pull with a growing back-off, so an image pushed
late is still picked up.

Run as `python -m rolloutlab.pullgate --kubeconfig FILE`; `rolloutlab sandbox up` starts it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from rolloutlab.follow import follow
from rolloutlab.registry import PullAnswer, PullResult, check_manifest

PULL = "sandbox.rolloutlab.dev/pull"
PULL_MESSAGE = "sandbox.rolloutlab.dev/pull-message"
# The kubelet's image back-off starts at 10 s and doubles up to 5 minutes.
BACKOFF_START = 10.0
BACKOFF_MAX = 300.0
WATCH_SECONDS = 60

log = logging.getLogger("rolloutlab.pullgate")


def decide(images: list[str], *, check: Callable[[str], PullAnswer]) -> PullAnswer:
    """The pod's pull answer: found when every image is found, else the first failure."""
    answers = [check(image) for image in images]
    failed = next((a for a in answers if a.result is not PullResult.FOUND), None)
    if failed is not None:
        return failed
    return PullAnswer(result=PullResult.FOUND, message=f"pulled {', '.join(images)}")


@dataclass
class Retry:
    due: float
    delay: float


class PullGate:
    def __init__(self, *, api: client.CoreV1Api, check: Callable[[str], PullAnswer] = check_manifest) -> None:
        self.api = api
        self.check = check
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pull")
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.retries: dict[str, Retry] = {}
        self.pods: dict[str, client.V1Pod] = {}
        self.waiting_reason: dict[str, str] = {}

    # -- what a pod needs ------------------------------------------------------------------------------
    def observe(self, pod: client.V1Pod, *, deleted: bool = False) -> None:
        uid = pod.metadata.uid
        if deleted or pod.metadata.deletion_timestamp is not None:
            with self.lock:
                self.pods.pop(uid, None)
                self.retries.pop(uid, None)
                self.waiting_reason.pop(uid, None)
            return
        if not pod.spec.node_name:
            return  # A kubelet pulls only once the pod is bound to its node.
        with self.lock:
            self.pods[uid] = pod
        self._note_backoff(pod)
        answer = (pod.metadata.annotations or {}).get(PULL)
        if answer is None:
            self._submit(pod)
        elif answer != PullResult.FOUND.value and not _started(pod):
            with self.lock:
                self.retries.setdefault(uid, Retry(due=time.monotonic() + BACKOFF_START, delay=BACKOFF_START))

    def _note_backoff(self, pod: client.V1Pod) -> None:
        """Record a BackOff event when a pod enters ImagePullBackOff, as the kubelet does."""
        reason = _waiting_reason(pod)
        uid = pod.metadata.uid
        with self.lock:
            before = self.waiting_reason.get(uid)
            self.waiting_reason[uid] = reason or ""
        if reason == "ImagePullBackOff" and before != reason:
            for image in _images(pod):
                self._event(pod, kind="Normal", reason="BackOff", message=f'Back-off pulling image "{image}"')

    def _submit(self, pod: client.V1Pod) -> None:
        uid = pod.metadata.uid
        with self.lock:
            if uid in self.in_flight:
                return
            self.in_flight.add(uid)
        self.pool.submit(self._pull, pod)

    def _pull(self, pod: client.V1Pod) -> None:
        uid = pod.metadata.uid
        try:
            images = _images(pod)
            for image in images:
                self._event(pod, kind="Normal", reason="Pulling", message=f'Pulling image "{image}"')
            answer = decide(images, check=self.check)
            self._record(pod, answer)
        except Exception:
            log.exception("pull of %s/%s failed", pod.metadata.namespace, pod.metadata.name)
        finally:
            with self.lock:
                self.in_flight.discard(uid)

    def _record(self, pod: client.V1Pod, answer: PullAnswer) -> None:
        uid = pod.metadata.uid
        if answer.result is PullResult.FOUND:
            for image in _images(pod):
                self._event(pod, kind="Normal", reason="Pulled", message=f'Successfully pulled image "{image}"')
            with self.lock:
                self.retries.pop(uid, None)
        else:
            self._event(pod, kind="Warning", reason="Failed", message=f"Failed to pull image: {answer.message}")
            self._event(pod, kind="Warning", reason="Failed", message="Error: ErrImagePull")
            with self.lock:
                previous = self.retries.get(uid)
                delay = min(previous.delay * 2, BACKOFF_MAX) if previous else BACKOFF_START
                self.retries[uid] = Retry(due=time.monotonic() + delay, delay=delay)
        patch = {"metadata": {"annotations": {PULL: answer.result.value, PULL_MESSAGE: answer.message}}}
        try:
            self.api.patch_namespaced_pod(pod.metadata.name, pod.metadata.namespace, patch)
        except ApiException as exc:
            if exc.status != 404:
                raise
        log.info("%s/%s: %s", pod.metadata.namespace, pod.metadata.name, answer.result.value)

    def retry_due(self) -> None:
        """Pull again the failed pods whose back-off has run out."""
        now = time.monotonic()
        with self.lock:
            due = [uid for uid, r in self.retries.items() if r.due <= now]
            pods = [self.pods[uid] for uid in due if uid in self.pods]
            for uid in due:
                self.retries[uid].due = now + BACKOFF_MAX  # until the pull below sets the real back-off
        for pod in pods:
            self._submit(pod)

    # -- events -----------------------------------------------------------------------------------------
    def _event(self, pod: client.V1Pod, *, kind: str, reason: str, message: str) -> None:
        now = dt.datetime.now(dt.UTC)
        event = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=f"{pod.metadata.name}."),
            involved_object=client.V1ObjectReference(
                api_version="v1",
                kind="Pod",
                name=pod.metadata.name,
                namespace=pod.metadata.namespace,
                uid=pod.metadata.uid,
                field_path=f"spec.containers{{{pod.spec.containers[0].name}}}",
            ),
            reason=reason,
            message=message,
            type=kind,
            count=1,
            first_timestamp=now,
            last_timestamp=now,
            source=client.V1EventSource(component="kubelet", host=pod.spec.node_name),
            reporting_component="kubelet",
            reporting_instance=pod.spec.node_name,
        )
        try:
            self.api.create_namespaced_event(pod.metadata.namespace, event)
        except ApiException as exc:
            # A namespace being deleted refuses new events; the pod is going away with it.
            if exc.status not in (403, 404, 409):
                raise

    # -- the loops ----------------------------------------------------------------------------------------
    def run(self, *, stop: threading.Event) -> None:
        threading.Thread(target=self._retry_loop, args=(stop,), daemon=True).start()

        def failed(what: str, listed_once: bool) -> bool:
            log.warning("watch interrupted: %s; retrying", what)
            return True

        follow(
            self.api.list_pod_for_all_namespaces,
            handle=lambda kind, pod: self.observe(pod, deleted=kind == "DELETED"),
            stop=stop,
            watch_seconds=WATCH_SECONDS,
            on_error=failed,
        )

    def _retry_loop(self, stop: threading.Event) -> None:
        while not stop.wait(1):
            self.retry_due()


def _images(pod: client.V1Pod) -> list[str]:
    return [c.image for c in pod.spec.containers]


def _started(pod: client.V1Pod) -> bool:
    statuses = (pod.status and pod.status.container_statuses) or []
    return any(s.state and s.state.running for s in statuses)


def _waiting_reason(pod: client.V1Pod) -> str | None:
    statuses = (pod.status and pod.status.container_statuses) or []
    for status in statuses:
        if status.state and status.state.waiting:
            return str(status.state.waiting.reason)
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config.load_kube_config(config_file=args.kubeconfig)
    gate = PullGate(api=client.CoreV1Api())
    log.info("pull gate watching pods")
    gate.run(stop=threading.Event())


if __name__ == "__main__":
    main()
