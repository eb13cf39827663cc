"""rollout labs: a course companion for 'Updating Deployments & Rollbacks'."""

from rolloutlab.checks import Check, CheckFailed
from rolloutlab.errors import LabError
from rolloutlab.sandbox import Sandbox
from rolloutlab.settings import LabSettings

__all__ = ["Check", "CheckFailed", "LabError", "LabSettings", "Sandbox"]
