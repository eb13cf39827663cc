"""rollout labs: a course companion for 'Updating Deployments & Rollbacks'. The root imports nothing heavy: a
notebook's `from rolloutlab.lab import open_lab` loads the lab, never the sandbox's builders."""

from rolloutlab.errors import LabError
from rolloutlab.settings import LabSettings

__all__ = ["LabError", "LabSettings"]
