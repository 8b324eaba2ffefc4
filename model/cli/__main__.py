"""``python -m model.cli``: the same as the ``wastealloc`` command."""

from model.cli import app

app()
