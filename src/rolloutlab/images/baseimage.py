"""A Python base image for the app where none can be pulled (an offline classroom, CI): built locally from
Debian packages with debootstrap and imported into Docker. Students with internet use the public base."""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from docker.errors import APIError, DockerException, ImageNotFound

from rolloutlab import process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import engine

PUBLIC_BASE = "python:3.12-slim"
LOCAL_BASE = "rolloutlab/python-base:bookworm"
SUITE = "bookworm"
# Trimmed after debootstrap: nothing a Python web app reads at run time.
PRUNE = ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale")


def apt_mirror(*, sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses (so debootstrap reaches what apt reaches). None is assumed: a
    machine whose apt names no Debian mirror gets one line saying so."""
    files = [*sorted(sources.glob("sources.list.d/*.sources")), sources / "sources.list"]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, flags=re.MULTILINE):
            uri = match.group(1)
            if uri.rstrip("/").endswith("/debian"):
                return uri
    raise LabError(
        _(
            "no Debian mirror in {sources}/sources.list or "
            "{sources}/sources.list.d/*.sources, so debootstrap has nowhere to "
            "fetch the base image's packages from",
            sources=sources,
        ),
        fix=_(
            "add your Debian mirror to apt's sources (the one `apt-get update` "
            "should use), or run on a machine that can pull python:3.12-slim"
        ),
    )


def has_image(name: str) -> bool:
    api = engine.client()
    try:
        api.images.get(name)
        return True
    except ImageNotFound:
        return False
    finally:
        api.close()


# Said once a process: a lab that builds twice in one cell printed the same line twice.
_said_unpullable: list[bool] = []


def pick_base(*, say: Callable[[str], None]) -> str:
    """The base image the app's Dockerfile should use here: the public one if present or pullable, else ours."""
    if has_image(PUBLIC_BASE):
        return PUBLIC_BASE
    api = engine.client()
    try:
        repository, tag = PUBLIC_BASE.split(":")
        api.images.pull(repository, tag=tag)
        return PUBLIC_BASE
    except (APIError, DockerException):
        # Said where it explains a wait (the base is built now); a student's `lab.start()` needs no news of it.
        if not _said_unpullable and not has_image(LOCAL_BASE):
            _said_unpullable.append(True)
            say(_("{PUBLIC_BASE} cannot be pulled here; using a base image built from Debian packages",
                  PUBLIC_BASE=PUBLIC_BASE))  # fmt: skip
    finally:
        api.close()
    build_local_base(say=say)
    return LOCAL_BASE


def build_local_base(*, say: Callable[[str], None]) -> str:
    """Build `LOCAL_BASE` with debootstrap unless Docker already has it."""
    if has_image(LOCAL_BASE):
        return LOCAL_BASE
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None or os.geteuid() != 0:
        raise LabError(
            _(
                "no Python base image can be pulled, and {LOCAL_BASE} cannot be built here ({value})",
                LOCAL_BASE=LOCAL_BASE,
                value="debootstrap is not installed" if debootstrap is None else "building it needs root",
            ),
            fix=_("run ./scripts/setup as root, or make python:3.12-slim available to Docker (docker pull/load)"),
        )
    with tempfile.TemporaryDirectory(prefix="rolloutlab-base-") as tmp:
        root = Path(tmp) / "rootfs"
        mirror = apt_mirror()
        say(
            _(
                "building {LOCAL_BASE} with debootstrap from {mirror} (a few minutes, once)",
                LOCAL_BASE=LOCAL_BASE,
                mirror=mirror,
            )
        )
        proc = process.run([debootstrap, "--variant=minbase", "--include=python3", SUITE, str(root), mirror],
                           timeout=1800, check=False)  # fmt: skip
        if not proc.ok:
            tail = " | ".join(proc.stdout.strip().splitlines()[-3:])
            raise LabError(
                _("debootstrap failed: {tail}", tail=tail), fix=_("check that the Debian mirror is reachable")
            )
        for relative in PRUNE:
            shutil.rmtree(root / relative, ignore_errors=True)
        archive = Path(tmp) / "rootfs.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(root, arcname=".")
        api = engine.client()
        try:
            repository, tag = LOCAL_BASE.split(":")
            with archive.open("rb") as data:
                api.api.import_image_from_data(
                    data.read(),
                    repository=repository,
                    tag=tag,
                    changes=["ENV LANG=C.UTF-8", 'CMD ["python3"]'],
                )
        finally:
            api.close()
    say(_("built {LOCAL_BASE}", LOCAL_BASE=LOCAL_BASE))
    return LOCAL_BASE
