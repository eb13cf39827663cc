"""Build, tag and push versions of the lesson's app with the docker SDK, with the lesson's tag discipline.

A Deployment rolls only when its pod template changes: a new version needs a new tag. So pushing a tag that
already holds different content is refused unless forced, and `latest` gets a warning.
Credentials are Docker's own (`docker login` and its credential store): never read, printed or stored here.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from docker.errors import APIError, BuildError, ImageNotFound

from rolloutlab import paths, unanswered
from rolloutlab.errors import LabError
from rolloutlab.i18n import N_, _
from rolloutlab.images import baseimage, credentials, engine, registry
from rolloutlab.settings import LabSettings

REUSED_TAG_WHY = N_(
    "a tag is a promise that its content never changes: a Deployment whose template still says the same tag sees "
    "no change, so it does not roll, and with `imagePullPolicy: IfNotPresent` (the default for a tag other than "
    "latest) nodes that already pulled the tag keep the old image"
)
LATEST_WARNING = N_(
    "'latest' is only a name, not 'the newest': `kubectl set image` to latest again changes nothing, "
    "and `rollout history` cannot tell your versions apart. Prefer a version tag such as 1.0.0"
)


@dataclass(frozen=True)
class Pushed:
    image: str
    digest: str
    warnings: tuple[str, ...]


def _unreachable(address: str, exc: requests.RequestException) -> LabError:
    return LabError(
        _("the registry {address} cannot be reached ({reason})", address=address, reason=unanswered.reason(exc)),
        fix=_("start it (`rolloutlab sandbox up` in the sandbox) or check LAB_REGISTRY"),
    )


def image_name(*, settings: LabSettings, tag: str, repository: str | None = None) -> str:
    repository = repository or settings.repository
    problem = registry.naming_problem(repository=repository, tag=tag)
    if problem:
        raise LabError(problem, fix=_("fix the name and try again"))
    return f"{settings.registry}/{repository}:{tag}"


def build(
    *,
    settings: LabSettings,
    tag: str,
    message: str,
    base_image: str | None = None,
    app_dir: Path | None = None,
    repository: str | None = None,
) -> str:
    """Build the app as version `tag` with `message`; returns the full image name. Nothing is pushed.

    Without `base_image`, the public Python base where it can be had, else one built from Debian packages.
    """
    name = image_name(settings=settings, tag=tag, repository=repository)
    app_dir = app_dir or paths.repository().app
    if base_image is None:
        base_image = baseimage.pick_base(say=print)
    args = {"APP_VERSION": tag, "APP_MESSAGE": message, "BASE_IMAGE": base_image}
    api = engine.client()
    try:
        api.images.build(path=str(app_dir), tag=name, buildargs=args, rm=True, pull=False)
    except BuildError as exc:
        last = next((str(c.get("stream") or c.get("error") or "").strip() for c in reversed(list(exc.build_log))), "")
        raise LabError(
            f"building {name} failed: {exc.msg} {last}".strip(), fix=_("check {app_dir}/Dockerfile", app_dir=app_dir)
        ) from exc
    except APIError as exc:
        raise LabError(
            _("Docker refused to build {name}: {explanation}", name=name, explanation=exc.explanation),
            fix=_("check `docker info`"),
        ) from exc
    finally:
        api.close()
    return name


def remote_config_digest(*, image: str, timeout: float = 5.0) -> str | None:
    """The config digest of `image` in its registry (what a local image ID is compared with), or None."""
    ref = registry.ImageRef.parse(image)
    try:
        response = registry.request_manifest(image, method="GET", timeout=timeout)
    except requests.RequestException as exc:
        raise _unreachable(ref.registry, exc) from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        return "unknown"  # someone else's manifest we cannot read: treat the tag as taken
    body = json.loads(response.content)
    config = body.get("config") or {}
    return str(config.get("digest") or "unknown")


def message_of(*, settings: LabSettings, tag: str) -> str | None:
    """The line the app's page shows for `tag` (the APP_MESSAGE it was built with), read from the registry; None
    when the tag is not there or the registry does not answer, "" when it was built without one."""
    env = registry.image_env(image_name(settings=settings, tag=tag))
    return None if env is None else env.get("APP_MESSAGE", "")


PUSH_ATTEMPTS = 3


def push(
    *,
    settings: LabSettings,
    tag: str,
    force: bool = False,
    say: Callable[[str], None] = print,
    repository: str | None = None,
) -> Pushed:
    """Push the built image `tag`; refuse to overwrite a tag that holds other content unless `force`."""
    name = image_name(settings=settings, tag=tag, repository=repository)
    warnings = []
    if tag == "latest":
        warnings.append(_(LATEST_WARNING))
        say(_("warning: {why}.", why=_(LATEST_WARNING)))
    api = engine.client()
    try:
        try:
            local = api.images.get(name)
        except ImageNotFound as exc:
            raise LabError(
                _("there is no local image {name}", name=name),
                fix=_("build it first: `docker build -t {name} app/`", name=name),
            ) from exc
        remote = remote_config_digest(image=name)
        if remote is not None and remote != local.id and tag != "latest" and not force:
            raise LabError(
                _(
                    "{name} already exists in the registry with different content; {REUSED_TAG_WHY}",
                    name=name,
                    REUSED_TAG_WHY=_(REUSED_TAG_WHY),
                ),
                fix=_("push it under a new tag"),
            )
        repository = name.rsplit(":", 1)[0]
        login = credentials.for_registry(settings.registry)
        auth = {"username": login.username, "password": login.password} if login else None
        error = None
        for attempt in range(PUSH_ATTEMPTS):
            error = None
            for line in api.api.push(repository, tag=tag, stream=True, decode=True, auth_config=auth):
                if "error" in line:
                    error = str(line["error"])
            if not error or not _transient(error) or attempt == PUSH_ATTEMPTS - 1:
                break
            time.sleep(1.0 + attempt)
        if error:
            raise LabError(
                _("pushing {name} failed: {error}", name=name, error=error), fix=_push_fix(error, settings=settings)
            )
    finally:
        api.close()
    if registry.check_manifest(name) is not registry.PullResult.FOUND:
        raise LabError(
            _("{name} was pushed but the registry does not list it", name=name), fix=_("check the registry's logs")
        )
    return Pushed(image=name, digest=local.id, warnings=tuple(warnings))


def _transient(error: str) -> bool:
    """A registry's own failure (HTTP 5xx), which a second push usually gets past: the distribution registry
    answers 500 while another push of the same layer is being written (seen with labs pushing side by side), and
    kind's "digest invalid" or "blob unknown" when a manifest names a layer another push is still writing."""
    return re.search(r"HTTP status: 5\d\d|\b50[0234]\b|digest invalid|blob unknown", error, re.I) is not None


