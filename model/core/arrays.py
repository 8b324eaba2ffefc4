"""A solution's numbers by Pyomo index, read from the solver's column values.

The compiled LP (:mod:`model.core.compiled`) maps each Pyomo variable to a
column; :class:`SolutionArrays` reads a variable's values at a solution with
numpy through that map, as :func:`model.core.prices.val` reads them one by one
from the model (the same floats: tests/test_outcomes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from model.core.prices import EPS

if TYPE_CHECKING:
    from model.core.solve import Solution


def _val(values: np.ndarray) -> np.ndarray:
    """:func:`model.core.prices.val` of each value: below EPS in size is 0."""
    return np.where(np.abs(values) < EPS, 0.0, values)


class SolutionArrays:
    """A solution's numbers by Pyomo index, read from its column values."""

    def __init__(self, solution: Solution) -> None:
        assert solution.lp is not None and solution.x is not None
        self.solution = solution
        self.lp = solution.lp
        self.x = solution.x
        self.m = solution.model

    def columns(self, var: Any, keys: list[Any]) -> np.ndarray:
        """Columns of ``var[k]`` for each key (-1 where the variable has no column)."""
        memo_key = f"cols:{var.name}:{id(keys)}"
        if memo_key not in self.lp.memo:
            self.lp.memo[memo_key] = (
                keys,  # held, so that its id is not reused
                self.lp.col_of.positions(id(var[k]) for k in keys),
            )
        return self.lp.memo[memo_key][1]

    def values(self, var: Any, keys: list[Any]) -> np.ndarray:
        """val(var[k]) for each key; 0 where the variable has no column (no constraint uses it)."""
        cols = self.columns(var, keys)
        out = np.where(cols >= 0, self.x[np.maximum(cols, 0)], 0.0)
        if (cols < 0).any():  # not in the LP: its value is whatever the model holds
            missing = np.flatnonzero(cols < 0)
            out[missing] = [pyo.value(var[keys[k]], exception=False) or 0.0 for k in missing]
        return _val(out)

    def keys(self, index_set: Any) -> list[Any]:
        """The members of a Pyomo set, in order (listed once per compiled LP)."""
        return self.lp.memo.setdefault(f"keys:{index_set.name}", list(index_set))

    def supply_keys(self) -> list[tuple[str, str]]:
        """The (stream, node) keys of ``m.SUPPLY``, in order."""
        return self.lp.memo.setdefault("supply", list(self.m.SUPPLY))

    def supply(self) -> pd.DataFrame:
        """The rows of :func:`model.core.results.supply_table` (without the region)."""
        keys = self.supply_keys()
        generated, drawn, utilized = self.supply_amounts()
        return pd.DataFrame(
            {
                "stream": [w for w, _ in keys],
                "node": [i for _, i in keys],
                "generated_10kt": generated,
                "drawn_10kt": drawn,
                "utilized_10kt": utilized,
            }
        )

    def supply_amounts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Generated, drawn and utilized of each supply key, as the model path reads them."""
        m = self.m
        keys = self.supply_keys()
        generated = _val(np.array([m.generation_10kt[k].value for k in keys], dtype=float))
        draws = self.lp.memo.setdefault("draws", [k for k in keys if k in m.DRAWS])
        drawn = np.zeros(len(keys))
        if draws:
            where = self.lp.memo.setdefault("draw_rows", [keys.index(k) for k in draws])
            drawn[where] = self.values(m.drawdown, draws)
        left = self.values(m.unutilized, keys)
        return generated, drawn, generated + drawn - left
