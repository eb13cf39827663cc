"""The base image: the apt mirror is found, and the image the app builds on runs Python in a real container."""

import docker
import pytest

from rolloutlab.errors import LabError
from rolloutlab.images import baseimage


def test_mirror_from_deb822_sources(tmp_path):
    """The mirror of a deb822 .sources file is the one debootstrap uses."""
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n"
        "\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
    )
    assert baseimage.apt_mirror(sources=tmp_path) == "http://mirror.example/debian"


def test_no_mirror_configured_is_one_line_and_no_host_is_guessed(tmp_path):
    """apt names no Debian mirror: a LabError saying so, never a mirror host written into the code."""
    (tmp_path / "sources.list").write_text("deb http://example.org/ubuntu jammy main\n")
    with pytest.raises(LabError, match="no Debian mirror in") as caught:
        baseimage.apt_mirror(sources=tmp_path)
    assert "http" not in str(caught.value)
    assert not hasattr(baseimage, "DEFAULT_MIRROR")


def test_mirror_from_one_line_sources(tmp_path):
    """A classic sources.list line with options is read too."""
    (tmp_path / "sources.list").write_text("deb [arch=amd64] http://ftp.example/debian bookworm main\n")
    assert baseimage.apt_mirror(sources=tmp_path) == "http://ftp.example/debian"


@pytest.mark.sandbox
def test_base_image_runs_python(sandbox):
    """The base picked for this machine starts a real container whose python3 answers."""
    base = baseimage.pick_base(say=print)
    api = docker.from_env()
    try:
        out = api.containers.run(base, ["python3", "-c", "print('hello from', __import__('sys').version[:4])"],
                                 remove=True)  # fmt: skip
    finally:
        api.close()
    assert out.decode().startswith("hello from 3.")


def test_an_unpullable_public_base_is_news_only_when_ours_must_be_built(monkeypatch):
    """Offline, with our base already built, the base is picked without a word (a student's `lab.start()` needs no
    news of it); with ours still to build, the line explains the wait that follows."""

    class Engine:
        class images:  # docker's client names it so
            @staticmethod
            def pull(repository, tag):
                raise docker.errors.APIError("no internet")

        def close(self):
            pass

    present: set[str] = {baseimage.LOCAL_BASE}
    monkeypatch.setattr(baseimage, "has_image", lambda name: name in present)
    monkeypatch.setattr(baseimage.engine, "client", Engine)
    monkeypatch.setattr(baseimage, "_said_unpullable", [])
    said: list[str] = []
    assert baseimage.pick_base(say=said.append) == baseimage.LOCAL_BASE
    assert said == []
    present.clear()
    monkeypatch.setattr(baseimage, "build_local_base", lambda *, say: baseimage.LOCAL_BASE)
    assert baseimage.pick_base(say=said.append) == baseimage.LOCAL_BASE
    assert said == [f"{baseimage.PUBLIC_BASE} cannot be pulled here; using a base image built from Debian packages"]
