"""A built Pyomo model compiled once to sparse arrays, and kept in step with its parameters.

Pyomo stays the one place the model is written. Its standard-form compiler
(:class:`pyomo.repn.plugins.standard_form.LinearStandardFormCompiler`) turns
the constraints into a sparse matrix with row bounds in one pass; the
objectives become cost vectors over the same columns. :mod:`model.core.solve`
hands these to HiGHS directly and keeps the row and column maps so that values
and duals come back to the Pyomo components.

Columns are put in the order in which the constraints first use them, and rows
in declaration order, which is how Pyomo's persistent HiGHS interface lays out
the same model: HiGHS sees the same matrix either way.

When a mutable parameter changes (a sweep, the cost of one more percentage
point), :meth:`CompiledLP.sync` finds the rows and objectives that use it and
re-reads only those, as (row, column, value) and bound changes for the live
solver, instead of compiling the model again.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.plugins.standard_form import (
    LinearStandardFormCompiler,
    _LinearStandardFormCompiler_impl,
)

from model.core.evaluate import Evaluator
from model.core.idindex import IdIndex

INF = float("inf")


def _sparse() -> Any:
    """scipy.sparse, without the scipy.stats, integrate and spatial that Pyomo adds.

    Pyomo registers a callback on the import of scipy that imports those three
    (1-2 s, most of a province solve's start-up). It is held back while
    scipy.sparse is imported; Pyomo's deferred ``scipy`` still resolves (and
    runs it) if Pyomo itself ever uses scipy.
    """
    import sys

    from pyomo.common.dependencies import DeferredImportCallbackFinder

    if "scipy" in sys.modules:
        import scipy.sparse

        return scipy.sparse
    callbacks = DeferredImportCallbackFinder._callbacks
    held = callbacks.pop("scipy", None)
    try:
        import scipy.sparse
    finally:
        if held is not None:
            callbacks["scipy"] = held
    return scipy.sparse


if _LinearStandardFormCompiler_impl._to_vector is None:
    # The compiler's first use would resolve Pyomo's deferred ``scipy`` (see
    # ``_sparse``); it uses only the sparse arrays, set here first as it sets them.
    sparse = _sparse()
    _LinearStandardFormCompiler_impl._to_vector = np.fromiter
    _LinearStandardFormCompiler_impl._csc_matrix = sparse.csc_array
    _LinearStandardFormCompiler_impl._csr_matrix = sparse.csr_array


class _Compiler(_LinearStandardFormCompiler_impl):
    """Pyomo's standard-form compiler, evaluating each coefficient expression once.

    A coefficient expression shared by many terms (the unit cost of an arc, in
    the hauls of every stream) is evaluated where first met and its value
    reused, as the compiler already does for named expressions: the same float,
    without walking the same tree again (the compiler's hook ``_get_visitor``).
    """

    @staticmethod
    def _get_visitor(subexpression_cache: dict[int, Any], **kwds: Any) -> LinearRepnVisitor:
        visitor = LinearRepnVisitor(subexpression_cache, **kwds)
        evaluate = visitor.evaluate
        done: dict[int, tuple[Any, Any]] = {}  # id -> (the expression, held; its value)

        def once(expr: Any) -> Any:
            hit = done.get(id(expr))
            if hit is None:
                hit = done[id(expr)] = (expr, evaluate(expr))
            return hit[1]

        visitor.evaluate = once
        return visitor

    def _create_csc(self, data: Any, index: Any, index_ptr: Any, nnz: int, n_cols: int) -> Any:
        """The compiler's sparse matrix; the rows as written are kept (``written``): each
        row's columns in the order its expression names them, for :func:`_first_use_order`."""
        index = np.fromiter(itertools.chain.from_iterable(index), np.int32, nnz)
        data = np.fromiter(itertools.chain.from_iterable(data), np.float64, nnz)
        self.written = (index, np.asarray(index_ptr, dtype=np.int64), data)  # the last: A
        return super()._create_csc([data], [index], index_ptr, nnz, n_cols)


@dataclass
class Changes:
    """What changed in the LP since the last sync, for the live solver."""

    row_bounds: dict[int, tuple[float, float]] = field(default_factory=dict)
    coefficients: dict[tuple[int, int], float] = field(default_factory=dict)
    objectives: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.row_bounds or self.coefficients or self.objectives)


