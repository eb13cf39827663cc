"""The live view: the lab's Deployments, their revisions, the pods on the nodes and the latest events, as they are
now, in a widget beside the notebook (anywidget: no JupyterLab build step). The Dashboard's ReplicaSet view and the
slides' visualizer, in one.

    view = ClusterView(namespace="default", deployments=["first-app"], api=api_client()).start()
    display(view.widget)  # JupyterLab: right-click, "Create New View for Cell Output" pins it beside the notebook
    ...
    view.stop()

One list-then-watch per kind (`watched.Watched`) keeps the objects; a pusher thread judges them (`scene.scene`)
at most every `every` seconds, and only when something changed, and hands the frame to the browser, which draws it
with the recording player's own drawing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from kubernetes import client

from rolloutlab.i18n import _
from rolloutlab.recording import player, scene
from rolloutlab.recording.plot import STATE_COLORS
from rolloutlab.recording.watched import CONFIGMAPS, Watched

EVERY = 0.25  # seconds between two frames at most: a change shows well within the second
# Seconds between two beats of a quiet view: the page says the view has stopped when no beat came for 3 of them
# (a restarted kernel leaves its last frame on screen, looking live).
BEAT = 5.0


class ClusterView:
    """Keeps `deployments` of `namespace` on screen until `stop()`. `push` takes each new frame (by default, the
    widget's). `hide_bounds(lesson)`: whether to write the strategy's bounds as written, not as pod counts (a
    prediction of them is still to be graded), judged on the data of the ConfigMap `lesson` as it is now, so that a
    view opened in an earlier lab hides them too once a later lab asks for the prediction."""

    def __init__(
        self,
        *,
        namespace: str,
        deployments: list[str],
        api: client.ApiClient,
        lesson: str | None = None,
        hide_bounds: Callable[[Mapping[str, str]], bool] = lambda lesson: False,
        push: Callable[[dict[str, Any]], None] | None = None,
        every: float = EVERY,
    ) -> None:
        self.namespace = namespace
        self.deployments = list(deployments)
        self.lesson = lesson
        self.hide_bounds = hide_bounds
        self.every = every
        self.widget: Any = None if push is not None else _widget()
        self.push = push or self._to_widget
        self.frame: dict[str, Any] = {}
        self.frames = 0
        self._ever_seen: set[str] = set()
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self.watched = Watched(api, namespace=namespace, on_change=self._dirty.set, configmap=lesson)
        self._thread = threading.Thread(target=self._loop, name="live-view", daemon=True)

    def start(self) -> ClusterView:
        self.watched.start()
        self._thread.start()
        return self

    def stop(self, *, why: str = "") -> None:
        """Stop watching; the last frame stays on screen, with `why` on top of it."""
        self._stop.set()
        self._dirty.set()
        self._thread.join(timeout=10)
        self.watched.stop()
        if why and self.frame:
            self.push({**self.frame, "status": [why, *self.frame.get("status", [])]})
        self._beat(stopped=True)

    @property
    def running(self) -> bool:
        return not self._stop.is_set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            changed = self._dirty.wait(BEAT)
            if self._stop.is_set():
                return
            if not changed:
                self._beat()
                continue
            self._dirty.clear()
            seen = self.watched.seen()
            self._ever_seen |= set(seen.objects["deployments"]) & set(self.deployments)
            lesson = (seen.objects[CONFIGMAPS].get(self.lesson or "") or {}).get("data") or {}
            frame = scene.scene(seen, namespace=self.namespace, deployments=self.deployments,
                                ever_seen=self._ever_seen, hide_bounds=self.hide_bounds(lesson))  # fmt: skip
            if _without_clock(frame) != _without_clock(self.frame):
                self.frame = frame
                try:
                    self.push(frame)
                    self.frames += 1
                except Exception:  # a widget closed under us: the view is over, the notebook is not
                    self._stop.set()
                    self.watched.stop()
                    return
            self._stop.wait(self.every)  # changes meanwhile are drawn together, in the next frame

    def _to_widget(self, frame: dict[str, Any]) -> None:
        self.widget.frame = frame
        self.widget.beat += 1

    def _beat(self, *, stopped: bool = False) -> None:
        """Tell the page this view still follows the cluster (or, `stopped`, that it was stopped on purpose)."""
        if self.widget is None:
            return
        with contextlib.suppress(Exception):  # a widget closed under us: nothing to tell
            self.widget.beat = -1 if stopped else self.widget.beat + 1


def _without_clock(frame: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in frame.items() if key != "clock"}


def _widget() -> Any:
    """The anywidget, its module being the shared drawing (draw.js) and the live view's own (live.js)."""
    try:
        import anywidget
        import traitlets
    except ImportError as exc:
        from rolloutlab.errors import LabError

        raise LabError(_("the live view needs the anywidget package, which is not installed here"),
                       fix=_("install rolloutlab with its dependencies (`pip install rolloutlab`), or draw the "
                             "recordings with `lab.draw(...)`")) from exc  # fmt: skip

    class RolloutView(anywidget.AnyWidget):
        _esm = player.script("draw.js", "live.js")
        frame = traitlets.Dict().tag(sync=True)
        words = traitlets.Dict().tag(sync=True)
        states = traitlets.Dict().tag(sync=True)
        beat = traitlets.Int(0).tag(sync=True)  # -1: stopped on purpose, no more beats

        def __repr__(self) -> str:  # what a notebook saved with its output shows once the kernel is gone
            return _("(the live view: it runs only while its kernel does; run the `lab.view()` cell again)")

    return RolloutView(words=player.words(), states=STATE_COLORS)
