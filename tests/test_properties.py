"""Properties of the LP on random small instances (hypothesis).

Instances have 2-4 nodes in 1-2 regions, two streams (ash, slag) in one target
group, two pathways (cement, road) and random generation, capacity, expansion,
blend limits, costs and distances, built directly as :class:`ModelInputs`.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from model.core.inputs import ModelInputs
from model.core.results import Results, collect
from model.core.solve import Solver
from model.errors import SolveError

TOL = 1e-6
STREAMS = ("ash", "slag")
PATHWAYS = ("cement", "road")

amount = st.floats(0.0, 50.0, allow_nan=False).map(lambda x: round(x, 3))
unit_cost = st.floats(0.0, 60.0, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def instances(draw: st.DrawFn) -> ModelInputs:
    n = draw(st.integers(2, 4))
    nodes = tuple(f"n{k}" for k in range(n))
    regions = draw(st.lists(st.sampled_from(["r1", "r2"]), min_size=n, max_size=n))
    # both streams are compatible with road base; cement takes ash, and slag only sometimes
    pairs = [("ash", "cement"), ("ash", "road"), ("slag", "road")]
    if draw(st.booleans()):
        pairs.append(("slag", "cement"))
    share = {k: draw(st.sampled_from([1.0, 1.0, 0.5, 0.8])) for k in pairs}
    generation = {(w, i): draw(amount) for w in STREAMS for i in nodes}
    # the first node generates ash, so the target set on its region has something to count
    generation["ash", nodes[0]] = draw(st.floats(0.5, 50.0).map(lambda x: round(x, 3)))
    capacity = {(i, p): draw(amount) for i in nodes for p in PATHWAYS}
    expansion = {(i, p): v for i in nodes for p in PATHWAYS if (v := draw(amount)) > 0}
    if draw(st.booleans()):
        expansion = {}
    distance: dict[tuple[str, str], float] = {}
    for a, i in enumerate(nodes):
        distance[i, i] = draw(st.floats(5.0, 100.0).map(lambda x: round(x, 1)))
        for j in nodes[a + 1 :]:
            distance[i, j] = distance[j, i] = draw(st.floats(50.0, 900.0).map(round))
    return ModelInputs(
        nodes=nodes,
        node_region=dict(zip(nodes, regions, strict=True)),
        streams=STREAMS,
        pathways=PATHWAYS,
        modes=("road",),
        group_streams={"bulk": frozenset(STREAMS)},
        generation_10kt={k: v for k, v in generation.items() if v > 0},
        capacity_10kt=capacity,
        expansion_max_10kt=expansion,
        share_max=share,
        revenue_cny_per_t={k: draw(unit_cost) for k in pairs},
        avoided_co2_t_per_t=dict.fromkeys(pairs, 0.0),
        opex_cny_per_t={p: draw(unit_cost) for p in PATHWAYS},
        capex_cny_per_t_yr={p: draw(unit_cost) for p in PATHWAYS},
        storage_cost_cny_per_t={w: draw(unit_cost) for w in STREAMS},
        levy_cny_per_t=dict.fromkeys(STREAMS, 0.0),
        distance_km=distance,
        arcs=tuple((i, j, "road") for i in nodes for j in nodes),
        transport_cost_cny_per_tkm={"road": draw(st.floats(0.05, 0.6))},
        handling_cny_per_t={"road": draw(unit_cost)},
        emission_t_per_tkm={"road": 0.0},
        target_rate={},
    )


def solve(inputs: ModelInputs) -> tuple[float, Results]:
    solution = Solver(inputs, scenario="random").solve()
    return solution.objective_10k_cny, collect(solution)


def with_rate(inputs: ModelInputs, region: str, rate: float) -> ModelInputs:
    return replace(inputs, target_rate={(region, "bulk"): rate})


def check_balance_and_capacity(inputs: ModelInputs, res: Results) -> None:
    out = res.hauls.groupby(["stream", "origin"])["amount_10kt"].sum()
    left = res.unutilized.groupby(["stream", "node"])["amount_10kt"].sum()
    for w in inputs.streams:
        for i in inputs.nodes:
            gen = inputs.generation_10kt.get((w, i), 0.0)
            assert abs(out.get((w, i), 0.0) + left.get((w, i), 0.0) - gen) <= TOL
    arrived = res.hauls.groupby(["stream", "destination"])["amount_10kt"].sum()
    processed = res.processing.groupby(["stream", "node"])["amount_10kt"].sum()
    for key in set(arrived.index) | set(processed.index):
        assert abs(arrived.get(key, 0.0) - processed.get(key, 0.0)) <= TOL
    intake = res.processing.groupby(["node", "pathway"])["amount_10kt"].sum()
    added = res.expansions.set_index(["node", "pathway"])["expansion_10kt"]
    for key, used in intake.items():
        limit = inputs.capacity_10kt.get(key, 0.0) + added.get(key, 0.0)
        assert used <= limit + TOL
        assert added.get(key, 0.0) <= inputs.expansion_max_10kt.get(key, 0.0) + TOL
    for _, row in res.processing.iterrows():
        share = inputs.share_max[row["stream"], row["pathway"]]
        assert row["amount_10kt"] <= share * intake[row["node"], row["pathway"]] + TOL


common = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@common
@given(inputs=instances(), rate=st.floats(0.0, 1.0))
def test_balance_and_capacity_hold(inputs: ModelInputs, rate: float) -> None:
    region = inputs.node_region[inputs.nodes[0]]
    try:
        _, res = solve(with_rate(inputs, region, rate))
    except SolveError:
        # a target can be out of reach; without one the instance is always feasible
        event("target out of reach")
        _, res = solve(inputs)
        inputs_used = inputs
    else:
        inputs_used = with_rate(inputs, region, rate)
    check_balance_and_capacity(inputs_used, res)


@common
@given(
    inputs=instances(),
    low=st.floats(0.0, 1.0),
    step=st.floats(0.0, 0.5),
)
def test_cost_is_monotone_in_the_target_rate(inputs: ModelInputs, low: float, step: float) -> None:
    """A higher target only removes allocations: the optimum cannot fall.

    And feasibility is monotone too: if the lower target is out of reach, so is the higher.
    """
    region = inputs.node_region[inputs.nodes[0]]
    high = min(low + step, 1.0)
    try:
        cost_low, _ = solve(with_rate(inputs, region, low))
    except SolveError:
        try:
            solve(with_rate(inputs, region, high))
        except SolveError:
            event("both targets out of reach")
            return
        raise AssertionError(f"rate {low} infeasible but the higher {high} is feasible") from None
    try:
        cost_high, _ = solve(with_rate(inputs, region, high))
    except SolveError:
        event("only the higher target out of reach")
        return  # acceptable
    event("both targets in reach")
    assert cost_high >= cost_low - 1e-7 * max(1.0, abs(cost_low))
