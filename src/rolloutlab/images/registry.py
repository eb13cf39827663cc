"""Talk to an OCI/distribution registry over its HTTP API: does a tag exist, which tags are there.

Used by the image helpers (which tags exist) and by the sandbox (its pause image).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import requests

from rolloutlab.images import credentials

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

# The grammar of the distribution reference (github.com/distribution/reference), reduced to what we check.
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: `registry/repository:tag` or `...@digest`."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        """Split an image reference the way Docker and the kubelet do (no registry means Docker Hub)."""
        rest, _, digest_part = text.partition("@")
        digest = digest_part or None
        first, _, remainder = rest.partition("/")
        if remainder and ("." in first or ":" in first or first == "localhost"):
            registry, path = first, remainder
        else:
            registry, path = DOCKER_HUB, rest
        tag = None
        name, sep, maybe_tag = path.rpartition(":")
        if sep and "/" not in maybe_tag:
            path, tag = name, maybe_tag
        if registry == DOCKER_HUB and "/" not in path:
            path = f"library/{path}"
        if tag is None and digest is None:
            tag = "latest"
        return cls(registry=registry, repository=path, tag=tag, digest=digest)

    @property
    def reference(self) -> str:
        """The tag or digest to ask the registry for."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        suffix = f"@{self.digest}" if self.digest else f":{self.tag}"
        return f"{self.registry}/{self.repository}{suffix}"


def naming_problem(*, repository: str, tag: str) -> str | None:
    """Why `repository:tag` is not a valid image name, or None when it is."""
    if not REPOSITORY_RE.match(repository):
        return (
            f"repository {repository!r} is invalid: use lowercase letters, digits and separators "
            "(. _ __ -) between them, with / between path components"
        )
    if not TAG_RE.match(tag):
        return (
            f"tag {tag!r} is invalid: a tag is 1 to 128 letters, digits, '_', '.' or '-', "
            "and must not start with '.' or '-'"
        )
    return None


class PullResult(Enum):
    FOUND = "found"
    NOT_FOUND = "not-found"
    UNREACHABLE = "unreachable"
    DENIED = "denied"


def _auth(registry: str) -> tuple[str, str] | None:
    """Basic auth for `registry` when a login is known for it (the sandbox's registry asks for one)."""
    login = credentials.for_registry(registry)
    return login.as_tuple() if login else None


def api_base(registry: str) -> str:
    """The URL of a registry's API; local registries speak plain HTTP, as Docker allows for them."""
    host = DOCKER_HUB_API if registry == DOCKER_HUB else registry
    return f"{'http' if credentials.is_local(host) else 'https'}://{host}"


