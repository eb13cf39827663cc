"""The package's error paths speak French through and through with LAB_LANG=fr: no English fragment passed as a
value into a translated message (commands, names and quoted values excepted)."""

import re
from pathlib import Path

import pytest

from rolloutlab import kubectl, paths, process
from rolloutlab.course import validate
from rolloutlab.errors import LabError
from rolloutlab.images import engine
from rolloutlab.lab import answered, images, judge, student
from rolloutlab.lab.observe import Seen
from rolloutlab.sandbox import hostnet
from rolloutlab.settings import LabSettings

SEEN = Path(__file__).parent / "data" / "seen"
ENGLISH = re.compile(r"\b(the|is|are|no|not|failed|cannot|does|did|run|check|and|with|among|found|missing|answer)\b")


def english_words(text: str) -> list[str]:
    """English words left once what is not prose is taken out: `code`, 'quoted' and "quoted" values, URLs, paths,
    option names."""
    prose = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"|https?://\S+|/\S+|--?[\w-]+", " ", text)
    return ENGLISH.findall(prose)


def said(action) -> str:
    try:
        action()
    except LabError as exc:
        return str(exc)
    raise AssertionError("no error")


def error_paths(tmp_path: Path) -> dict[str, str]:
    nowhere = LabSettings.from_env({"LAB_REGISTRY": "127.0.0.1:9"})
    lab = student.Lab("02", settings=nowhere, artifacts=tmp_path, context="lab")
    return {
        "a program missing": said(lambda: process.run(["absent-program"], timeout=5, check=True)),
        # Silent, so that the message is ours alone: what a program says is its own words, in its own language.
        "a program failing": said(lambda: process.run(["sh", "-c", "exit 3"], timeout=5, check=True)),
        "a program late": said(lambda: process.run(["sleep", "5"], timeout=0.2, check=True)),
        "kubectl missing": said(lambda: kubectl.run(["get", "pods"], kubectl="/no/kubectl", timeout=5, check=False)),
        "a host command missing": said(lambda: hostnet.run(["absent-ip-tool", "link"])),
        "the registry down": said(lambda: images.tags(settings=nowhere)),
        "no labs folder": said(lambda: validate.find_labs(labs_dir=tmp_path / "none", chosen=None)),
        "an unknown lab": said(lambda: validate.find_lab_sets(languages=("en",), chosen=["42"])),
        "an unknown step": said(lambda: lab.hint("09.9")),
        "nothing recorded": said(lambda: lab._stop("02-set-image")),
        "Docker down": said(lambda: engine.client(timeout=2)),
        "a skipped answer": answered.unanswered("02.2", ["container"]).message,
        "an answer cell that failed": answered.failed_cell("02.2", "container", "SyntaxError").message,
        "a missing tag": judge.rolled_out(Seen.load(SEEN / "typed-1.0.1.json"), tag="1.0.0").message,
        "a stuck rollout": judge.rolled_out(Seen.load(SEEN / "stuck-on-2.0.0.json"), tag="2.0.0").message,
        "nothing deployed": judge.rolled_out(Seen.load(SEEN / "nothing-deployed.json"), tag="latest").message,
    }


def test_error_paths_speak_french(monkeypatch, tmp_path):
    """Each error path, triggered with LAB_LANG=fr, reads as French: no English word outside commands and values."""
    monkeypatch.setenv("LAB_LANG", "fr")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    messages = error_paths(tmp_path)
    english = {what: english_words(text) for what, text in messages.items() if english_words(text)}
    assert english == {}, {what: messages[what] for what in english}


def test_the_detector_finds_english(monkeypatch, tmp_path):
    """The same paths in English are caught by the detector: the test above can fail."""
    monkeypatch.setenv("LAB_LANG", "en")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    messages = error_paths(tmp_path)
    assert {what: text for what, text in messages.items() if not english_words(text)} == {}


@pytest.fixture(autouse=True)
def _fresh_repository_lookup():
    paths.repository.cache_clear()
    yield
    paths.repository.cache_clear()