def _push_fix(error: str, *, settings: LabSettings) -> str:
    lowered = error.lower()
    if "connection refused" in lowered or "no such host" in lowered or "dial tcp" in lowered:
        return _(
            "the registry {registry} cannot be reached; start it or check LAB_REGISTRY", registry=settings.registry
        )
    if "denied" in lowered or "unauthorized" in lowered or "authentication" in lowered:
        return _(
            "log in first with `docker login {registry}` (credentials stay in Docker's store)",
            registry=settings.registry,
        )
    return _("check `docker info` and the registry")


def tags(*, settings: LabSettings, repository: str | None = None) -> list[str]:
    """The tags of the app's repository in the lab's registry."""
    try:
        return registry.list_tags(registry=settings.registry, repository=repository or settings.repository)
    except requests.RequestException as exc:
        raise _unreachable(settings.registry, exc) from exc


def remove_tags(*, settings: LabSettings, chosen: list[str], keep: tuple[str, ...] = ("latest", "1.0.0")) -> list[str]:
    """Delete the `chosen` tags (what a `validate` run's labs pushed) from the registry, never the lesson's nor a
    tag whose image they share; the registry a student sees then holds the lesson's tags and their own. Returns
    those deleted."""
    now = tags(settings=settings)
    gone = sorted(set(chosen) & set(now) - set(keep))
    try:
        return registry.delete_tags(registry=settings.registry, repository=settings.repository, tags=gone,
                                    keep=[t for t in now if t not in gone])  # fmt: skip
    except requests.RequestException as exc:
        raise _unreachable(settings.registry, exc) from exc


def tag_exists(*, settings: LabSettings, tag: str, repository: str | None = None) -> bool:
    return tag in tags(settings=settings, repository=repository)


def local_tags(*, settings: LabSettings, repository: str | None = None) -> list[str]:
    """The tags of the app's repository in the local Docker engine (built, pushed or not); none without Docker."""
    base = f"{settings.registry}/{repository or settings.repository}:"
    try:
        api = engine.client(timeout=10)
    except LabError:
        return []
    try:
        found = [t for image in api.images.list() for t in image.tags if t.startswith(base)]
    finally:
        api.close()
    return sorted(t[len(base) :] for t in found)
