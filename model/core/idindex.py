"""The place of each object of a list by its ``id``, held as sorted numpy arrays.

Used by the compiled LP (:mod:`model.core.compiled`) for its column and row
maps, and by the evaluator (:mod:`model.core.evaluate`) that reads values
through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class IdIndex:
    """The place of each object of a list by its ``id``, as sorted numpy arrays.

    Used as ``{id(obj): place}`` (``get``, ``[]``, ``in``), or for many ids at
    once (``positions``). A dict would hold two Python ints per entry, made
    just as the compiler's transient objects are freed; scattered among them
    they kept about 13 MB of the prefecture model's compile from being returned.
    """

    def __init__(self, objects: list[Any]) -> None:
        ids = np.fromiter(map(id, objects), dtype=np.int64, count=len(objects))
        self._order = np.argsort(ids, kind="stable")
        self._ids = ids[self._order]
        self.unique = bool((np.diff(self._ids) != 0).all())

    def __len__(self) -> int:
        return len(self._ids)

    def positions(self, ids: Any) -> np.ndarray:
        """The place of each id (an iterable of ints), -1 where it is not in the list."""
        keys = np.fromiter(ids, dtype=np.int64)
        if not len(self._ids):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._ids, keys), len(self._ids) - 1)
        return np.where(self._ids[at] == keys, self._order[at], -1)

    def get(self, key: int, default: int | None = None) -> int | None:
        at = int(np.searchsorted(self._ids, key))
        if at < len(self._ids) and self._ids[at] == key:
            return int(self._order[at])
        return default

    def __getitem__(self, key: int) -> int:
        place = self.get(key)
        if place is None:
            raise KeyError(key)
        return place

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None
