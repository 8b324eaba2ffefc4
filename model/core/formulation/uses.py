r"""Current practice kept: each node keeps its base-year uses (``[targets] base_year_uses``).

The floors of :func:`model.core.inputs.base_year_uses` (10^4 t): a stream's base-year
amount in a pathway at a node, and a pathway's base-year intake at a node. They
sit beside the per-(stream, node) floors of ``base_year_floor`` in
:mod:`model.core.formulation.core`.
"""

from __future__ import annotations

import pyomo.core as pyo

from model.core.inputs import ModelInputs


def add_use_floors(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Base-year uses do not regress, per stream and pathway and per pathway.

    .. math::
        z_{w,j,p} \ge use_{w,j,p}, \qquad \sum_w z_{w,j,p} \ge intake_{j,p}

    Floors on tuples the model does not index (a pathway without capacity, a
    stream that cannot reach it) are left out; :func:`model.core.inputs.base_year_uses`
    keeps each floor within existing capacity, so the base year itself meets them.
    """
    stream = {k: v for k, v in inp.use_floor_10kt.items() if v > 0 and k in m.PROCESSES}
    m.USE_FLOORS = pyo.Set(dimen=3, initialize=sorted(stream))
    m.use_floor_10kt = pyo.Param(m.USE_FLOORS, initialize=stream, mutable=True)
    m.use_floor = pyo.Constraint(
        m.USE_FLOORS, rule=lambda m, w, j, p: m.process[w, j, p] >= m.use_floor_10kt[w, j, p]
    )
    intake = {
        k: v for k, v in inp.intake_floor_10kt.items() if v > 0 and k in m.PLANTS and m._intake[k]
    }
    m.INTAKE_FLOORS = pyo.Set(dimen=2, initialize=sorted(intake))
    m.intake_floor_10kt = pyo.Param(m.INTAKE_FLOORS, initialize=intake, mutable=True)
    m.intake_floor = pyo.Constraint(
        m.INTAKE_FLOORS,
        rule=lambda m, j, p: (
            sum(m.process[k] for k in m._intake[j, p]) >= m.intake_floor_10kt[j, p]
        ),
    )
