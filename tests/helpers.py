"""Test helpers: a minimal real OCI image pushed over the registry's HTTP API, and kubectl calls."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from rolloutlab.registry import api_base


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _upload_blob(*, base: str, repository: str, data: bytes) -> str:
    digest = _digest(data)
    start = requests.post(f"{base}/v2/{repository}/blobs/uploads/", timeout=10)
    assert start.status_code == 202, start.text
    location = start.headers["Location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    done = requests.put(f"{location}{sep}digest={digest}", data=data, timeout=10,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    assert done.status_code == 201, done.text
    return digest


def push_scratch_image(*, registry: str, repository: str, tag: str) -> str:
    """Push a small real OCI image (one layer holding a text file) and return its manifest digest."""
    base = api_base(registry)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        body = f"{repository}:{tag}\n".encode()
        info = tarfile.TarInfo("version.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "config": {},
         "rootfs": {"type": "layers", "diff_ids": [_digest(raw.getvalue())]}}
    ).encode()  # fmt: skip
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _upload_blob(base=base, repository=repository, data=config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _upload_blob(base=base, repository=repository, data=layer), "size": len(layer)}],
    }  # fmt: skip
    body = json.dumps(manifest).encode()
    put = requests.put(f"{base}/v2/{repository}/manifests/{tag}", data=body, timeout=10,
                       headers={"Content-Type": manifest["mediaType"]})  # fmt: skip
    assert put.status_code == 201, put.text
    return _digest(body)


class Kubectl:
    """Real kubectl against the sandbox, in one namespace."""

    def __init__(self, *, path: str, kubeconfig: Path, namespace: str) -> None:
        self.path = path
        self.kubeconfig = kubeconfig
        self.namespace = namespace

    def __call__(self, *args: str, input_text: str | None = None, timeout: float = 180,
                 check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
        proc = subprocess.run(
            [self.path, "--kubeconfig", str(self.kubeconfig), "-n", self.namespace, *args],
            input=input_text, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def json(self, *args: str) -> dict:
        return json.loads(self(*args, "-o", "json").stdout)


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.25) -> object:
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


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
