"""Plots of recorded timelines are produced, non-empty, and carry the parts a reader needs."""

import json
from importlib import resources

import matplotlib
import pytest

matplotlib.use("Agg")

from rolloutlab.recording import live, plot
from rolloutlab.recording.timeline import Timeline

SAMPLES = resources.files("rolloutlab").joinpath("data/timelines")


def sample(name: str) -> Timeline:
    return Timeline.from_dict(json.loads(SAMPLES.joinpath(f"{name}.json").read_text()))


@pytest.mark.parametrize("name", ["update", "failed", "rollback"])
def test_rollout_figure_saves_png_and_svg(name, tmp_path):
    """The two-panel figure saves as PNG and SVG files of real size."""
    fig = plot.rollout_figure(sample(name))
    png = plot.save(fig, tmp_path / f"{name}.png")
    svg = plot.save(fig, tmp_path / f"{name}.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
    assert b"<svg" in svg.read_bytes()[:500]


def test_failed_figure_names_versions_states_and_deadline():
    """Legends show each revision's tag and the pull-error states; the deadline is marked."""
    fig = plot.rollout_figure(sample("failed"))
    top, bottom = fig.axes[:2]
    versions = [t.get_text() for t in top.get_legend().get_texts()]
    assert any(v.endswith(": 2.0.0") for v in versions)
    assert "replicas + maxSurge (most pods)" in versions
    states = [t.get_text() for t in bottom.get_legend().get_texts()]
    assert "ImagePullBackOff" in states
    marks = [t.get_text() for t in top.texts]
    assert "progress deadline exceeded" in marks
    assert any("set image" in m for m in marks)


def test_filmstrip_draws_three_nodes_per_frame(tmp_path):
    """Each frame of the filmstrip shows the three nodes of the sandbox."""
    fig = plot.filmstrip(sample("update"), frames=3)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert {"node-1", "node-2", "node-3"} <= {t.get_text() for t in ax.texts}
    assert plot.save(fig, tmp_path / "film.png").stat().st_size > 10_000


def test_animation_renders_frames():
    """The pods-on-nodes animation renders to HTML a notebook can show."""
    html = plot.animation(sample("rollback"), frames=5).to_jshtml()
    assert "<img" in html or "animation" in html.lower()


def test_requests_panel_shows_versions_and_failures(tmp_path):
    """With requests recorded, a third panel names each version that answered and counts the failures."""
    from rolloutlab.recording.timeline import RequestSample

    timeline = sample("failed")
    timeline.requests = [RequestSample(t=i / 10, version="1.0.0") for i in range(50)]
    timeline.requests.append(RequestSample(t=5.1, version=None, error="ConnectionError"))
    fig = plot.rollout_figure(timeline)
    assert len(fig.axes) == 3
    panel = fig.axes[2]
    assert [label.get_text() for label in panel.get_yticklabels()] == ["failed", "version 1.0.0"]
    assert "answered 50, failed 1" in panel.get_title(loc="left")


def test_requests_panel_shows_the_pods_that_answered(tmp_path):
    """Answers that name their pod are drawn a colour per pod, with a legend, and the title counts the pods."""
    from rolloutlab.recording.timeline import RequestSample

    timeline = sample("failed")
    timeline.requests = [RequestSample(t=i / 10, version="1.0.0", pod=f"first-app-x-{i % 3}") for i in range(30)]
    panel = plot.rollout_figure(timeline).axes[2]
    assert "answered 30 by 3 pods (a colour each), failed 0" in panel.get_title(loc="left")
    assert [t.get_text() for t in panel.get_legend().get_texts()] == ["pod …p-x-0", "pod …p-x-1", "pod …p-x-2",
                                                                      "failed"]  # fmt: skip


def test_the_animation_player_fetches_nothing_from_the_internet():
    """The HTML player has no CDN stylesheet and still labels its buttons (play, pause, steps)."""
    anim = plot.animation(sample("update"), frames=3)
    page = plot.animation_html(anim)
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert '.fa.fa-play::before{content:"▶"}' in page
    assert 'class="fa fa-pause"' in page
    # Characters every font has: the media symbols (U+23E9 to U+23FA) were blank squares in Chromium.
    assert not any(0x23E9 <= ord(c) <= 0x23FA for c in page)


def test_the_animation_player_speaks_the_students_language(monkeypatch):
    """In French, the player's repetition modes and button titles are French (they were Once, Loop, Reflect)."""
    monkeypatch.setenv("LAB_LANG", "fr")
    page = plot.animation_html(plot.animation(sample("update"), frames=3))
    assert ">Une fois<" in page
    assert ">Once<" not in page
    assert 'title="Image suivante"' in page


def test_a_drawn_recording_is_saved_and_shown_from_one_drawing(tmp_path, monkeypatch):
    """The notebook shows the very PNG that is saved (drawn once), at the width a 100 dpi drawing would have."""
    from IPython import display as ipython_display

    shown = []
    monkeypatch.setattr(ipython_display, "display", lambda obj: shown.append(obj))
    fig = plot.rollout_figure(sample("update"))
    saved = plot.save_and_show(fig, tmp_path / "update.png")
    [image] = shown
    assert image.data == saved.read_bytes()
    at_100 = int.from_bytes(plot.png_bytes(fig)[16:20], "big")
    assert abs(image.width - at_100) <= 2


@pytest.mark.parametrize("seen", ["nothing", "deployments", "replicasets", "pods", "events", "marks"])
def test_a_recording_that_has_seen_one_kind_of_object_draws_without_a_warning(seen):
    """A live view's first frame can come when the recorder has seen only the ReplicaSet, or nothing yet: the
    figure is drawn with no warning (an empty legend's warning, raised in the live view's thread, killed it)."""
    timeline = sample("update")
    kinds = ("deployments", "replicasets", "pods", "events", "marks")
    early = Timeline.from_dict({**timeline.to_dict(), **{k: [] for k in kinds if k != seen}, "meta": {}})
    if seen != "nothing":
        early = Timeline.from_dict({**early.to_dict(), seen: early.to_dict()[seen][:1]})
    assert plot.png_bytes(plot.rollout_figure(early))[:4] == b"\x89PNG"


def test_a_live_frame_that_fails_ends_the_redraws_quietly_and_the_last_frame_is_drawn(monkeypatch):
    """A frame that raises in the live view's thread stops the redraws without a traceback from that thread (it
    would land in the student's cell); `stop` still draws the last frame."""
    import threading

    raised: list[object] = []
    monkeypatch.setattr(threading, "excepthook", raised.append)
    frames: list[bytes] = []
    calls = {"n": 0}

    def show(png: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the display went away")
        frames.append(png)

    view = live.LiveView(every=0.05, show=show)
    view.start(sample("update"))
    view.changed()
    for _ in range(200):
        if calls["n"]:
            break
        threading.Event().wait(0.05)
    view.stop()
    assert raised == []
    assert str(view.error) == "the display went away"
    assert calls["n"] == 2
    assert frames[0][:4] == b"\x89PNG"


def test_a_figure_for_a_pending_prediction_draws_no_bound_lines():
    """While a prediction of the bounds waits for its grade, the live figure has no maxSurge / maxUnavailable lines;
    the pods and the desired replicas are still drawn."""
    fig = plot.rollout_figure(sample("failed"), bounds=False)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "desired replicas" in labels
    assert not any("maxSurge" in label or "maxUnavailable" in label for label in labels)


def test_a_french_figure_says_its_own_pod_state_in_french_and_kubectls_as_kubectl_does(monkeypatch):
    """The recorder's own state (a pod running but not Ready) is named in the student's language; the states kubectl
    prints (ImagePullBackOff...) keep kubectl's words, as `kubectl get pods` shows them."""
    monkeypatch.setenv("LAB_LANG", "fr")
    for name in ("update", "failed", "rollback"):
        states = [t.get_text() for t in plot.rollout_figure(sample(name)).axes[1].get_legend().get_texts()]
        assert "Running-not-ready" not in states, name
    states = [t.get_text() for t in plot.rollout_figure(sample("update")).axes[1].get_legend().get_texts()]
    assert "Running, pas encore Ready" in states
