"""Test helpers: kubectl in a namespace, waiting, manifests."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rolloutlab import kubectl, process, versions, waiting
from rolloutlab.images.registry import push_scratch_image as _push
from rolloutlab.paths import Paths
from rolloutlab.sandbox import pause

__all__ = ["Kubectl", "Output", "deployment_manifest", "push_scratch_image", "wait_for"]


def push_scratch_image(*, registry: str, repository: str, tag: str) -> str:
    """A small image the sandbox's real nodes can run: the sandbox's static pause program, plus a file naming it."""
    program = pause.cached_binary(bin_dir=Paths.from_env().bin, kubernetes=versions.KUBERNETES)
    return _push(registry=registry, repository=repository, tag=tag, program=program)


class Kubectl:
    """Real kubectl against the sandbox, in one namespace."""

    def __init__(self, *, path: str, kubeconfig: Path, namespace: str) -> None:
        self.path = path
        self.kubeconfig = kubeconfig
        self.namespace = namespace

    def __call__(self, *args: str, input_text: str | None = None, timeout: float = 180,
                 check: bool = True) -> process.Result:  # fmt: skip
        proc = kubectl.run(args, kubeconfig=self.kubeconfig, namespace=self.namespace, kubectl=self.path,
                           input_text=input_text, timeout=timeout, check=False)  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def json(self, *args: str) -> dict:
        return json.loads(self(*args, "-o", "json").stdout)


def chromium(*, window: str) -> Any:
    """Headless Chromium driven through Debian's chromedriver (nothing is downloaded)."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={window}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.25) -> object:
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    value = waiting.until(predicate, seconds=timeout, every=interval)
    if not value:
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
    return value


class Output:
    """What a spawned program writes to one pipe, read line by line in the background: a test waits for a line with
    a deadline and reads the whole once the program closed the pipe, and the pipe never fills up and stalls it."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None, "spawn the program with this pipe"
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self.lines.append(line)

    def wait_for(self, pattern: str, *, timeout: float) -> re.Match[str]:
        """The first line matching `pattern` (a regular expression), once written; fail after `timeout` seconds."""

        def found() -> re.Match[str] | None:
            return next((m for line in list(self.lines) if (m := re.search(pattern, line))), None)

        match = waiting.until(found, seconds=timeout, every=0.1)
        if match is None:
            said = self.text_so_far()
            raise AssertionError(f"no line matching {pattern!r} within {timeout:.0f} s; written: {said!r}")
        return match

    def text_so_far(self) -> str:
        return "".join(self.lines)[-2000:]

    def text(self, *, timeout: float) -> str:
        """All it wrote, once it closed the pipe (it ended); fail if it still holds it after `timeout` seconds."""
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise AssertionError(f"the pipe was still open after {timeout:.0f} s; written: {self.text_so_far()!r}")
        return "".join(self.lines)


def deployment_manifest(*, name: str, image: str, replicas: int = 4, progress_deadline: int = 600,
                        max_surge: str = "25%", max_unavailable: str = "25%") -> str:  # fmt: skip
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  progressDeadlineSeconds: {progress_deadline}
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: "{max_surge}", maxUnavailable: "{max_unavailable}"}}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        ports: [{{containerPort: 8080}}]
"""


def validate_command(lab: str, *, out: Path) -> list[str]:
    """`rolloutlab validate` of one English lab into `out`, as a user types it."""
    return [sys.executable, "-m", "rolloutlab", "validate", "--labs", lab, "--lang", "en", "--out", str(out)]