class CompiledLP:
    """The LP of a Pyomo model as arrays: ``row_lower <= A x <= row_upper``, bounds on x.

    ``objectives`` maps a name to a Pyomo objective (active or not); its cost
    vector and constant are in ``cost[name]`` and ``offset[name]``.
    """

    def __init__(self, model: pyo.Block, objectives: dict[str, pyo.Objective]) -> None:
        self.model = model
        # the objectives are compiled with the constraints (one pass over shared terms),
        # each as its own row of c; any other objective is left out
        wanted = {id(o) for o in objectives.values()}
        switched = [
            o for o in model.component_data_objects(pyo.Objective) if o.active != (id(o) in wanted)
        ]
        for o in switched:
            o.deactivate() if o.active else o.activate()
        try:
            config = LinearStandardFormCompiler().config({"mixed_form": True, "set_sense": None})
            compiler = _Compiler(config)
            repn = compiler.write(model)
        finally:
            for o in switched:
                o.deactivate() if o.active else o.activate()
        a = repn.A.tocsc()
        if (np.diff(a.indptr) == 0).any():
            raise ValueError("an objective uses a variable no constraint uses")
        rows = [entry.constraint for entry in repn.rows]
        order = _first_use_order(a, repn.columns, compiler)
        self.A = a[:, order].tocsc()
        self.columns = [repn.columns[k] for k in order]
        self.col_of = IdIndex(self.columns)
        self.rows = rows
        self.row_of = IdIndex(self.rows)
        if not self.row_of.unique:
            raise ValueError("a ranged constraint would take two rows; none is expected")
        sense = np.array([entry.bound_type for entry in repn.rows], dtype=int)
        rhs = np.asarray(repn.rhs, dtype=float)
        self.row_lower = np.where(sense <= 0, rhs, -INF)
        self.row_upper = np.where(sense >= 0, rhs, INF)
        self.col_lower = np.empty(len(self.columns))
        self.col_upper = np.empty(len(self.columns))
        for k, v in enumerate(self.columns):
            lo, hi = v.bounds
            self.col_lower[k] = -INF if lo is None else lo
            self.col_upper[k] = INF if hi is None else hi
        self.objectives = objectives
        self.cost: dict[str, np.ndarray] = {}
        self.offset: dict[str, float] = {}
        c = repn.c.tocsr()
        name_of = {id(o): name for name, o in objectives.items()}
        for k, objective in enumerate(repn.objectives):
            name = name_of[id(objective)]
            self.cost[name] = c[[k], :].toarray().ravel()[order]
            self.offset[name] = float(repn.c_offset[k])
        self._params: list[Any] = _mutable_params(model)
        self._values = np.array([float(p.value) for p in self._params])
        self._uses: dict[int, list[tuple[int | str, bool]]] | None = None
        self._bodies: dict[int, tuple[dict[int, float], float]] = {}  # row -> its body, read
        self._known: dict[int, list[tuple[int | str, bool]]] = {}
        self._row_override: dict[int, dict[int, float]] = {}
        self.x = np.zeros(self.shape[1])  # the column values held (see ``hold``)
        self._evaluator: Evaluator | None = None
        self.memo: dict[str, Any] = {}  # maps derived from the columns (model.core.outcomes)

    def bound_of(self, param: Any, con: Any, constant: float) -> None:
        """Declare that ``param`` is used by the bound of ``con`` only, whose body has ``constant``.

        A change of that parameter alone then re-reads one bound, without the
        walk of the whole model that finds where a parameter is used.
        """
        r = self.row_of[id(con)]
        self._known[id(param)] = [(r, False)]
        self._bodies.setdefault(r, ({}, constant))

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def _read_objective(self, name: str) -> None:
        linear, constant = _linear(self.objectives[name].expr)
        cost = np.zeros(self.shape[1])
        cols = self.col_of.positions(linear)
        if (cols < 0).any():
            raise ValueError(f"objective {name!r} uses a variable no constraint uses")
        cost[cols] = list(linear.values())
        self.cost[name] = cost
        self.offset[name] = float(constant)

    def hold(self, x: np.ndarray) -> None:
        """Keep the solver's column values (for :meth:`value`) without loading them."""
        self.x = x

    def load(self, x: np.ndarray | None = None) -> None:
        """Put the solver's values (by default those held) into the Pyomo variables."""
        if x is not None:
            self.x = x
        for v, value in zip(self.columns, self.x.tolist(), strict=True):
            v.set_value(value, skip_validation=True)

    def value(self, expr: object, x: np.ndarray | None = None) -> float:
        """``pyo.value(expr)`` with the variables at ``x`` (by default the values held)."""
        if self._evaluator is None:
            self._evaluator = Evaluator(self.col_of, self.shape[1])
        with PauseGC():  # the first evaluation plans the expression: many small objects
            return self._evaluator.value(expr, self.x if x is None else x)

    def sync(self) -> Changes:
        """Re-read the rows and objectives whose parameters changed since the last sync."""
        values = np.array([float(p.value) for p in self._params])
        changed = np.flatnonzero(values != self._values)
        out = Changes()
        if not len(changed):
            return out
        self._values = values
        known = [self._known.get(id(self._params[k])) for k in changed.tolist()]
        uses = self._known if all(known) else self._index_uses()
        rows: dict[int, bool] = {}  # row -> whether its body (not only a bound) changed
        for k in changed.tolist():
            for use, in_body in uses.get(id(self._params[k]), ()):
                if isinstance(use, str):
                    out.objectives.add(use)
                else:
                    rows[use] = rows.get(use, False) or in_body
        for name in out.objectives:
            self._read_objective(name)
        for r in sorted(rows):
            self._reread_row(r, rows[r], out)
        return out

    def _index_uses(self) -> dict[int, list[tuple[int | str, bool]]]:
        """Rows and objectives each mutable parameter appears in, and whether in a row's body.

        Built once, on demand: a solve that changes no parameter never walks the model again.
        """
        if self._uses is None:
            uses: defaultdict[int, list[tuple[int | str, bool]]] = defaultdict(list)
            for r, con in enumerate(self.rows):
                lb, body, ub = con.to_bounded_expression()
                in_body = {id(p) for p in identify_mutable_parameters(body)}
                for part in (lb, body, ub):
                    if part is not None and part.__class__ not in (int, float):
                        for p in identify_mutable_parameters(part):
                            uses[id(p)].append((r, id(p) in in_body))
            for name, obj in self.objectives.items():
                for p in identify_mutable_parameters(obj.expr):
                    uses[id(p)].append((name, True))
            self._uses = dict(uses)
        return self._uses

    def _reread_row(self, r: int, body_changed: bool, out: Changes) -> None:
        """Bounds of row r at the parameters' values, and its coefficients if its body changed."""
        con = self.rows[r]
        lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
        if body_changed or r not in self._bodies:
            self._bodies[r] = _linear(body)
        linear, constant = self._bodies[r]
        lower = -INF if lb is None else lb - constant
        upper = INF if ub is None else ub - constant
        if (lower, upper) != (self.row_lower[r], self.row_upper[r]):
            self.row_lower[r], self.row_upper[r] = lower, upper
            out.row_bounds[r] = (lower, upper)
        if not body_changed:
            return
        old = self._row_override.get(r)
        if old is None:
            row = self.A[[r], :].tocsr()
            old = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        cols = self.col_of.positions(linear).tolist()  # a KeyError before: no -1 expected
        if min(cols, default=0) < 0:
            raise KeyError("a row uses a variable that is not a column")
        new = {c: coef for c, coef in zip(cols, linear.values(), strict=True) if coef != 0}
        for col in set(old) | set(new):
            if old.get(col, 0.0) != new.get(col, 0.0):
                out.coefficients[r, col] = new.get(col, 0.0)
        self._row_override[r] = new


