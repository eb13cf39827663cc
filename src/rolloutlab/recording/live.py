"""The rollout figure redrawn while a recorder runs: in a notebook, in place under the running cell."""

from __future__ import annotations

import threading
from collections.abc import Callable

from rolloutlab.recording.plot import png_bytes, rollout_figure
from rolloutlab.recording.timeline import Timeline


class LiveView:
    """Redraws the rollout figure while a recorder runs, at most once per `every` seconds, and once at the end.

    In a notebook the picture updates in place under the running cell; `show` receives PNG bytes, so anything
    else (a test, a file) can take the frames too.
    """

    def __init__(self, *, every: float = 1.0, show: Callable[[bytes], None] | None = None, bounds: bool = True) -> None:
        self.every = every
        self.bounds = bounds  # False: no bound lines, while a prediction of them is still to be graded
        self.show = show or _notebook_display()
        self.frames = 0
        self.error: Exception | None = None  # what ended the live redraws early, if anything did
        self._timeline: Timeline | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="live-view")

    def changed(self) -> None:
        """Hand this to a Recorder as `on_change`."""
        self._dirty.set()

    def start(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._draw()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            if self._dirty.is_set():
                self._dirty.clear()
                try:
                    self._draw()
                except Exception as exc:
                    self.error = exc
                    # A frame that cannot be drawn ends the live redraws, not the recording; a traceback from this
                    # thread would land in the student's cell. The last frame, drawn by `stop` in the caller's
                    # thread, shows the error if it lasts.
                    return

    def _draw(self) -> None:
        if self._timeline is None:
            return
        self.show(png_bytes(rollout_figure(self._timeline, bounds=self.bounds)))
        self.frames += 1


def _notebook_display() -> Callable[[bytes], None]:
    from IPython.display import Image, display

    handle = None

    def show(png: bytes) -> None:
        nonlocal handle
        if handle is None:
            handle = display(Image(data=png), display_id=True)
        else:
            handle.update(Image(data=png))

    return show
