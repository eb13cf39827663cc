"""What a lab notebook calls: `open_lab`, the exercises and their checks, and the helpers that reset a lab and build
its images. It builds on the recorder and `images/`, never on the sandbox or the course tooling."""

from rolloutlab.lab.student import Lab, open_lab

__all__ = ["Lab", "open_lab"]
