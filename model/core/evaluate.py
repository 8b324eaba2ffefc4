"""The value of a linear Pyomo expression at a solution, from the solver's arrays.

``pyo.value(m.total_cost)`` walks every term of the expression in Python: on
the prefecture model that is most of a second, and a solve with its tie-break
needs it three times, a study point once more. :class:`Evaluator` walks the
expression once and keeps it as arrays: for each sum, the coefficient of every
term and the column of its variable. Re-evaluating multiplies the coefficients
by the column values with numpy and adds the terms with Python's ``sum`` in
the order Pyomo adds them, so the value is the same float as ``pyo.value``
gives (each product is one IEEE multiplication either way; the sum is the same
additions in the same order). A coefficient that depends on mutable parameters
(a transport cost scaled by a sweep) is re-read when one of them has changed.

Expressions other than sums, negations, products and quotients of these, and
sums over variables outside the compiled columns, are left to Pyomo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)

if TYPE_CHECKING:
    from model.core.idindex import IdIndex

NATIVE = (int, float)


class _Sum:
    """A sum whose linear terms are arrays; other arguments are plans of their own."""

    def __init__(self, evaluator: Evaluator, node: Any) -> None:
        args = list(node.args)
        self.n = len(args)
        positions: list[int] = []
        self.coefficients: list[Any] = []  # a number or a Pyomo expression without variables
        var_ids: list[int] = []  # id of each term's variable, 0 for a constant
        self.others: list[tuple[int, Any]] = []
        for pos, arg in enumerate(args):
            term = _term(arg)
            if term is None:
                self.others.append((pos, evaluator.plan(arg)))
                continue
            coefficient, var = term
            positions.append(pos)
            self.coefficients.append(coefficient)
            var_ids.append(0 if var is None else id(var))
        self.cols = evaluator.columns(var_ids)
        # every argument a term (positions 0..n-1): no positions kept, 150,000 ints on
        # the prefecture model's cost
        self.all_terms = not self.others
        self.positions = None if self.all_terms else np.array(positions, dtype=np.int64)
        self.params: list[Any] = []  # the parameters the coefficients read, each once
        self._seen: list[Any] | None = None
        self._coef = np.zeros(0)

    def coef(self) -> np.ndarray:
        """The coefficients at the parameters' current values (re-read when one changed)."""
        if self._seen is None:  # the first time: read them, and note their parameters
            found: dict[int, Any] = {}
            self._coef = self._read(found)
            self.params = list(found.values())
            self._seen = [p.value for p in self.params]
            return self._coef
        now = [p.value for p in self.params]
        if now != self._seen:
            self._coef = self._read({})
            self._seen = now
        return self._coef

    def _read(self, params: dict[int, Any]) -> np.ndarray:
        """Each coefficient's value; one evaluation per expression that several terms share
        (the unit cost of an arc is one expression for the hauls of every stream on it)."""
        done: dict[int, Any] = {}
        values = []
        for c in self.coefficients:
            key = id(c)
            if key not in done:
                done[key] = _npv(c, params)
            values.append(done[key])
        return np.array(values, dtype=float)

    def value(self, evaluator: Evaluator, x: np.ndarray, memo: dict[int, float]) -> Any:
        terms = self.coef() * x[self.cols]
        if self.all_terms:
            values = terms.tolist()
        else:
            values = [0.0] * self.n
            assert self.positions is not None
            for pos, v in zip(self.positions.tolist(), terms.tolist(), strict=True):
                values[pos] = v
            for pos, plan in self.others:
                values[pos] = evaluator.run(plan, x, memo)
        if not values:
            return 0
        it = iter(values)
        return sum(it, start=next(it))  # as SumExpression._apply_operation


