"""rollout labs: a course companion for 'Updating Deployments & Rollbacks'."""

from rolloutlab.errors import LabError
from rolloutlab.lab.checks import Check, CheckFailed
from rolloutlab.sandbox.lifecycle import Sandbox
from rolloutlab.settings import LabSettings

__all__ = ["Check", "CheckFailed", "LabError", "LabSettings", "Sandbox"]
