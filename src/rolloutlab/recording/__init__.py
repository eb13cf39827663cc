"""Recording: pod and ReplicaSet counts and the app's answers over time, the timeline judged from them, and the
plots. It depends only on the shared base (errors, settings, the kubectl runner)."""

from rolloutlab.recording.record import Recording, record

__all__ = ["Recording", "record"]
