"""Reaching the lesson's app from this machine, and proving it keeps serving: real HTTP requests, counted.

`app_url()` gives one URL on every kind of cluster, through the Service's NodePort wherever this machine can
reach one: kube-proxy then spreads the requests over the Service's ready pods exactly as for a request from
outside. In the sandbox the NodePort answers on 127.0.0.1; on kind (and minikube's docker driver) on a node's
address on the cluster's docker network, which this machine made; on a class cluster on a node's address if
this machine can reach it. Only where no node answers is it `kubectl port-forward service/first-app`, which
reaches one pod chosen when it starts, not the Service: the serving check then says it proves nothing.
"""

from __future__ import annotations

import atexit
import html
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from rolloutlab import environment, kubectl, process, unanswered
from rolloutlab.errors import LabError
from rolloutlab.i18n import _, ngettext
from rolloutlab.recording.timeline import RequestSample
from rolloutlab.settings import DEPLOYMENT

REAL_NODE_LABEL = "rolloutlab.dev/node=real"
SERVED_BY = re.compile(r"Served by pod: <code>([^<]+)</code>")  # the app's page names the pod that answered
# Bounds of a request loop: it stops by itself whatever its caller does.
MAX_SECONDS = 900.0
MAX_REQUESTS = 30_000


@dataclass(frozen=True)
class AppUrl:
    url: str
    via: str  # "nodeport" (through the Service, kube-proxy) or "port-forward" (one pod)

    def __str__(self) -> str:
        return self.url


_forwards: dict[str, tuple[process.Running[str], str]] = {}