def _linear(expr: object) -> tuple[dict[int, float], float]:
    """{id(variable): coefficient} and the constant of a linear expression, at current values."""
    repn = LinearRepnVisitor({}).walk_expression(expr)
    if repn.nonlinear is not None:
        raise ValueError("the model is not linear")
    return dict(repn.linear), float(repn.constant)


def _first_use_order(a: Any, columns: list[Any], compiler: _Compiler) -> np.ndarray:
    """Columns in the order the constraints first use them (as Pyomo's persistent HiGHS does).

    A column's place is its first row; columns first used by the same row keep
    the order in which that row's expression names them: the order in which the
    compiler met them in that row (``compiler.written``, before its matrix sorted
    them), which is the order ``identify_variables`` gives.
    """
    starts = a.indptr[:-1]
    first = a.indices[starts].astype(np.int64)  # rows are sorted within each column
    index, ptr, data = compiler.written
    # the compiler's columns as written -> the columns it returned (some may be dropped)
    final = IdIndex(columns).positions(map(id, compiler.var_map.values()))[index]
    row = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    place = np.arange(len(index)) - ptr[row]
    used = (data != 0) & (final >= 0)  # an entry the matrix keeps
    at_first = used.copy()
    at_first[used] = first[final[used]] == row[used]
    within = np.zeros(len(first), dtype=np.int64)
    within[final[at_first]] = place[at_first]
    return np.lexsort((within, first))


def _mutable_params(model: pyo.Block) -> list[Any]:
    return [
        p
        for comp in model.component_objects(pyo.Param, descend_into=True)
        if comp.mutable
        for p in comp.values()
    ]
