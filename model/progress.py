"""What a long command is doing now, for the progress display of the command line.

Code that takes a while says so with :func:`stage` ("building the model", "drawing
maps"); nothing is shown unless a command listens (:func:`listening`), so the model
can be used from Python and in tests without any display. The command line shows the
stage with a spinner and the time since the command began
(:func:`model.cli.common.stages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_listener: ContextVar[Callable[[str], None] | None] = ContextVar("listener", default=None)


def stage(name: str) -> None:
    """Say what the command does from now on (a no-op when nobody listens)."""
    listener = _listener.get()
    if listener is not None:
        listener(name)


@contextmanager
def listening(callback: Callable[[str], None]) -> Iterator[None]:
    """Send every :func:`stage` inside the block to ``callback``."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)