class Evaluator:
    """Values of expressions over the columns ``col_of`` (id of a variable -> column)."""

    def __init__(self, col_of: IdIndex, n: int) -> None:
        self.col_of = col_of
        self.n = n
        self._plans: dict[int, Any] = {}
        self._held: list[Any] = []  # the expressions planned, so their ids stay theirs

    def column(self, var: Any) -> int:
        col = self.col_of.get(id(var))
        if col is None:
            raise _NotCompiled
        return col

    def columns(self, var_ids: list[int]) -> np.ndarray:
        """The column of each variable id; a constant's (id 0) is the 1.0 after the columns."""
        ids = np.array(var_ids, dtype=np.int64)
        cols = self.col_of.positions(ids)
        constant = ids == 0
        if (cols[~constant] < 0).any():
            raise _NotCompiled
        cols[constant] = self.n
        return cols

    def value(self, expr: Any, x: np.ndarray) -> float:
        """``pyo.value(expr)`` with the variables at ``x`` (the columns' values)."""
        xe = np.append(np.asarray(x, dtype=float), 1.0)
        return float(self.run(self.plan(expr), xe, {}))

    def plan(self, node: Any) -> Any:
        """How to evaluate ``node``: a tuple whose first item says what it is."""
        if node.__class__ in NATIVE:
            return ("const", node)
        key = id(node)
        if key in self._plans:
            return self._plans[key]
        try:
            plan = self._plan(node)
        except _NotCompiled:
            plan = ("pyomo", node)
        self._plans[key] = plan
        self._held.append(node)
        return plan

    def _plan(self, node: Any) -> Any:
        if not node.is_potentially_variable():
            return ("pyomo", node)
        if node.is_named_expression_type():
            return ("named", id(node), self.plan(node.expr))
        if node.is_variable_type():
            return ("var", self.column(node))
        if isinstance(node, SumExpression):
            return ("sum", _Sum(self, node))
        if isinstance(node, NegationExpression):
            return ("neg", self.plan(node.args[0]))
        if isinstance(node, ProductExpression):  # MonomialTermExpression included
            return ("prod", self.plan(node.args[0]), self.plan(node.args[1]))
        if isinstance(node, DivisionExpression):
            return ("div", self.plan(node.args[0]), self.plan(node.args[1]))
        return ("pyomo", node)

    def run(self, plan: Any, x: np.ndarray, memo: dict[int, float]) -> Any:
        kind = plan[0]
        if kind == "sum":
            return plan[1].value(self, x, memo)
        if kind == "named":
            if plan[1] not in memo:
                memo[plan[1]] = self.run(plan[2], x, memo)
            return memo[plan[1]]
        if kind == "var":
            return float(x[plan[1]])
        if kind == "const":
            return plan[1]
        if kind == "neg":
            return -self.run(plan[1], x, memo)
        if kind == "prod":
            return self.run(plan[1], x, memo) * self.run(plan[2], x, memo)
        if kind == "div":
            return self.run(plan[1], x, memo) / self.run(plan[2], x, memo)
        return pyo.value(plan[1])


class _NotCompiled(Exception):
    """A variable outside the compiled columns: that part is left to Pyomo."""


def _term(arg: Any) -> tuple[Any, Any] | None:
    """(coefficient, variable) of a linear term; (constant, None) of a constant; else None."""
    if arg.__class__ is MonomialTermExpression:  # Pyomo's monomial: (coefficient, variable)
        a, b = arg.args
        return a, b
    if arg.__class__ in NATIVE:
        return arg, None
    if not arg.is_potentially_variable():
        return arg, None
    if arg.is_variable_type():
        return 1.0, arg
    if isinstance(arg, (MonomialTermExpression, ProductExpression)):
        a, b = arg.args
        if _fixed(a) and _is_var(b):
            return a, b
        if _is_var(a) and _fixed(b):
            return b, a
    return None


def _fixed(node: Any) -> bool:
    return node.__class__ in NATIVE or not node.is_potentially_variable()


def _is_var(node: Any) -> bool:
    return node.__class__ not in NATIVE and node.is_variable_type()


def _npv(node: Any, params: dict[int, Any]) -> Any:
    """pyo.value of an expression without variables, noting the parameters it reads.

    Each operation is the node's own ``_apply_operation`` on its arguments' values,
    bottom up, as Pyomo's evaluation visitor does it (the same float), without the
    visitor's overhead: the coefficients of the prefecture model are 150,000 such.
    """
    if node.__class__ in NATIVE:
        return node
    if node.is_expression_type():
        return node._apply_operation([_npv(a, params) for a in node.args])
    if node.is_parameter_type() and node.value is not None:
        params.setdefault(id(node), node)
        return node.value
    return pyo.value(node)