def _anonymous_token(response: requests.Response, *, repository: str, timeout: float) -> str | None:
    """Follow a registry's Bearer challenge for an anonymous pull token (Docker Hub answers 401 first)."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if not challenge.lower().startswith("bearer "):
        return None
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    realm = params.pop("realm", None)
    if not realm:
        return None
    params.setdefault("scope", f"repository:{repository}:pull")
    answer = requests.get(realm, params=params, timeout=timeout)
    if answer.status_code != 200:
        return None
    body = answer.json()
    token = body.get("token") or body.get("access_token")
    return str(token) if token else None


def request_manifest(image: str, *, method: str, timeout: float) -> requests.Response:
    """HEAD or GET the manifest of `image`, following an anonymous-token challenge (Docker Hub's 401)."""
    ref = ImageRef.parse(image)
    url = f"{api_base(ref.registry)}/v2/{ref.repository}/manifests/{ref.reference}"
    headers = {"Accept": MANIFEST_TYPES}
    response = requests.request(method, url, headers=headers, timeout=timeout, auth=_auth(ref.registry))
    if response.status_code == 401:
        token = _anonymous_token(response, repository=ref.repository, timeout=timeout)
        if token:
            headers["Authorization"] = f"Bearer {token}"
            response = requests.request(method, url, headers=headers, timeout=timeout)
    return response


def check_manifest(image: str, *, timeout: float = 3.0) -> PullResult:
    """Whether the image's registry has its manifest: found, not found, denied, or unreachable."""
    try:
        response = request_manifest(image, method="HEAD", timeout=timeout)
    except requests.RequestException:
        return PullResult.UNREACHABLE
    if response.status_code == 200:
        return PullResult.FOUND
    if response.status_code == 404:
        return PullResult.NOT_FOUND
    if response.status_code in (401, 403):
        return PullResult.DENIED
    return PullResult.UNREACHABLE


def image_env(image: str, *, timeout: float = 5.0) -> dict[str, str] | None:
    """The environment an image's config sets (its `ENV` lines: the app's APP_MESSAGE), read from the registry;
    None when the image is not there or the registry does not answer."""
    ref = ImageRef.parse(image)
    try:
        manifest = request_manifest(image, method="GET", timeout=timeout)
        if manifest.status_code != 200:
            return None
        found = manifest.json()
        if "manifests" in found:  # an index: the first image in it, as a node of this machine's kind would pull
            first = found["manifests"][0]["digest"]
            found = request_manifest(f"{ref.registry}/{ref.repository}@{first}", method="GET", timeout=timeout).json()
        blob = requests.get(f"{api_base(ref.registry)}/v2/{ref.repository}/blobs/{found['config']['digest']}",
                            timeout=timeout, auth=_auth(ref.registry))  # fmt: skip
        if blob.status_code != 200:
            return None
        lines = (blob.json().get("config") or {}).get("Env") or []
    except (requests.RequestException, ValueError, KeyError, IndexError):
        return None
    return dict(line.split("=", 1) for line in lines if "=" in line)


def list_tags(*, registry: str, repository: str, timeout: float = 5.0) -> list[str]:
    """The tags of `repository` in `registry`, sorted; empty when the repository does not exist."""
    response = requests.get(f"{api_base(registry)}/v2/{repository}/tags/list", timeout=timeout, auth=_auth(registry))
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return sorted(response.json().get("tags") or [])


def delete_tags(*, registry: str, repository: str, tags: list[str], keep: list[str], timeout: float = 5.0) -> list[str]:
    """Delete `tags` from the registry (their manifests, by digest), never one whose digest a tag of `keep` shares:
    deleting a manifest deletes every tag on it. Returns the tags deleted; a registry that refuses deletes
    (not configured for it) deletes nothing, and that is no error."""

    def digest(tag: str) -> str | None:
        found = request_manifest(f"{registry}/{repository}:{tag}", method="HEAD", timeout=timeout)
        return found.headers.get("Docker-Content-Digest") if found.status_code == 200 else None

    kept = {digest(tag) for tag in keep} - {None}
    deleted = []
    for tag in tags:
        sha = digest(tag)
        if sha is None or sha in kept:
            continue
        answer = requests.delete(f"{api_base(registry)}/v2/{repository}/manifests/{sha}", timeout=timeout,
                                 auth=_auth(registry))  # fmt: skip
        if answer.status_code == 202:
            deleted.append(tag)
    return deleted


def is_registry(*, address: str, timeout: float = 2.0) -> bool:
    """Whether a distribution registry answers its API root at `address` (host:port)."""
    try:
        response = requests.get(f"{api_base(address)}/v2/", timeout=timeout)
    except requests.RequestException:
        return False
    return "Docker-Distribution-Api-Version" in response.headers


def accepts(*, address: str, login: credentials.Login | None, timeout: float = 3.0) -> bool | None:
    """Whether the registry at `address` lets `login` in (a registry that asks for no login lets anyone in);
    None when it does not answer."""
    try:
        response = requests.get(f"{api_base(address)}/v2/", timeout=timeout, auth=login.as_tuple() if login else None)
    except requests.RequestException:
        return None
    return response.status_code == 200


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _upload_blob(*, base: str, repository: str, data: bytes, auth: tuple[str, str] | None) -> str:
    digest = _digest(data)
    start = requests.post(f"{base}/v2/{repository}/blobs/uploads/", timeout=10, auth=auth)
    if start.status_code != 202:
        raise RuntimeError(f"blob upload refused: HTTP {start.status_code} {start.text}")
    location = start.headers["Location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    done = requests.put(f"{location}{sep}digest={digest}", data=data, timeout=10, auth=auth,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    if done.status_code != 201:
        raise RuntimeError(f"blob upload failed: HTTP {done.status_code} {done.text}")
    return digest


def push_files_image(
    *,
    registry: str,
    repository: str,
    tag: str,
    files: dict[str, tuple[bytes, int]],
    entrypoint: list[str] | None = None,
) -> str:
    """Push a one-layer OCI image holding `files` (path -> content, mode) and return its manifest digest.

    No Docker needed: the sandbox pushes its pause image this way, and tests give the cluster tags that exist.
    """
    base, auth = api_base(registry), _auth(registry)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path, (body, mode) in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(body)
            info.mode = mode
            tar.addfile(info, io.BytesIO(body))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    run_config = {"Entrypoint": entrypoint} if entrypoint else {}
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "config": run_config,
         "rootfs": {"type": "layers", "diff_ids": [_digest(raw.getvalue())]}}
    ).encode()  # fmt: skip
    config_digest = _upload_blob(base=base, repository=repository, data=config, auth=auth)
    layer_digest = _upload_blob(base=base, repository=repository, data=layer, auth=auth)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                    "size": len(layer)}],
    }  # fmt: skip
    body = json.dumps(manifest).encode()
    put = requests.put(f"{base}/v2/{repository}/manifests/{tag}", data=body, timeout=10, auth=auth,
                       headers={"Content-Type": str(manifest["mediaType"])})  # fmt: skip
    if put.status_code != 201:
        raise RuntimeError(f"manifest push failed: HTTP {put.status_code} {put.text}")
    return _digest(body)


def push_scratch_image(*, registry: str, repository: str, tag: str, program: Path | None = None) -> str:
    """Push a small real OCI image: a text file naming it, and with `program` (a static binary such as the
    sandbox's pause) something a node can run, so that its pods start and become Ready."""
    files = {"version.txt": (f"{repository}:{tag}\n".encode(), 0o644)}
    if program is None:
        return push_files_image(registry=registry, repository=repository, tag=tag, files=files)
    files[program.name] = (program.read_bytes(), 0o755)
    return push_files_image(registry=registry, repository=repository, tag=tag, files=files,
                            entrypoint=[f"/{program.name}"])  # fmt: skip
