"""The class schemes computed without mapclassify (Fisher-Jenks, the default, by jenkspy,
and equal intervals, for narrow data): the same bins as mapclassify."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from model.outputs.maps.classify import equal_interval_bins, fisher_jenks_bins


def test_two_obvious_clusters_split_between_them() -> None:
    # by hand: any split inside a cluster leaves a spread of at least 1 in the other one
    # (squared deviations 2 + 2 for the split 3 | 10, more for any other)
    values = np.array([11.0, 1.0, 12.0, 3.0, 10.0, 2.0])
    assert fisher_jenks_bins(values, 2).tolist() == [3.0, 12.0]
    assert fisher_jenks_bins(values, 3).tolist()[-1] == 12.0


def test_each_distinct_value_its_own_class_when_k_is_their_number() -> None:
    assert fisher_jenks_bins(np.array([5.0, 1.0, 3.0, 3.0]), 3).tolist() == [1.0, 3.0, 5.0]


def test_equal_intervals_split_the_range_evenly() -> None:
    assert equal_interval_bins(np.array([0.0, 1.0, 4.0]), 4).tolist() == [1.0, 2.0, 3.0, 4.0]


def _squared_deviations(values: np.ndarray, bins: np.ndarray) -> float:
    """Sum over the classes (closed on the right at each bin) of squared deviations from
    the class mean: what Fisher-Jenks minimises."""
    classes = np.searchsorted(bins, values, side="left")
    return sum(
        float(((values[classes == c] - values[classes == c].mean()) ** 2).sum())
        for c in np.unique(classes)
    )


@pytest.mark.parametrize("kind", ["normal", "integers", "skewed", "rates"])
def test_as_good_as_mapclassify(kind: str) -> None:
    """Fisher-Jenks: the same bins as mapclassify, or (where ties allow several best
    partitions) a partition with the same least squared deviations; equal intervals:
    mapclassify's bins to rounding. On inputs with ties, several magnitudes, 2 to 7 classes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed", and its imports' own
        import mapclassify
    rng = np.random.default_rng(12)
    compared = same = 0
    for _ in range(60):
        n, k = int(rng.integers(2, 45)), int(rng.integers(2, 8))
        if kind == "normal":
            values = rng.normal(size=n) * 10.0 ** int(rng.integers(-3, 5))
        elif kind == "integers":
            values = rng.integers(0, 6, size=n).astype(float)
        elif kind == "skewed":
            values = rng.exponential(size=n) * 1e4
        else:
            values = np.round(rng.uniform(0, 1, size=n), 3)
        if len(np.unique(values)) < k:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = np.asarray(mapclassify.FisherJenks(values, k=k).bins)
            equal = np.asarray(mapclassify.EqualInterval(values, k=k).bins)
        got = fisher_jenks_bins(values, k)
        assert len(got) == k and got[-1] == values.max()
        best = _squared_deviations(values, expected)
        scale = float(((values - values.mean()) ** 2).sum())
        assert _squared_deviations(values, got) <= best + 1e-9 * scale, (values.tolist(), k)
        same += np.array_equal(got, expected)
        np.testing.assert_allclose(equal_interval_bins(values, k), equal, rtol=1e-12, atol=0)
        compared += 1
    assert compared > 20
    if kind != "integers":  # without ties the best partition is one: the very same bins
        assert same == compared
