"""The linear program, in Pyomo: :func:`build_model` and one module per constraint group.

``core`` holds the sets, parameters, variables, balances, capacity, blends,
targets and floors, ``objective`` the total cost and the hauls' cost and CO2,
``tranches`` and ``uses`` their constraint groups; the mathematics of the whole model is
written down in ``docs/formulation.md``.
"""

from model.core.formulation.core import build_model, drawn, group_drawn, group_generation

__all__ = ["build_model", "drawn", "group_drawn", "group_generation"]
