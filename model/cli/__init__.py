"""The command line: parses, calls, prints. No model logic lives here.

One module per group of commands; importing them registers them on ``app``.
"""

from model.cli import data, maps, report, solve, studies, study  # noqa: F401  (registers the commands)
from model.cli.common import app

__all__ = ["app"]
