"""`python -m rolloutlab`: the same command as `rolloutlab`."""

import sys

from rolloutlab.cli import main

sys.exit(main())