def _kubectl_json(*args: str) -> dict | None:
    """`kubectl get ... -o json` through the one kubectl runner; None when kubectl says no."""
    proc = kubectl.run([*args, "-o", "json"], timeout=30, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


# The kubeconfigs whose cluster is the sandbox: the app's address is read again at each page a check reads, and the
# nodes do not change from one read to the next (a cluster that is not the sandbox is asked again each time).
_sandbox_kubeconfigs: set[str] = set()


def _on_sandbox() -> bool:
    """The sandbox labels its real nodes; their NodePorts answer on this machine's 127.0.0.1."""
    kubeconfig = environment.get(environment.KUBECONFIG)
    if kubeconfig in _sandbox_kubeconfigs:
        return True
    found = _kubectl_json("get", "nodes", "-l", REAL_NODE_LABEL)
    if found and found["items"]:
        _sandbox_kubeconfigs.add(kubeconfig)
        return True
    return False


def node_addresses(nodes: dict) -> list[str]:
    """The InternalIP of every Ready node, workers first (the control plane's kube-proxy forwards just as well,
    but a worker is where the app's pods run)."""
    found: list[tuple[bool, str]] = []
    for node in nodes.get("items", []):
        conditions = {c.get("type"): c.get("status") for c in node.get("status", {}).get("conditions", [])}
        if conditions.get("Ready") != "True":
            continue
        labels = node.get("metadata", {}).get("labels", {})
        control_plane = "node-role.kubernetes.io/control-plane" in labels
        for address in node.get("status", {}).get("addresses", []):
            if address.get("type") == "InternalIP":
                found.append((control_plane, address["address"]))
    return [address for _plane, address in sorted(found)]


def _answers(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((address, port)) == 0


def app_url(service: str = DEPLOYMENT) -> AppUrl:
    """The URL of the lesson's app from this machine (see the module's note on which way it goes)."""
    found = _kubectl_json("get", "service", service)
    if found is None:
        raise LabError(
            _("there is no Service {service!r} in this lab's namespace", service=service),
            fix=_("apply the lesson's manifests first (the deploy cell)"),
        )
    ports = found["spec"].get("ports") or [{}]
    node_port = ports[0].get("nodePort")
    if node_port and _on_sandbox():
        return AppUrl(url=f"http://127.0.0.1:{node_port}", via="nodeport")
    if node_port:
        for address in node_addresses(_kubectl_json("get", "nodes") or {}):
            if _answers(address, node_port):
                host = f"[{address}]" if ":" in address else address
                return AppUrl(url=f"http://{host}:{node_port}", via="nodeport")
    return AppUrl(url=port_forward(service), via="port-forward")


def port_forward(service: str) -> str:
    """`kubectl port-forward service/<service>` on a free loopback port, kept for the kernel's life."""
    known = _forwards.get(service)
    if known and known[0].poll() is None:
        return known[1]
    proc = process.spawn(["kubectl", "port-forward", f"service/{service}", ":80", "--address", "127.0.0.1"])
    line = process.first_line(proc, timeout=30)
    found = re.search(r"Forwarding from 127\.0\.0\.1:(\d+)", line)
    if not found:
        process.stop(proc)
        raise LabError(
            _(
                "`kubectl port-forward service/{service}` did not start: {value}",
                service=service,
                value=line.strip() or _("no output"),
            ),
            fix=_("check that a pod of the Service is Ready (`kubectl get pods`)"),
        )
    url = f"http://127.0.0.1:{found.group(1)}"
    _forwards[service] = (proc, url)
    return url


@atexit.register
def _stop_forwards() -> None:
    for proc, _url in _forwards.values():
        proc.kill()
    _forwards.clear()


def fetch(url: str, *, origin: float, timeout: float = 2.0) -> RequestSample:
    """One GET: the version that answered (its X-App-Version header), or what went wrong; `t` is seconds since
    `origin` (a time.time() value)."""
    t = round(time.time() - origin, 3)
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return RequestSample(t=t, version=None, error=unanswered.kind(exc))
    if response.status_code != 200:
        return RequestSample(t=t, version=None, error=f"HTTP {response.status_code}")
    served = SERVED_BY.search(response.text)
    return RequestSample(t=t, version=response.headers.get("X-App-Version", "?"), pod=served.group(1) if served
                         else None)  # fmt: skip


class RequestLoop:
    """GET `url` every `interval` seconds in a thread until stopped (and never beyond MAX_SECONDS or MAX_REQUESTS).

    Each request opens a new connection, so kube-proxy picks a pod for each: every ready pod gets its share.
    """

    def __init__(self, url: str, *, origin: float | None = None, interval: float = 0.05,
                 on_answer: Callable[[RequestSample], None] | None = None) -> None:  # fmt: skip
        self.url = url
        self.origin = time.time() if origin is None else origin
        self.interval = interval
        self.on_answer = on_answer
        self.answers: list[RequestSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="request-loop", daemon=True)

    def start(self) -> RequestLoop:
        self._thread.start()
        return self

    def stop(self) -> list[RequestSample]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.answers

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set() and len(self.answers) < MAX_REQUESTS:
            if time.monotonic() - started > MAX_SECONDS:
                break
            answer = fetch(self.url, origin=self.origin)
            self.answers.append(answer)
            if self.on_answer:
                self.on_answer(answer)
            self._stop.wait(self.interval)


def _get(url: str) -> requests.Response:
    """One GET for a student's cell: no answer is one line saying why, never requests' traceback."""
    try:
        return requests.get(url, timeout=5)
    except requests.RequestException as exc:
        raise LabError(
            _("nothing answers at {url} ({reason})", url=url, reason=unanswered.reason(exc)),
            fix=_("check that the pods are Ready (`kubectl get pods`)"),
        ) from exc


def page_text(url: str) -> str:
    """The app's page as a student reads it in a browser: text lines, tags dropped and entities decoded (the app
    escapes the line a student wrote, so `c'est` arrives as `c&#x27;est`)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", _get(url).text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip() and line.strip() != "first-app")


def call_error(url: str) -> str:
    """GET /error: the app answers 500 naming its pod, then exits. Returns that pod's name."""
    response = _get(f"{url}/error")
    found = re.search(r"\(pod ([\w.-]+)\)", response.text)
    if not found:
        raise LabError(
            _(
                "/error at {url} answered {status_code} without a pod name: {strip}",
                url=url,
                status_code=response.status_code,
                strip=response.text.strip(),
            ),
            fix=_("build the app's images again (`lab.demo.rebuild_images()`): older ones do not name their pod"),
        )
    return found.group(1)


@dataclass(frozen=True)
class Summary:
    answered: int
    failed: int
    versions: dict[str, int]
    errors: dict[str, int]
    pods: dict[str, int] = field(default_factory=dict)  # the pods that answered, when the answers name them

    def __str__(self) -> str:
        seen = ", ".join(f"{v} ({n})" for v, n in self.versions.items()) or _("none")
        text = ngettext("{count} request: {answered} answered, {failed} failed; versions: {seen}",
                        "{count} requests: {answered} answered, {failed} failed; versions: {seen}",
                        self.answered + self.failed, answered=self.answered, failed=self.failed,
                        seen=seen)  # fmt: skip
        if self.pods:
            text += ngettext("; answered by {count} pod", "; answered by {count} pods", len(self.pods))
        if self.errors:
            text += _("; errors: {errors}", errors=", ".join(f"{unanswered.describe(e)} ({n})"
                                                         for e, n in self.errors.items()))  # fmt: skip
        return text


def summarize(answers: list[RequestSample]) -> Summary:
    versions: dict[str, int] = {}
    errors: dict[str, int] = {}
    for answer in answers:
        if answer.version is not None:
            versions[answer.version] = versions.get(answer.version, 0) + 1
        else:
            errors[answer.error or "?"] = errors.get(answer.error or "?", 0) + 1
    pods: dict[str, int] = {}
    for answer in answers:
        if answer.pod:
            pods[answer.pod] = pods.get(answer.pod, 0) + 1
    return Summary(answered=sum(versions.values()), failed=sum(errors.values()), versions=versions, errors=errors,
                   pods=pods)  # fmt: skip
